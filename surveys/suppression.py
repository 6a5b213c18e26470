"""Small-cell suppression with complementary suppression.

A cell is identified by (group, measure_kind, measure, school_id, subgroup, subgroup_value);
school_id None is the district, subgroup None is everyone.  Within one
(group, measure_kind, measure) "block" the cells are tied by additive equations
(every count, every category count and every n * mean adds up the same way):

    school total          = sum over values v of (school, subgroup=v)        + R
    district total        = sum over values v of (district, subgroup=v)      + R
    district total        = sum over schools s of (s, everyone)
    (district, subgroup=v) = sum over schools s of (s, subgroup=v)

R is the unreported remainder: respondents who did not answer the background question
(subgroup value None).  It is never published, so it behaves like a hidden sibling; a
remainder of at least min_n respondents is treated as publishable (it is a group big enough
to be shown).

Rule (docs/scoring.md):
1. Primary: a cell with n < min_n is suppressed (min_n defaults to 10 and may not be below 5).
2. Complementary, per equation, iterated to a fixed point over all equations of the block:
   - parent visible: the hidden members (suppressed children with n > 0, plus R if
     0 < R < min_n) must be none, or at least two whose combined n is at least min_n;
     otherwise the smallest visible child (n > 0) is suppressed too;
   - parent suppressed: at least one child with n > 0 (or a small R) must be hidden too,
     otherwise the smallest visible child is suppressed.
3. Global check: the local rule is not sufficient for every pattern of shared cells, so
   for each connected group of hidden cells we solve the linear system of all equations and
   check that no hidden value (nor a small remainder) is determined by the published ones
   (a hidden value is determined iff its row of the null-space basis of the hidden part of
   the system is zero).  If one is, the smallest visible cell in an equation with it is
   suppressed and steps 2-3 repeat.
A suppressed cell shows no number at all (n, mean, counts... all None): means leak exactly as
counts do (a total's n * mean minus the visible siblings' n * mean gives the hidden one).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

ABSOLUTE_MIN_N = 5
DEFAULT_MIN_N = 10
NUMBER_KEYS = ("n", "mean", "se", "ci_low", "ci_high", "level", "pct_levels", "counts", "pct",
               "pct_favourable")


def check_min_n(min_n) -> int:
    if int(min_n) != min_n or min_n < ABSOLUTE_MIN_N:
        raise ValueError(f"min_n must be an integer >= {ABSOLUTE_MIN_N}, got {min_n!r}")
    return int(min_n)


def _cell_key(c):
    return (c["school_id"], c.get("subgroup"), c.get("subgroup_value"))


def block_equations(cells):
    """Equations [(parent index, [child indices])] among the cells of one block (indices
    into ``cells``)."""
    pos = {_cell_key(c): i for i, c in enumerate(cells)}
    by_school_var = defaultdict(list)  # (school, var) -> children
    by_var_value = defaultdict(list)  # (var, value) -> school children
    schools = []
    for i, c in enumerate(cells):
        s, var, val = _cell_key(c)
        if var is None and s is not None:
            schools.append(i)
        if var is not None:
            by_school_var[(s, var)].append(i)
            if s is not None:
                by_var_value[(var, val)].append(i)
    eqs = []
    for (s, var), ch in by_school_var.items():
        p = pos.get((s, None, None))
        if p is not None:
            eqs.append((p, ch))
    p = pos.get((None, None, None))
    if p is not None and schools:
        eqs.append((p, schools))
    for (var, val), ch in by_var_value.items():
        p = pos.get((None, var, val))
        if p is not None:
            eqs.append((p, ch))
    return eqs


def _remainder(n, p, ch):
    r = n[p] - sum(n[c] for c in ch)
    if r < 0:
        raise ValueError("a partition's children have more respondents than its parent")
    return r


def _local_pass(n, hidden, eqs, min_n):
    changed = False
    for p, ch in eqs:
        r = _remainder(n, p, ch)
        small_r = 0 < r < min_n
        while True:
            hid = [c for c in ch if hidden[c] and n[c] > 0]
            vis = [c for c in ch if not hidden[c] and n[c] > 0]
            count = len(hid) + small_r
            mass = sum(n[c] for c in hid) + (r if small_r else 0)
            if hidden[p] and n[p] > 0:
                ok = count >= 1
            else:
                ok = count == 0 or (count >= 2 and mass >= min_n)
            if ok:
                break
            if vis:
                hidden[min(vis, key=lambda c: (n[c], c))] = True
                changed = True
            elif not hidden[p]:
                hidden[p] = True
                changed = True
            else:
                break
    return changed


def determined_unknowns(n, hidden, eqs, min_n):
    """The hidden cells (and small remainders) whose values follow from the published cells
    through the equations.  Returns a list of (name, names in its connected group), a name
    being ("cell", index) or ("rem", equation index)."""
    unknown = {}
    for i in range(len(n)):
        if hidden[i] and n[i] > 0:
            unknown[("cell", i)] = len(unknown)
    rows = []
    for e, (p, ch) in enumerate(eqs):
        r = _remainder(n, p, ch)
        if r > 0:  # never published: always unknown, protected only when small
            unknown[("rem", e)] = len(unknown)
        row = {}
        for c, sign in [(p, 1.0)] + [(c, -1.0) for c in ch]:
            if ("cell", c) in unknown:
                row[unknown[("cell", c)]] = sign
        if ("rem", e) in unknown:
            row[unknown[("rem", e)]] = -1.0
        if row:
            rows.append(row)
    if not unknown:
        return []
    names = list(unknown)
    # connected components of unknowns sharing an equation
    parent = list(range(len(names)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in rows:
        ks = list(row)
        for other in ks[1:]:
            ra, rb = find(ks[0]), find(other)
            if ra != rb:
                parent[ra] = rb
    comps = defaultdict(list)
    for j in range(len(names)):
        comps[find(j)].append(j)
    comp_rows = defaultdict(list)
    for row in rows:
        comp_rows[find(next(iter(row)))].append(row)
    out = []
    for root, members in comps.items():
        local = {j: t for t, j in enumerate(members)}
        eq = comp_rows.get(root, [])
        if not eq:
            continue
        a = np.zeros((len(eq), len(members)))
        for ri, row in enumerate(eq):
            for j, v in row.items():
                a[ri, local[j]] = v
        _, s, vt = np.linalg.svd(a)
        rank = int((s > 1e-9 * max(1.0, s.max() if s.size else 1.0)).sum())
        null = vt[rank:]  # rows span the null space
        comp_names = [names[j] for j in members]
        for j, t in local.items():
            kind, idx = names[j]
            if kind == "rem" and _remainder(n, *eqs[idx]) >= min_n:
                continue  # a remainder of min_n or more may be derivable
            if null.shape[0] == 0 or np.abs(null[:, t]).max() < 1e-9:
                out.append((names[j], comp_names))
    return out


def _touches(eq_index, eq, names):
    p, ch = eq
    for kind, idx in names:
        if kind == "rem" and idx == eq_index:
            return True
        if kind == "cell" and (idx == p or idx in ch):
            return True
    return False


def suppression_mask(n, eqs, min_n=DEFAULT_MIN_N, max_rounds=1000):
    """Boolean hidden flags for cells with sizes n under equations eqs."""
    min_n = check_min_n(min_n)
    n = [int(x) for x in n]
    hidden = [x < min_n for x in n]
    for _ in range(max_rounds):
        while _local_pass(n, hidden, eqs, min_n):
            pass
        bad = determined_unknowns(n, hidden, eqs, min_n)
        if not bad:
            return np.array(hidden, dtype=bool)
        (kind, idx), comp = bad[0]
        # hide the smallest visible cell in an equation with the determined value; failing
        # that, in any equation of its connected group of hidden values
        own = [eqs[idx]] if kind == "rem" else [e for e in eqs if idx == e[0] or idx in e[1]]
        group = [e for ei, e in enumerate(eqs) if _touches(ei, e, comp)]
        done = False
        for cand in (own, group):
            vis = sorted({c for p, ch in cand for c in ch if not hidden[c] and n[c] > 0},
                         key=lambda c: (n[c], c))
            if not vis:
                vis = sorted({p for p, ch in cand if not hidden[p] and n[p] > 0},
                             key=lambda c: (n[c], c))
            if vis:
                hidden[vis[0]] = True
                done = True
                break
        if not done:  # nothing left to hide around it
            break
    raise RuntimeError("complementary suppression did not reach a safe fixed point")


def blank(cell):
    cell["suppressed"] = True
    for k in NUMBER_KEYS:
        if k in cell:
            cell[k] = None
    return cell


def suppress(cells, min_n=DEFAULT_MIN_N):
    """Apply primary and complementary suppression to a list of cell dicts (in place; also
    returned).  Cells are grouped into blocks by (group, measure_kind, measure); each cell
    needs school_id, subgroup, subgroup_value and n (an int)."""
    min_n = check_min_n(min_n)
    blocks = defaultdict(list)
    for i, c in enumerate(cells):
        blocks[(c["group"], c["measure_kind"], c["measure"])].append(i)
    for idx in blocks.values():
        sub = [cells[i] for i in idx]
        eqs = block_equations(sub)
        hidden = suppression_mask([c["n"] or 0 for c in sub], eqs, min_n)
        for c, h in zip(sub, hidden):
            if h:
                blank(c)
            else:
                c["suppressed"] = False
    return cells
