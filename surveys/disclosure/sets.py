"""Which blocks one reader's program combines, and the protected sets a district tie leaves
(``decide(audited_ties=True)``), for ``audit``."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .policy import Decision


TIE_SETS = ("district tie", "rest of a partition")


def tie_sets(b, decision: Decision, a_r, a_k, n_am, N) -> list:
    """What a district column that breaks the partition rule (``decide(audited_ties=True)``) lets a
    reader subtract, as protected sets [(key, atom mask, what)]: the column's hidden school cells
    together (district cell - shown school cells), and, beside a school cell that the column gives
    alone, the rest of that school's hidden categories with its remainder (school total - shown
    categories - that cell).  Each is checked in the measures where it holds fewer than N."""
    S, K = len(b.schools), len(b.values)
    hid = np.array([[decision.is_hidden(b.key(r, k)) and b.counts[r, k, 0] > 0 for k in range(K)]
                    for r in range(S + 1)], dtype=bool).reshape(S + 1, K)
    total_shown = np.array([not decision.is_hidden(b.key(r, K + 1)) for r in range(S)])
    out, given = [], np.zeros((S, K), dtype=bool)
    for k in range(K):
        rs = np.flatnonzero(hid[:S, k])
        if hid[S, k] or rs.size == 0:
            continue
        given[rs[0], k] = rs.size == 1
        out.append((b.key(S, k), np.isin(a_r, rs) & (a_k == k), "district tie"))
    for r in np.flatnonzero(given.any(1)):
        if not total_shown[r]:
            continue
        rest = hid[r] & ~given[r]
        sel = (a_r == r) & (np.isin(a_k, np.flatnonzero(rest)) | (a_k == K))
        if sel.any():
            out.append((b.key(r, K), sel, "rest of a partition"))
    return out


def programs(bl, combine: bool) -> list:
    """The blocks each reader's program combines: per respondent group, the school totals alone,
    and every pair of its background questions (a reader crosses e.g. grade and sex counts from two
    tables: the same respondents lie in both), or each question alone when ``combine`` is off or
    the group has one question."""
    out = []
    by_group = defaultdict(list)
    for b in bl:
        by_group[b.group].append(b)
    for group, gb in by_group.items():
        qs = [b for b in gb if b.var is not None]
        out += [(b,) for b in gb if b.var is None]
        if combine and len(qs) > 1:
            out += [(p, q) for i, p in enumerate(qs) for q in qs[i + 1:]]
        else:
            out += [(b,) for b in qs]
    return out
