"""Which categories to hide: the integer program (scipy milp / HiGHS) that chooses complements
covering the fewest respondents, with the cut loop on determined counts."""
from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from ..suppression import DEFAULT_MIN_N, check_min_n
from .policy import Block, COMPLEMENT, Decision, FEWER, Facts, REVISION, _row_basis, blocks, cell_counts, revision_changes


def _equations(b: Block, school_total_hidden):
    """[(members [(r, k)], parent)] of a block: its rows (school or district total = categories +
    remainder), then its district columns (district cell = the schools' cells)."""
    S, K = len(b.schools), len(b.values)
    eqs = []
    if b.var is None:
        eqs.append(([(r, K + 1) for r in range(S)], (S, K + 1)))
        return eqs
    for r in range(S + 1):
        if r < S and school_total_hidden[r]:
            continue  # a hidden school shows nothing: its row carries no information
        eqs.append(([(r, k) for k in range(K + 1)], (r, K + 1)))
    for k in range(K if S > 1 else 0):  # a one-school district's row is the school's row
        eqs.append(([(r, k) for r in range(S)], (S, k)))
    return eqs


def _solve_block(b: Block, forced: dict, fixed: dict, min_n: int, cuts: list, time_limit: float,
                 remainder_complements: bool = False, audited_ties: bool = False):
    """Hidden flags (rows, cols) minimising covered respondents (a category of 2N or more counts
    twice, so it is taken only where nothing smaller protects as well).  forced: (r, k) -> reason;
    fixed: (r, k) -> bool for cells decided elsewhere (totals come from the school block; the
    remainder is never shown and is no category: it takes no part in the rule, unless
    remainder_complements lets it be one of the hidden members that protect a small category).
    audited_ties: a district column may break the rule at the cost of a category of 4N - 1 (so any
    complement under 2N is taken first, and the break before any of 2N or more); what such a
    break lets a reader subtract is a protected set of ``audit``."""
    R, C, J = b.counts.shape
    var_cells = [(r, k) for r in range(R) for k in range(C)
                 if (r, k) not in fixed and b.counts[r, k, 0] > 0]
    vidx = {c: i for i, c in enumerate(var_cells)}
    nv = len(var_cells)
    eqs = _equations(b, {r: fixed.get((r, C - 1), False) for r in range(R)})
    rows, cols, vals, lo, hi = [], [], [], [], []
    n_a = 0
    a_forced = []

    def add(row_entries, lower, upper):
        ri = len(lo)
        for col, v in row_entries:
            rows.append(ri), cols.append(col), vals.append(v)
        lo.append(lower), hi.append(upper)

    n_slack = 0
    slack_rows = []
    for members, parent in eqs:
        column = b.var is not None and parent[0] == R - 1 and parent[1] < C - 2
        cells = [c for c in members + [parent] if c[1] != C - 2 or remainder_complements]
        w = np.array([b.counts[c[0], c[1]] for c in cells])  # (len, J)
        pats = {}
        for j in range(J):
            pats.setdefault(tuple(w[:, j]), j)
        z = None
        if audited_ties and column:   # one break for the column, in every count column alike
            z = ("slack", n_slack)
            n_slack += 1
        for pat in pats:
            wj = np.array(pat)
            present = [(c, wc) for c, wc in zip(cells, wj) if wc > 0 and (c in vidx or fixed.get(c, False))]
            if not present:
                continue
            a = nv + n_a
            n_a += 1
            must = any(c not in vidx and c[1] != C - 2 for c, _ in present)
            whole = len(present) < 2 or sum(wc for _, wc in present) < min_n
            mass, count = [(a, -float(min_n))], [(a, -2.0)]
            if z:
                slack_rows.append((z, a))
                mass.append((z, float(min_n)))
                count.append((z, 2.0))
            const_mass = const_count = 0.0
            for c, wc in present:
                if c in vidx:
                    add([(vidx[c], 1.0), (a, -1.0)], -np.inf, 0.0)      # y <= a
                    if whole:   # the rule cannot be met: the whole partition is hidden together
                        add([(vidx[c], 1.0), (a, -1.0)] + ([(z, 1.0)] if z else []), 0.0, np.inf)
                    mass.append((vidx[c], float(wc)))
                    count.append((vidx[c], 1.0))
                else:
                    const_mass += wc
                    const_count += 1
            if not whole:
                add(mass, -const_mass, np.inf)
                add(count, -const_count, np.inf)
            a_forced.append(must)
    if R == 2:  # one school: the district cells are the school's cells, hidden alike
        for k in range(C):
            if (0, k) in vidx and (1, k) in vidx:
                add([(vidx[(0, k)], 1.0), (vidx[(1, k)], -1.0)], 0.0, 0.0)
    for cut in cuts:
        entries = [(vidx[c], 1.0) for c in cut if c in vidx]
        if entries:
            add(entries, 1.0, np.inf)
    for z, a in slack_rows:   # a break only where the column has hidden cells
        add([(z, 1.0), (a, -1.0)], -np.inf, 0.0)
    cols = [nv + n_a + c[1] if isinstance(c, tuple) else c for c in cols]
    n = nv + n_a + n_slack
    lb, ub = np.zeros(n), np.ones(n)
    for c, _ in forced.items():
        if c in vidx:
            lb[vidx[c]] = 1.0
    for i, m in enumerate(a_forced):
        if m:
            lb[nv + i] = 1.0
    size = np.array([b.counts[c[0], c[1], 0] for c in var_cells], dtype=float)
    cost = np.concatenate([size * np.where(size >= 2 * min_n, 2.0, 1.0) + 1e-3, np.zeros(n_a),
                           np.full(n_slack, 4.0 * min_n - 1)])
    hidden = np.zeros((R, C), dtype=bool)
    for c, h in fixed.items():
        hidden[c] = h
    if nv == 0:
        return hidden
    cons = []
    if lo:
        A = csr_matrix((vals, (rows, cols)), shape=(len(lo), n))
        cons = [LinearConstraint(A, lo, hi)]
    res = milp(cost, constraints=cons, integrality=np.ones(n), bounds=Bounds(lb, ub),
               options={"time_limit": time_limit, "mip_rel_gap": 1e-6})
    if res.x is None:
        # infeasible only when a row cannot be protected at all: hide every cell with respondents
        for c in var_cells:
            hidden[c] = True
        return hidden
    for c, i in vidx.items():
        hidden[c] = res.x[i] > 0.5
    return hidden


