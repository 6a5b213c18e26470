"""The shareable export tier: k-anonymity (k = N) on the quasi-identifiers by local recoding.

Quasi-identifiers: school, respondent group, grade, sex, race, Hispanic origin, home language,
staff role and years at the school.  Every combination of their published values is shared by at
least k rows.  Values are generalised first, one step of a variable's hierarchy at a time and only
for the rows still in a class of fewer than k (local recoding, so common rows keep their detail):

    grade     5, 6, ... -> two-grade bands (5-6, 7-8, 9-10, 11-12) -> 5-8 / 9-12 -> blank
    race      single races -> White, Black, Asian, "Other" (the smaller races), "Two or more" -> White / "Other" -> blank
    language  English, Spanish, both, another -> English / "Spanish or both" / "Another" -> English / "Other" -> blank
    years     1, 2, 3, 4 -> "up to 3 years" / "4 or more" -> blank
    role      1..5 -> "teacher" / "other instructional" -> blank
    sex, Hispanic origin: -> blank;  school: -> "(withheld)" only as the very last resort.

Each step is chosen to lose least: the step that moves the most rare rows into classes of k or
more per unit of loss (a generalisation costs 1, a blank 3, a blank race or home language 6, a
withheld school 20).  Values of categories that the reports hide for that school are withheld
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
    "role": [lambda v: "teacher" if v in ("1", "2", "3") else "other instructional"],
    "sex": [], "hispanic": [], "school": [], "group": [],
}
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


def class_sizes(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """(n,) the number of rows sharing each row's combination of published values."""
    codes = _codes(columns)
    _, inv, cnt = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    return cnt[inv.ravel()]


def shareable(quasi: Mapping[str, np.ndarray], k: int = 10, withheld: Mapping[str, np.ndarray] | None = None,
              max_steps: int = 200) -> Anonymised:
    """k-anonymise quasi-identifiers (variable -> (n,) object of str | None) by local recoding.

    withheld : variable -> (n,) bool, rows whose value belongs to a category the reports hide;
    those values are blanked first.  Returns an Anonymised; raises ValueError when even a blank
    background cannot give k rows (a respondent group with fewer than k respondents)."""
    if k < 2:
        raise ValueError("k must be at least 2")
    names = [v for v in QUASI_IDENTIFIERS if v in quasi] + [v for v in quasi if v not in QUASI_IDENTIFIERS]
    orig = {v: np.asarray(quasi[v], dtype=object) for v in names}
    n = len(next(iter(orig.values()))) if orig else 0
    level = {v: np.zeros(n, dtype=np.int64) for v in names}
    cur = {v: orig[v].copy() for v in names}
    held = {v: np.zeros(n, dtype=bool) for v in names}
    for v, mask in (withheld or {}).items():
        mask = np.asarray(mask, dtype=bool) & np.not_equal(orig[v], None)
        held[v] = mask
        cur[v][mask] = BLANK
        level[v][mask] = len(HIERARCHIES.get(v, [])) + 1
    if "group" in cur:
        groups, counts = np.unique(np.asarray(cur["group"], dtype=str), return_counts=True)
        if (counts < k).any():
            raise ValueError(f"respondent group {groups[counts < k][0]!r} has fewer than {k} respondents; "
                             "a shareable file cannot include it")
    for _ in range(max_steps):
        rare = class_sizes(cur) < k
        if not rare.any():
            break
        best = None
        for v in names:
            steps = HIERARCHIES.get(v, [])
            top = len(steps) + 1
            can = rare & (level[v] < top) & np.not_equal(cur[v], None)
            if not can.any():
                continue
            trial = dict(cur)
            nv = cur[v].copy()
            lv = level[v][can]
            vals = nv[can]
            out = np.empty(vals.shape, dtype=object)
            for i, (x, L) in enumerate(zip(vals, lv)):
                out[i] = steps[L](x) if L < len(steps) else BLANK
            nv[can] = out
            trial[v] = nv
            rescued = int((rare & (class_sizes(trial) >= k)).sum())
            blanking = (lv >= len(steps))
            cost = float(np.where(blanking, BLANK_COST.get(v, 3.0), 1.0).sum())
            if v == "school":
                cost = BLANK_COST["school"] * can.sum()
            score = (rescued + 1e-3 * can.sum()) / max(cost, 1e-9)
            if best is None or score > best[0]:
                best = (score, v, can, nv)
        if best is None:
            raise ValueError("the quasi-identifiers cannot be made k-anonymous")
        _, v, can, nv = best
        cur[v] = nv
        level[v][can] += 1
    else:
        raise ValueError("k-anonymisation did not finish")
    loss = {}
    for v in names:
        had = np.not_equal(orig[v], None)
        denom = max(int(had.sum()), 1)
        blank = had & np.equal(cur[v], None) & ~held[v]
        gen = had & np.not_equal(cur[v], None) & (level[v] > 0)
        loss[v] = {"generalised": 100.0 * gen.sum() / denom, "blanked": 100.0 * blank.sum() / denom,
                   "withheld": 100.0 * held[v].sum() / denom}
    return Anonymised(cur, loss, k)


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
