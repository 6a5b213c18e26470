"""The shareable export tier: k-anonymity (k = N) on the quasi-identifiers by local recoding.

Quasi-identifiers: school, respondent group, grade, sex, race, Hispanic origin, home language,
staff role and years at the school.  Every combination of their published values is shared by at
least k rows.  Values are generalised first, one step of a variable's hierarchy at a time and only
for the rows still in a class of fewer than k (local recoding, so common rows keep their detail):

    grade     5, 6, ... -> two-grade bands (5-6, 7-8, 9-10, 11-12) -> 5-8 / 9-12 -> blank
    race      single races -> White, Black, Asian, "Other" (the smaller races), "Two or more" -> White / "Other" -> blank
    language  English, Spanish, both, another -> English / "Spanish or both" / "Another" -> English / "Other" -> blank
    years     1, 2, 3, 4 -> "up to 3 years" / "4 or more" -> blank
    role      1, 2, 3 / 4 and above -> two groups, named by the caller's role_groups labels -> blank
    sex, Hispanic origin: -> blank;  school: -> "(withheld)" only as the very last resort.

Each step is chosen to lose least: the step that moves the most rare rows into classes of k or
more per unit of loss (a generalisation costs 1, a blank 3, a withheld school 20; race and home
language are never blanked by a step, only by a merge, where a blank costs 6).  Rows still rare once they can be coarsened no further are merged with
another class of their respondent group: both take the finest values they share where they
differ, the other class with only as many rows as the rare rows need (none when the rare rows can
take its values).  When that was needed (and the file is small), a second run that weighs such
merges against the steps from the start is made too, and the recoding that loses less is kept
(fewer rows without race or home language first, then the weighted loss).  So any respondent group of
k or more rows ends k-anonymous.  Values of categories that the reports hide for that school are withheld
first (``withheld``), so that an export cannot reproduce a hidden group (issue 11, leaks 4-5).

anjana (k-anonymity by full-domain generalisation) is not used: it generalises a variable for every
row of the file at once and suppresses whole rows (dropping responses), where local recoding keeps
race and home language for the common rows; and it pins exact old versions of numpy, pandas and
scipy.  pycanon (a verifier) pins them too, so the tests verify every shareable file with their own
pandas groupby over the quasi-identifiers instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

QUASI_IDENTIFIERS = ("school", "group", "grade", "sex", "race", "hispanic", "language", "role", "years")
BLANK = None
WITHHELD_SCHOOL = "(withheld)"

_RACE1 = {"16": "White", "4": "Black", "2": "Asian", "1": "Other", "8": "Other", "multiple": "Two or more"}
_LANG1 = {"1": "English", "2": "Spanish or both", "3": "Spanish or both", "4": "Another"}


def _grade1(v):
    g = int(v)
    return "ungraded" if g > 12 else f"{g - (g + 1) % 2}-{g - (g + 1) % 2 + 1}"


# variable -> list of steps (value -> generalised value); the step after the last blanks.
HIERARCHIES = {
    "grade": [_grade1, lambda v: "ungraded" if v == "ungraded" else ("5-8" if int(v.split("-")[0]) < 9 else "9-12")],
    "race": [lambda v: _RACE1.get(v, "Other"), lambda v: "White" if v == "White" else "Other"],
    "language": [lambda v: _LANG1.get(v, "Another"), lambda v: "English" if v == "English" else "Other"],
    "years": [lambda v: "up to 3 years" if v in ("1", "2") else "4 or more"],
    "role": [lambda v: "role 1, 2 or 3" if v in ("1", "2", "3") else "role 4 or above"],
    "sex": [], "hispanic": [], "school": [], "group": [],
}
KEEP = ("race", "language")    # blanked only by a merge, never by a step of their own
MERGE_FIRST_MAX_ROWS = 600     # the merge-first run is quadratic in the classes: small groups only
BLANK_COST = {"race": 6.0, "language": 6.0, "school": 20.0, "group": float("inf")}


@dataclass
class Anonymised:
    """columns : variable -> (n,) object of published values (None = blank);
    loss : variable -> {"generalised": %, "blanked": %, "withheld": %} of rows that had a value."""
    columns: dict
    loss: dict
    k: int

    def class_sizes(self) -> np.ndarray:
        return class_sizes(self.columns)


def _codes(columns):
    mats = []
    for v in columns.values():
        a = np.asarray(v, dtype=object)
        s = np.where(np.equal(a, None), "\x00", a).astype(str)
        mats.append(np.unique(s, return_inverse=True)[1].ravel())
    return np.stack(mats, axis=1) if mats else np.zeros((0, 0), dtype=np.int64)


def role_groups(labels: Mapping[str, str]) -> list:
    """The staff-role hierarchy of one instrument: roles 1-3 and the rest, each group named by its
    roles' own labels (labels: code text -> label, without "Prefer not to say")."""
    low = [c for c in labels if int(c) <= 3]
    names = (" / ".join(labels[c] for c in low), " / ".join(labels[c] for c in labels if c not in low))
    return [lambda v: names[0] if v in low else names[1]]