def _determined(b: Block, hidden: np.ndarray, protect: np.ndarray, school_total_hidden) -> list:
    """Protected unknown cells whose value the published equations determine (any count column),
    each with the visible cells of its equations (a cut)."""
    R, C, J = b.counts.shape
    eqs = _equations(b, school_total_hidden)
    out = []
    seen = set()
    for j in range(J):
        w = b.counts[:, :, j]
        unk = [(r, k) for r in range(R) for k in range(C) if hidden[r, k] and w[r, k] > 0]
        if not unk:
            continue
        ui = {c: i for i, c in enumerate(unk)}
        A = np.zeros((len(eqs), len(unk)))
        for e, (members, parent) in enumerate(eqs):
            for c in members:
                if c in ui:
                    A[e, ui[c]] = 1.0
            if parent in ui:
                A[e, ui[parent]] = -1.0
        A = A[np.abs(A).sum(1) > 0]
        if A.shape[0] == 0:
            continue
        Q = _row_basis(A)
        pinned = (Q ** 2).sum(0) > 1 - 1e-9  # the unit vector of the cell lies in the row space
        for c, i in ui.items():
            if not protect[c] or c in seen:
                continue
            if pinned[i]:
                seen.add(c)
                cut = set()
                for members, parent in eqs:
                    cells = members + [parent]
                    if c in cells:
                        cut |= {x for x in cells if not hidden[x] and b.counts[x[0], x[1], 0] > 0}
                out.append((c, sorted(cut)))
    return out


