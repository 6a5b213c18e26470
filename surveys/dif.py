"""Differential item functioning (DIF): does an item work the same for two groups of
respondents (form language, sex, grade band) who stand at the same place on the topic?

Method: Mantel-Haenszel, the ETS procedure.  Each item's answer is dichotomised at the
favourable split (codes >= ``favourable``, by default 2 = the two favourable categories of a
4-category item; 1 for a dichotomous item), and respondents are matched on the topic's
sufficient statistic: the set of items answered and the raw score over them (with no missing
answers, the topic raw score).  The score includes the studied item, as Holland & Thayer
require; under the Rasch model the item's answer is then independent of group within a stratum
when there is no DIF, so the test holds its nominal level even when the groups differ in
level.  (Dichotomising keeps the classical ETS rules and their A/B/C cut points, which were set
for the MH odds ratio; the Liu-Agresti cumulative odds ratio would use all splits.)

Per stratum s, with A/B the reference group's favourable/other counts, C/D the focal group's
and T the stratum total:
    alpha_MH = sum(A D / T) / sum(B C / T),  MH D-DIF = -2.35 ln alpha_MH  (ETS delta scale)
    SE from the Robins-Breslow-Greenland variance of ln alpha_MH
    MH chi-square = (|sum A - sum E(A)| - 0.5)^2 / sum Var(A)  (1 df, continuity corrected)
Negative D-DIF: at the same topic level the focal group answers favourably less often (the
item is "harder" for it).  ETS classes (Zwick 2012):
    A  negligible: |D| < 1, or the chi-square is not significant at 5%;
    C  large: |D| >= 1.5 and |D| significantly above 1 (one-sided 5%: (|D| - 1) / SE > 1.645);
    B  moderate: everything else.
Matching is purified as ETS does: items classed C in a first pass are left out of the
matching score of the other items, and the statistics are computed again.
A comparison is suppressed (no statistics) when either group has fewer than ``min_group``
respondents who answered the item: the disclosure policy's minimum group size.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from .rasch import pattern_keys
from .suppression import DEFAULT_MIN_N

DELTA_PER_LOG_ODDS = -2.35
Z_ONE_SIDED_5 = 1.645


@dataclass(frozen=True)
class ItemDif:
    """One item, one comparison (focal group against the reference group)."""
    item: int
    comparison: str  # the grouping variable, e.g. "language"
    reference: str
    focal: str
    n_reference: int  # respondents in the group who answered the item
    n_focal: int
    odds_ratio: float  # alpha_MH (NaN when suppressed or not estimable)
    delta: float  # MH D-DIF
    se: float
    chi_square: float
    p_value: float
    ets_class: str | None  # "A", "B", "C"; None when suppressed or not estimable
    suppressed: bool

    @property
    def favours(self) -> str | None:
        """Which group answers favourably more often at the same topic level."""
        if self.ets_class in (None, "A"):
            return None
        return self.reference if self.delta < 0 else self.focal


def _strata(r, matching):
    """Stratum of every respondent for every studied item, (n, k) int64: the pattern key of
    the matching items plus the studied item."""
    n, k = r.shape
    base = np.unique(pattern_keys(r[:, matching]), return_inverse=True)[1] if matching else np.zeros(n, np.int64)
    out = np.repeat(base.reshape(n, 1), k, axis=1)
    for j in sorted(set(range(k)) - set(matching)):  # the few items left out of the matching
        out[:, j] = np.unique(pattern_keys(r[:, sorted(matching + [j])]), return_inverse=True)[1]
    return out


def mantel_haenszel(responses, focal, reference, favourable=2, purify=True) -> dict[str, np.ndarray]:
    """MH statistics of every item for one focal/reference pair.

    responses: int (n, k) codes, -1 missing.  focal, reference: bool (n,) group masks.
    purify: ETS's two-stage procedure; items classed C in a first pass are left out of the
    matching score of the others (each is still matched on the others plus itself).
    Returns arrays of shape (k,): n_reference, n_focal (int64), odds_ratio, delta, se,
    chi_square, p_value (float64, NaN where not estimable) and ets_class (object: "A"/"B"/"C"
    or None)."""
    r = np.asarray(responses).astype(np.int8)
    n, k = r.shape
    focal, reference = np.asarray(focal, bool), np.asarray(reference, bool)
    if focal.shape != (n,) or reference.shape != (n,) or np.any(focal & reference):
        raise ValueError("focal and reference must be disjoint boolean masks of shape (n,)")
    first = _mh(r, focal, reference, favourable, _strata(r, list(range(k))))
    flagged = first["ets_class"] == "C"
    if not purify or not flagged.any() or flagged.all():
        return first
    return _mh(r, focal, reference, favourable, _strata(r, np.flatnonzero(~flagged).tolist()))


def _mh(r, focal, reference, favourable, stratum):
    n, k = r.shape
    n_strata = int(stratum.max()) + 1 if n else 0
    inside = (focal | reference)[:, None] & (r >= 0)  # (n, k)
    cell = 2 * focal[:, None].astype(np.int64) + (r < favourable)  # 0 A, 1 B, 2 C, 3 D
    idx = ((np.arange(k)[None, :] * n_strata + stratum) * 4 + cell)[inside]
    t = np.bincount(idx, minlength=k * n_strata * 4).reshape(k, n_strata, 4).astype(np.float64)
    a, b, c, d = t[..., 0], t[..., 1], t[..., 2], t[..., 3]
    tot = t.sum(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(tot > 0, 1.0 / tot, 0.0)
        rk, sk = a * d * w, b * c * w
        pk, qk = (a + d) * w, (b + c) * w
        rs, ss = rk.sum(1), sk.sum(1)
        odds = rs / ss
        var_log = ((pk * rk).sum(1) / (2 * rs**2) + (pk * sk + qk * rk).sum(1) / (2 * rs * ss)
                   + (qk * sk).sum(1) / (2 * ss**2))
        n_ref, n_foc = a + b, c + d
        fav = a + c
        expected = np.where(tot > 0, n_ref * fav * w, 0.0)
        var_a = np.where(tot > 1, n_ref * n_foc * fav * (tot - fav) / (tot**2 * (tot - 1)), 0.0)
        chi_sq = np.maximum(np.abs(a.sum(1) - expected.sum(1)) - 0.5, 0.0) ** 2 / var_a.sum(1)
        delta = DELTA_PER_LOG_ODDS * np.log(odds)
        se = -DELTA_PER_LOG_ODDS * np.sqrt(var_log)
    ok = np.isfinite(delta) & np.isfinite(se) & np.isfinite(chi_sq)
    delta, se, chi_sq, odds = (np.where(ok, v, np.nan) for v in (delta, se, chi_sq, odds))
    p = np.where(ok, chi2.sf(np.where(ok, chi_sq, 0.0), 1), np.nan)
    return {"n_reference": n_ref.sum(1).astype(np.int64), "n_focal": n_foc.sum(1).astype(np.int64),
            "odds_ratio": odds, "delta": delta, "se": se, "chi_square": chi_sq, "p_value": p,
            "ets_class": ets_classes(delta, se, p)}


def ets_classes(delta, se, p_value) -> np.ndarray:
    """ETS A/B/C from MH D-DIF, its SE and the MH chi-square p-value (NaN -> None)."""
    delta, se, p = (np.asarray(v, dtype=np.float64) for v in (delta, se, p_value))
    size = np.abs(delta)
    with np.errstate(invalid="ignore"):
        large = (size >= 1.5) & ((size - 1.0) / se > Z_ONE_SIDED_5)
        negligible = (size < 1.0) | (p >= 0.05)
    out = np.where(negligible, "A", np.where(large, "C", "B")).astype(object)
    out[~(np.isfinite(delta) & np.isfinite(se) & np.isfinite(p))] = None
    return out


def topic_dif(responses, groups: Mapping[str, Sequence], reference: Mapping[str, str] | None = None,
              min_group: int = DEFAULT_MIN_N, favourable: int = 2, purify: bool = True) -> list[ItemDif]:
    """DIF of every item of a topic for every grouping variable.

    responses: int (n, k) codes of the topic's items, -1 missing.  groups: {variable:
    (n,) labels}, e.g. {"language": ["en", "es", ...], "sex": [...], "grade_band": [...]};
    None or "" = unknown (left out).  reference: {variable: label} of the reference group;
    default the largest group.  Every other label of the variable is a focal group compared
    with it.  Returns one ItemDif per (variable, focal group, item), suppressed where either
    group has fewer than min_group answers to the item."""
    r = np.asarray(responses)
    out = []
    for variable, labels in groups.items():
        lab = np.array(["" if v is None else str(v) for v in labels], dtype=object)
        if lab.shape != (r.shape[0],):
            raise ValueError(f"{variable}: {lab.shape[0]} labels for {r.shape[0]} respondents")
        values, counts = np.unique(lab[lab != ""].astype(str), return_counts=True)
        if values.size < 2:
            continue
        ref = (reference or {}).get(variable) or str(values[np.argmax(counts)])
        if ref not in values:
            raise ValueError(f"{variable}: no respondents in the reference group {ref!r}")
        for foc in (v for v in values if v != ref):
            stats = mantel_haenszel(r, lab == foc, lab == ref, favourable=favourable, purify=purify)
            for i in range(r.shape[1]):
                small = min(stats["n_reference"][i], stats["n_focal"][i]) < min_group
                value = (lambda key: float("nan") if small else float(stats[key][i]))
                out.append(ItemDif(
                    item=i, comparison=variable, reference=ref, focal=str(foc),
                    n_reference=int(stats["n_reference"][i]), n_focal=int(stats["n_focal"][i]),
                    odds_ratio=value("odds_ratio"), delta=value("delta"), se=value("se"),
                    chi_square=value("chi_square"), p_value=value("p_value"),
                    ets_class=None if small else stats["ets_class"][i], suppressed=bool(small)))
    return out