def class_sizes(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """(n,) the number of rows sharing each row's combination of published values."""
    codes = _codes(columns)
    _, inv, cnt = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    return cnt[inv.ravel()]


def _blank(v):
    return WITHHELD_SCHOOL if v == "school" else BLANK


def _step_cost(v, L, steps) -> float:
    """The loss of taking one value of v from level L to L + 1 (a generalisation or the blank)."""
    return 1.0 if L < len(steps) else BLANK_COST.get(v, 3.0)


def _up(v, x, L, steps):
    """[(level, value, cost from L)] of x at level L and every coarser value above it, ending blank."""
    out, cost = [(L, x, 0.0)], 0.0
    while L <= len(steps) and x is not None and x != _blank(v):
        cost += _step_cost(v, L, steps)
        x = steps[L](x) if L < len(steps) else _blank(v)
        L += 1
        out.append((L, x, cost))
    return out


def _meet(v, a, la, b, lb, steps):
    """The finest value that a (at level la) and b (at level lb) both generalise to: (value,
    level for a, cost per a row, level for b, cost per b row); None when there is none."""
    up_b = _up(v, b, lb, steps)
    for La, x, ca in _up(v, a, la, steps):
        for Lb, y, cb in up_b:
            if x == y:
                return x, La, ca, Lb, cb
    return None


def shareable(quasi: Mapping[str, np.ndarray], k: int = 10, withheld: Mapping[str, np.ndarray] | None = None,
              hierarchies: Mapping[str, list] | None = None) -> Anonymised:
    """k-anonymise quasi-identifiers (variable -> (n,) object of str | None) by local recoding.

    withheld : variable -> (n,) bool, rows whose value belongs to a category the reports hide;
    those values are blanked first.  hierarchies : variable -> steps replacing HIERARCHIES (the
    caller's instrument labels).  Each round takes the move that rescues most rare rows per unit
    of loss: one generalisation step of a variable for every rare row, or merging the smallest
    rare class with another class of its respondent group (both sides take the finest values they
    share on the variables where they differ; of the other class only as many rows as needed, and
    none when the rare rows can simply take its values).  Within a respondent group of k or more
    rows this always ends k-anonymous.  Raises ValueError when a respondent group has fewer than k rows."""
    if k < 2:
        raise ValueError("k must be at least 2")
    hier = {**HIERARCHIES, **(hierarchies or {})}
    names = [v for v in QUASI_IDENTIFIERS if v in quasi] + [v for v in quasi if v not in QUASI_IDENTIFIERS]
    orig = {v: np.asarray(quasi[v], dtype=object) for v in names}
    n = len(next(iter(orig.values()))) if orig else 0
    level = {v: np.zeros(n, dtype=np.int64) for v in names}
    cur = {v: orig[v].copy() for v in names}
    held = {v: np.zeros(n, dtype=bool) for v in names}
    for v, mask in (withheld or {}).items():
        mask = np.asarray(mask, dtype=bool) & np.not_equal(orig[v], None)
        held[v] = mask
        cur[v][mask] = _blank(v)
        level[v][mask] = len(hier.get(v, [])) + 1
    if "group" in cur:
        groups, counts = np.unique(np.asarray(cur["group"], dtype=str), return_counts=True)
        if (counts < k).any():
            small = str(groups[counts < k][0])
            raise ValueError(f"respondent group {small!r} has {int(counts[counts < k][0])} respondents, fewer than {k}; "
                             "a shareable file cannot include it")
    elif 0 < n < k:
        raise ValueError(f"there are {n} respondents, fewer than {k}; a shareable file cannot include them")
    def lost(result):    # rows losing race or home language first, then the weighted loss
        kept = [v for v in KEEP if v in names]
        return (int(np.logical_or.reduce([np.equal(result[0][v], None) & ~held[v] for v in kept]).sum()) if kept else 0,
                _cost(result[1], orig, held, names, hier))

    first = _recode(cur, level, names, hier, k, cheapest_merge=False)
    if first[2] and n <= MERGE_FIRST_MAX_ROWS:
        first = min(first, _recode(cur, level, names, hier, k, cheapest_merge=True), key=lost)
    cur, level = first[:2]
    loss = {}
    for v in names:
        had = np.not_equal(orig[v], None)
        denom = max(int(had.sum()), 1)
        blank = had & np.equal(cur[v], _blank(v)) & ~held[v]
        gen = had & ~np.equal(cur[v], _blank(v)) & (level[v] > 0)
        loss[v] = {"generalised": 100.0 * gen.sum() / denom, "blanked": 100.0 * blank.sum() / denom,
                   "withheld": 100.0 * held[v].sum() / denom}
    return Anonymised(cur, loss, k)


def _recode(cur, level, names, hier, k, cheapest_merge):
    """One run of local recoding from (cur, level).  cheapest_merge=False: generalisation steps of
    the rare rows first, merges only when those are exhausted; True: each round the better of a
    step that rescues rows and the cheapest merge per rare row.  The second run is made only
    when the first needed a merge.  Returns (cur, level, merged)."""
    cur, level = dict(cur), dict(level)
    n, merged = len(next(iter(cur.values()))), False
    for _ in range(4 * n + 10):
        sizes = class_sizes(cur)
        rare = sizes < k
        if not rare.any():
            return cur, level, merged
        best = None
        for v in names:
            if v == "group":
                continue
            steps = hier.get(v, [])
            can = rare & (level[v] <= len(steps)) & np.not_equal(cur[v], None) & np.not_equal(cur[v], _blank(v))
            if v in KEEP:                    # race and home language are blanked only by a merge
                can &= level[v] < len(steps)
            if not can.any():
                continue
            nv = cur[v].copy()
            lv = level[v][can]
            nv[can] = [steps[L](x) if L < len(steps) else _blank(v) for x, L in zip(cur[v][can], lv)]
            rescued = int((rare & (class_sizes({**cur, v: nv}) >= k)).sum())
            cost = sum(_step_cost(v, int(L), steps) for L in lv)
            score = (rescued + (0 if cheapest_merge else 1e-3 * can.sum())) / cost
            if (rescued or not cheapest_merge) and (best is None or score > best[0]):
                best = (score, [(v, can, nv, level[v] + can)])
        if best is None or cheapest_merge:
            merge = _merge(cur, level, names, hier, sizes, k)
            if best is None or merge[0] > best[0]:
                best, merged = merge, True
        for v, _rows, nv, lv in best[1]:
            cur[v], level[v] = nv, lv
    raise ValueError("k-anonymisation did not finish")


def _cost(level, orig, held, names, hier) -> float:
    """The loss of a recoding: generalisation steps and blanks, weighted as in BLANK_COST."""
    total = 0.0
    for v in names:
        steps = hier.get(v, [])
        cum = np.cumsum([0.0] + [_step_cost(v, L, steps) for L in range(len(steps) + 1)])
        lv = np.minimum(level[v], len(steps) + 1)
        total += float(cum[lv][np.not_equal(orig[v], None) & ~held[v]].sum())
    return total


def _merge(cur, level, names, hier, sizes, k):
    """The cheapest merge of the smallest rare class with another class of its respondent group:
    (rescued rows per unit of loss, [(variable, rows, new values, new levels)])."""
    codes = _codes(cur)
    _, first, inv = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    csize = np.bincount(inv)
    c = int(np.argmin(np.where(csize < k, csize, np.iinfo(np.int64).max)))
    rc, s = int(first[c]), int(csize[c])
    size_of = {tuple(codes[first[j]]): int(csize[j]) for j in range(len(first))}
    value_code = [{} for _ in names]
    for i, v in enumerate(names):
        for x, code in zip(cur[v][first], codes[first, i]):
            value_code[i][x] = code
    best = None
    for d in range(len(first)):
        rd = int(first[d])
        if d == c or ("group" in cur and cur["group"][rd] != cur["group"][rc]):
            continue
        moves, cost_c, cost_d, target = [], 0.0, 0.0, list(codes[rc])
        for i in np.flatnonzero(codes[rd] != codes[rc]):
            v = names[i]
            met = _meet(v, cur[v][rc], int(level[v][rc]), cur[v][rd], int(level[v][rd]), hier.get(v, []))
            x, la, ca, lb, cb = met
            moves.append((v, x, la, lb))
            cost_c += ca
            cost_d += cb
            target[i] = value_code[i].get(x, -1 - i)
        target = tuple(target)
        dsize = int(csize[d])
        if cost_d == 0:                      # the rare rows take d's values
            final, m = s + dsize, 0
        else:
            base = s + (size_of.get(target, 0) if target != tuple(codes[rc]) else 0)
            m = dsize if dsize < k else max(0, k - base)
            if 0 < dsize - m < k:
                m = dsize
            final = base + m
        cost = s * cost_c + m * cost_d
        if cost <= 0:
            continue
        moved = s + (m if dsize < k else 0)     # rare rows that the merge puts together
        key = (moved / cost, final >= k)
        if best is None or key > best[0]:
            best = (key, d, moves, m)
    (score, _), d, moves, m = best
    rows_c = inv == c
    rows_d = np.zeros_like(rows_c)
    rows_d[np.flatnonzero(inv == d)[:m]] = True
    out = []
    for v, x, la, lb in moves:
        nv, lv = cur[v].copy(), level[v].copy()
        nv[rows_c], lv[rows_c] = x, la
        nv[rows_d], lv[rows_d] = x, lb
        out.append((v, rows_c | rows_d, nv, lv))
    return score, out


def l_diversity(columns: Mapping[str, np.ndarray], sensitive: np.ndarray) -> int:
    """The smallest number of distinct sensitive values (e.g. performance-level bands) in an
    equivalence class of the published quasi-identifiers."""
    codes = _codes(columns)
    _, inv = np.unique(codes, axis=0, return_inverse=True)
    inv = inv.ravel()
    s = np.unique(np.asarray(sensitive, dtype=str), return_inverse=True)[1].ravel()
    pairs = np.unique(np.stack([inv, s], axis=1), axis=0)
    return int(np.bincount(pairs[:, 0]).min()) if pairs.size else 0


def withheld_masks(school_ids, group, subgroups: Mapping[str, np.ndarray], decision) -> dict:
    """variable -> (n,) bool: rows whose value is in a category that ``decision`` hides at their
    school (or whose school's whole group is hidden)."""
    sid = np.asarray(school_ids)
    out = {}
    for var, vals in subgroups.items():
        vals = np.asarray(vals, dtype=object)
        mask = np.zeros(vals.shape, dtype=bool)
        for key in decision.hidden:
            g, school, kvar, value = key
            if g != group or school is None:
                continue
            if kvar == var:
                mask |= (sid == school) & (vals.astype(str) == str(value))
            elif kvar is None:
                mask |= sid == school
        out[var] = mask
    return out