def decide(facts: Facts, min_n: int = DEFAULT_MIN_N, previous: Mapping | None = None,
           time_limit: float = 10.0, max_cuts: int = 50, cuts: Sequence = (),
           kept: Mapping | None = None, remainders: bool = True, remainder_complements: bool = False,
           audited_ties: bool = False) -> Decision:
    """The hidden cells of an administration (see the module docstring).

    previous : cell_counts of the last published revision, or None.
    cuts : sets of keys of which at least one must be hidden (from ``protect``).
    kept : keys hidden in a published revision: they stay hidden (as complements unless rule 1
      applies), since showing one now would give it by difference with the earlier revision.
    remainders : whether ``audit`` treats non-answering remainders of 1..N-1 as protected sets (the
      default).  Either way a remainder is never shown and is no category: it neither needs nor
      gives a complement here; the rounding of the published means protects it, and ``protect``
      hides a category next to it only where the audit finds it pinned.
    remainder_complements : let a remainder (hidden anyway) be one of the two or more hidden members
      holding N respondents that protect a small category (not the issue's rule, which counts
      categories only; offered because it spares most complements of 2N or more).
    audited_ties : a district column (district cell = the schools' cells) may leave its hidden school
      cells under N together, or one alone, where the rule could only be met by hiding a category of
      2N or more; what a reader can then subtract (the column's hidden cells together, and the rest
      of a partition beside a cell the column gives) is a protected set of ``audit``, and
      ``protect`` hides one more cell of the column only if the audit finds it pinned.
    Returns a Decision."""
    min_n = check_min_n(min_n)
    current = cell_counts(facts)
    changed = revision_changes(previous, current, min_n) if previous is not None else {}
    hidden_keys: dict = {}
    extra = [frozenset(Decision._norm(k) for k in cut) for cut in cuts]
    kept = {Decision._norm(k) for k in (kept or ()) if len(k) == 4}
    by_group = defaultdict(list)
    for b in blocks(facts):
        by_group[b.group].append(b)
    for group, bl in by_group.items():
        total_hidden = None
        for b in bl:
            R, C, J = b.counts.shape
            forced, fixed = {}, {}
            for r in range(R):
                for k in range(C):
                    key = b.key(r, k)
                    w = b.counts[r, k]
                    if k == C - 2:
                        fixed[(r, k)] = True  # the remainder is never shown
                        continue
                    if b.var is not None and k == C - 1:
                        fixed[(r, k)] = bool(total_hidden[r])
                        continue
                    if ((w >= 1) & (w < min_n)).any():
                        forced[(r, k)] = FEWER
                    elif key in changed:
                        forced[(r, k)] = REVISION
                    elif key in kept:
                        forced[(r, k)] = COMPLEMENT
                    if b.var is not None and r < R - 1 and total_hidden[r]:
                        forced.setdefault((r, k), COMPLEMENT)
            cuts = [sorted(b.cell(k) for k in cut) for cut in extra
                    if all(k[0] == group and k[2] == b.var for k in cut)]
            for _ in range(max_cuts):
                hidden = _solve_block(b, forced, fixed, min_n, cuts, time_limit, remainder_complements, audited_ties)
                protect = np.zeros_like(hidden)
                for c, reason in forced.items():
                    protect[c] = reason in (FEWER, REVISION)
                bad = _determined(b, hidden, protect, {r: fixed.get((r, C - 1), False) for r in range(R)})
                new = [cut for _, cut in bad if cut and cut not in cuts]
                if not new:
                    break
                cuts.extend(new)
            if b.var is None:
                total_hidden = hidden[:, C - 1].copy()
            for r in range(R):
                for k in range(C):
                    if hidden[r, k] and k != C - 2 and b.counts[r, k, 0] > 0:
                        if b.var is not None and k == C - 1:
                            continue
                        hidden_keys[b.key(r, k)] = forced.get((r, k), COMPLEMENT)
    return Decision(hidden_keys, min_n, current, facts.measures, remainders)
