"""Group results ("cells") for reports: schools, the district, and subgroups of both.

Every statistic is computed with np.bincount over cell codes: there is no loop over
respondents (only over measures, subgroup variables and the cells themselves).

Score cells (measure_kind "topic" or "domain"): n = respondents with a score; mean of the
individual scale scores; SE = sd / sqrt(n) (sd with n - 1); 95% interval
mean +- t(0.975, n - 1) * SE.  The reported mean and interval are clamped to [100, 500]; the
level is that of the clamped mean; pct_levels are the percentages of the n respondents in
each performance level (from their individual scores).

Item cells: n = respondents who answered the item; counts of codes 0..3 (least..most
favourable), percentages of n, pct_favourable = percent with code 2 or 3.

Subgroup value None (question not answered) gives no cell; those respondents still count in
the school/district totals (the disclosure policy treats them as an unpublished remainder).
These cells are not yet fit to publish: the app stores them only through its disclosure gate
(climate/disclosure.py, surveys.disclosure.protect), which hides small groups and their
complements.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

from .domain import PERFORMANCE_LEVELS, REPORT_MAX, REPORT_MIN
from .scales import performance_levels

N_CATEGORIES = 4


def _empty_cell(school_id, group, kind, measure, subgroup, value):
    return {"school_id": school_id, "group": group, "measure_kind": kind, "measure": measure,
            "subgroup": subgroup, "subgroup_value": value, "suppressed": False, "n": None,
            "mean": None, "se": None, "ci_low": None, "ci_high": None, "level": None,
            "pct_levels": None, "counts": None, "pct": None, "pct_favourable": None}


def _groupings(school_ids, subgroups):
    """Cell layouts: list of (codes (n,) int with -1 = not in any cell, descriptors).
    Descriptors are (school_id, subgroup, subgroup_value) for code 0, 1, ..."""
    sid = np.asarray(school_ids)
    n = sid.shape[0]
    schools, sidx = np.unique(sid, return_inverse=True)
    school_list = [int(s) for s in schools]
    out = [(sidx.astype(np.int64), [(s, None, None) for s in school_list]),
           (np.zeros(n, dtype=np.int64), [(None, None, None)])]
    for var in (subgroups or {}):
        raw = np.asarray(subgroups[var], dtype=object)
        if raw.shape[0] != n:
            raise ValueError(f"subgroup {var!r} has {raw.shape[0]} values for {n} respondents")
        missing = np.equal(raw, None)
        vals = np.where(missing, "", raw).astype(str)
        values, vidx = np.unique(vals[~missing], return_inverse=True)
        full = np.full(n, -1, dtype=np.int64)
        full[~missing] = vidx
        nv = values.size
        codes_school = np.where(full >= 0, sidx * nv + full, -1)
        desc_school = [(s, var, str(v)) for s in school_list for v in values]
        out.append((codes_school, desc_school))
        out.append((full, [(None, var, str(v)) for v in values]))
    return out


def _present(codes, size):
    return np.bincount(codes[codes >= 0], minlength=size) > 0


def score_cells(scores, measures, measure_kind, group, school_ids, subgroups=None, confidence=0.95):
    """Cells for scale-score measures (topics/domains); see the module docstring."""
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] != len(measures):
        raise ValueError("scores must be (n, len(measures))")
    kinds = [measure_kind] * len(measures) if isinstance(measure_kind, str) else list(measure_kind)
    if len(kinds) != len(measures):
        raise ValueError("measure_kind must be a string or one kind per measure")
    for kd in kinds:
        if kd not in ("topic", "domain"):
            raise ValueError(f"measure_kind must be 'topic' or 'domain', got {kd!r}")
    layouts = _groupings(school_ids, subgroups)
    cells = []
    for j, measure in enumerate(measures):
        v = x[:, j]
        ok = ~np.isnan(v)
        lv = performance_levels(v)
        for codes, desc in layouts:
            size = len(desc)
            if size == 0:
                continue
            present = _present(codes, size)
            c = np.where(ok & (codes >= 0), codes, -1)
            sel = c >= 0
            cc = c[sel]
            vv = v[sel]
            cnt = np.bincount(cc, minlength=size)
            tot = np.bincount(cc, weights=vv, minlength=size)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = tot / cnt
                dev = vv - mean[cc]
                ss = np.bincount(cc, weights=dev * dev, minlength=size)
                sd = np.sqrt(ss / (cnt - 1))
            lvc = np.bincount(cc * 3 + lv[sel], minlength=size * 3).reshape(size, 3)
            # every statistic for all cells of this layout at once
            with np.errstate(invalid="ignore", divide="ignore"):
                se = sd / np.sqrt(cnt)
                q = student_t.ppf(0.5 + confidence / 2, np.maximum(cnt - 1, 1))
                pct = 100.0 * lvc / cnt[:, None]
            cmean = np.clip(mean, REPORT_MIN, REPORT_MAX)
            lo = np.clip(mean - q * se, REPORT_MIN, REPORT_MAX)
            hi = np.clip(mean + q * se, REPORT_MIN, REPORT_MAX)
            lev = performance_levels(cmean)
            for g in np.flatnonzero(present):
                s_id, var, val = desc[g]
                cell = _empty_cell(s_id, group, kinds[j], measure, var, val)
                ng = int(cnt[g])
                cell["n"] = ng
                if ng > 0:
                    cell["mean"] = float(cmean[g])
                    cell["level"] = PERFORMANCE_LEVELS[int(lev[g])]
                    cell["pct_levels"] = pct[g].tolist()
                    if ng > 1:
                        cell["se"] = float(se[g])
                        cell["ci_low"] = float(lo[g])
                        cell["ci_high"] = float(hi[g])
                cells.append(cell)
    return cells


def item_cells(codes, item_ids, group, school_ids, subgroups=None):
    """Cells for items (scaled, unscaled and parent items alike): category counts 0..3,
    percentages of those who answered, percent favourable (codes 2-3)."""
    r = np.asarray(codes)
    if r.ndim != 2 or r.shape[1] != len(item_ids):
        raise ValueError("codes must be (n, len(item_ids))")
    if r.size and (r.min() < -1 or r.max() > 3):
        raise ValueError("item codes must be -1 (missing) or 0..3")
    layouts = _groupings(school_ids, subgroups)
    cells = []
    for j, item in enumerate(item_ids):
        x = r[:, j].astype(np.int64)
        ok = x >= 0
        for gcodes, desc in layouts:
            size = len(desc)
            if size == 0:
                continue
            present = _present(gcodes, size)
            sel = ok & (gcodes >= 0)
            cnt = np.bincount(gcodes[sel] * N_CATEGORIES + x[sel],
                              minlength=size * N_CATEGORIES).reshape(size, N_CATEGORIES)
            for g in np.flatnonzero(present):
                s_id, var, val = desc[g]
                cell = _empty_cell(s_id, group, "item", item, var, val)
                counts = [int(v) for v in cnt[g]]
                ng = sum(counts)
                cell["n"] = ng
                cell["counts"] = counts
                if ng > 0:
                    pct = [100.0 * v / ng for v in counts]
                    cell["pct"] = pct
                    cell["pct_favourable"] = pct[2] + pct[3]
                cells.append(cell)
    return cells
