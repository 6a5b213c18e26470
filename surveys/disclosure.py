"""One disclosure policy for everything published about an administration's respondents.

The protected unit is a set of respondents, not a table cell.  A *partition* is one school (or the
district) x respondent group x subgroup variable; its *categories* are the subgroup values.  The
*remainder* R (respondents who did not answer the question or preferred not to say) is never
shown and is no category: it is published only implicitly, by subtraction (school total - shown
categories), and to the published precision.  For each partition the policy decides, from
respondent counts alone, which categories are hidden; the same categories are then hidden for
every topic, domain, item table and percentage of that partition.

Published precision is part of what a reader knows: means (and interval ends) are shown in whole
scale points (surveys.domain.PUBLISHED_DECIMALS) and percentages in whole percent, so a shown mean
m of n respondents only tells that their sum lies in [n (m - 1/2), n (m + 1/2)]; counts n are exact.

Rules (min_n = N, default 10, never below 5), for every equation a reader sees

    school total  = sum of the school's categories + R          (one per school, per variable)
    district cell = sum over schools of the school cells        (one per category)
    district total = sum over schools of the school totals

and for every count column (respondents, and respondents with a result in each measure):

1. a cell with 1..N-1 respondents (or 1..N-1 with a result in some measure) is hidden: "fewer";
2. in every equation the hidden categories with respondents are none, or at least two holding at
   least N respondents together; where that cannot be met, all of them are hidden (the whole
   partition).  R takes no part (``remainder_complements=True`` lets it count as a hidden member);
3. complements are chosen by an integer program (scipy ``milp``/HiGHS) that minimises the number
   of respondents covered by hidden cells, a category of 2N or more counting double: smallest
   groups first, and a group of 2N or more only where nothing smaller protects as well: "complement";
4. a cell whose n changed by 1..N-1 since the last published revision is hidden: "revision";
5. cut loop (Fischetti/Salazar-Gonzalez): a protected count that the published equations
   determine adds a cut "hide one more cell next to it" and the program is solved again;
6. a cell hidden in a published revision stays hidden in later ones;
7. ``protect``: what ``audit`` can still work out (a remainder pinned by the rounded means, a
   domain tying topics of respondents missing one) is fed back as cuts "hide one more shown
   category of that partition" until the audit passes.

``audit`` then plays a determined reader with linear programs over every published sum (to its
published precision), n, district total, domain = mean of the same respondents' topic scores, level
and answer percentages, and every earlier revision.

Cell keys are (group, school_id | None, subgroup | None, value | None), as in surveys.aggregate:
school None is the district, subgroup None the school's (or district's) total.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, identity, kron, vstack

from .domain import PUBLISHED_DECIMALS
from .suppression import DEFAULT_MIN_N, check_min_n

FEWER, COMPLEMENT, REVISION = "fewer", "complement", "revision"
REMAINDER = "__remainder__"  # the category of respondents who did not answer (never shown)
REASON_TEXT = {
    FEWER: "Fewer than {n} respondents",
    COMPLEMENT: "Hidden so that a smaller group's results can't be worked out",
    REVISION: "Hidden because this group changed by fewer than {n} respondents since the last published results",
}
DEFAULT_WIDTH = 10.0
SCREEN_MAX = 200  # unknowns up to which a program is screened before its linear programs
SCORE_RANGE = (100.0, 500.0)


class RevisionRefused(ValueError):
    """An import would change published cells by 1..N-1 respondents; the message names them."""


@dataclass(frozen=True)
class Facts:
    """Respondent-level facts of one administration.

    school_ids : (n,) int;  groups : (n,) str respondent group;
    subgroups  : variable -> (n,) object, str value or None (not answered / prefer not to say);
    measures   : names of the m topics/domains/items;  has : (n, m) bool, a result in that measure."""
    school_ids: np.ndarray
    groups: np.ndarray
    subgroups: Mapping[str, np.ndarray]
    measures: tuple
    has: np.ndarray

    @classmethod
    def build(cls, school_ids, groups, subgroups, measures=(), has=None) -> "Facts":
        sid = np.asarray(school_ids, dtype=np.int64)
        n = sid.shape[0]
        grp = np.asarray(groups, dtype=object) if not isinstance(groups, str) else np.full(n, groups, dtype=object)
        h = np.ones((n, 0), dtype=bool) if has is None else np.asarray(has, dtype=bool).reshape(n, -1)
        if h.shape[1] != len(measures) or grp.shape[0] != n:
            raise ValueError("groups must be (n,) and has (n, len(measures))")
        subs = {}
        for var, vals in (subgroups or {}).items():
            vals = np.asarray(vals, dtype=object)
            if vals.shape[0] != n:
                raise ValueError(f"subgroup {var!r} has {vals.shape[0]} values for {n} respondents")
            subs[var] = vals
        return cls(sid, grp, subs, tuple(measures), h)

    def subset(self, mask) -> "Facts":
        mask = np.asarray(mask, dtype=bool)
        return Facts(self.school_ids[mask], self.groups[mask], {v: a[mask] for v, a in self.subgroups.items()},
                     self.measures, self.has[mask])


@dataclass
class Block:
    """One respondent group x subgroup variable: rows = schools + district (last), columns =
    categories + R + total (last two).  counts : (rows, cols, 1 + m) respondents, then per measure."""
    group: str
    var: str | None
    schools: list
    values: list
    counts: np.ndarray
    row_of: np.ndarray = field(repr=False)   # (n_block,) row of each respondent
    col_of: np.ndarray = field(repr=False)   # (n_block,) column (category or R)
    members: np.ndarray = field(repr=False)  # (n_block,) indices into Facts

    def key(self, r, k):
        school = None if r == len(self.schools) else self.schools[r]
        if self.var is None or k == len(self.values) + 1:
            return (self.group, school, None, None)
        if k == len(self.values):
            return (self.group, school, self.var, REMAINDER)
        return (self.group, school, self.var, self.values[k])


    def cell(self, key):
        """(r, k) of a key of this block."""
        _, school, _, value = key
        r = len(self.schools) if school is None else self.schools.index(school)
        if self.var is None or value is None:
            return r, len(self.values) + 1
        return r, len(self.values) if value == REMAINDER else self.values.index(value)


def blocks(facts: Facts) -> list[Block]:
    """Count tables of every (group, variable), plus (group, None) for the school totals."""
    out = []
    cols = np.concatenate([np.ones((facts.has.shape[0], 1), dtype=bool), facts.has], axis=1)
    for group in sorted(set(facts.groups.tolist())):
        idx = np.flatnonzero(facts.groups == group)
        schools, srow = np.unique(facts.school_ids[idx], return_inverse=True)
        S = schools.size
        for var in [None] + sorted(facts.subgroups):
            if var is None:
                values, col = [], np.zeros(idx.size, dtype=np.int64)  # everyone in "R" of an empty partition
            else:
                raw = facts.subgroups[var][idx]
                missing = np.equal(raw, None)
                values, vcode = np.unique(np.where(missing, "", raw).astype(str)[~missing], return_inverse=True)
                values = [str(v) for v in values]
                col = np.full(idx.size, len(values), dtype=np.int64)
                col[~missing] = vcode
            K = len(values)
            counts = np.zeros((S + 1, K + 2, cols.shape[1]), dtype=np.int64)
            np.add.at(counts, (srow, col), cols[idx].astype(np.int64))
            counts[S] = counts[:S].sum(0)
            counts[:, K + 1] = counts[:, :K + 1].sum(1)
            out.append(Block(group, var, [int(s) for s in schools], values, counts, srow, col, idx))
    return out


def cell_counts(facts: Facts) -> dict:
    """key -> (1 + m,) int: respondents, then respondents with a result in each measure."""
    out = {}
    for b in blocks(facts):
        R, C = b.counts.shape[:2]
        for r in range(R):
            for k in range(C):
                if b.var is None and k != C - 1:
                    continue
                if b.counts[r, k, 0] or k == C - 1:
                    out[b.key(r, k)] = b.counts[r, k].copy()
    return out


def revision_changes(previous: Mapping, current: Mapping, min_n: int = DEFAULT_MIN_N) -> dict:
    """Cells whose n (respondents or any measure's) changed by 1..N-1 since the last published
    revision: key -> (old counts, new counts).  previous/current as returned by cell_counts; a
    cell new since then counts from 0."""
    min_n = check_min_n(min_n)
    out = {}
    for key, new in current.items():
        if key[3] == REMAINDER:
            continue
        old = np.asarray(previous.get(key, np.zeros_like(new)))
        d = np.abs(np.asarray(new) - old[:len(new)])
        if ((d >= 1) & (d < min_n)).any():
            out[key] = (old, np.asarray(new))
    return out


def refuse_small_changes(previous: Mapping, current: Mapping, min_n: int = DEFAULT_MIN_N) -> None:
    """The other choice for a revision: raise RevisionRefused naming the cells an import would
    change by 1..N-1 respondents."""
    changed = revision_changes(previous, current, min_n)
    if changed:
        names = [f"{describe(k)} ({int(o[0])} -> {int(n[0])} respondents)" for k, (o, n) in list(changed.items())[:10]]
        raise RevisionRefused(
            f"Importing these responses would change {len(changed)} published group(s) by fewer than {min_n} "
            f"respondents, which would let one respondent's answers be worked out: " + "; ".join(names)
            + ". Import them together with at least " + f"{min_n} responses, or publish a revision with those groups hidden.")


def describe(key) -> str:
    group, school, var, value = key
    where = "district" if school is None else f"school {school}"
    what = "all respondents" if var is None else ("no answer" if value == REMAINDER else f"{var}={value}")
    return f"{group}, {where}, {what}"


@dataclass
class Decision:
    """Hidden cells: key -> reason (FEWER, COMPLEMENT or REVISION).  min_n is the N used;
    counts : key -> (1 + m,) respondents, then respondents with a result per measure."""
    hidden: dict
    min_n: int
    counts: dict = field(default_factory=dict, repr=False)
    measures: tuple = ()
    remainders: bool = True   # small non-answering remainders are protected sets
    audit_cuts: list = field(default_factory=list, repr=False)  # [(key, what)] the audit made protect hide more for

    def reason(self, key):
        """The reason a cell is hidden (for a decision made per measure, the first measure's)."""
        key = self._norm(key)
        if key in self.hidden:
            return self.hidden[key]
        return next((r for k, r in self.hidden.items() if len(k) == 5 and k[:4] == key), None)

    def hidden_in(self, key, measure) -> bool:
        """Hidden in this measure's table.  A key may carry a fifth element, the measure, to
        describe a per-measure decision (the old rule), which the audit can then check."""
        key = self._norm(key)
        return key in self.hidden or key + (measure,) in self.hidden

    @staticmethod
    def _norm(key):
        group, school, var, value = key
        return (group, None if school is None else int(school), var, None if value is None else str(value))

    def label(self, key, measure: str | None = None) -> str | None:
        """What a page says in place of a hidden cell, true for that cell (and measure): "Fewer
        than N respondents" only when the cell has fewer than N respondents (with a result in
        ``measure``, when given); otherwise it is hidden to protect a smaller group."""
        reason = self.reason(key)
        if reason is None:
            return None
        counts = self.counts.get(self._norm(key))
        if reason == FEWER and counts is not None:
            j = 0 if measure is None or measure not in self.measures else 1 + self.measures.index(measure)
            if counts[j] >= self.min_n:
                reason = COMPLEMENT
        return REASON_TEXT[reason].format(n=self.min_n)

    def apply(self, cells: Sequence[dict]) -> list[dict]:
        """Blank the numbers of hidden cells of surveys.aggregate cell dicts (in place; returned);
        each gets "suppressed", "reason" and "label" (per cell and its "measure", when it has one)."""
        from .suppression import blank
        for c in cells:
            key = (c["group"], c["school_id"], c.get("subgroup"), c.get("subgroup_value"))
            reason = self.reason(key)
            c["reason"] = reason
            c["label"] = self.label(key, c.get("measure"))
            if reason is None:
                c["suppressed"] = False
            else:
                blank(c)
        return cells

    def covered(self, keys=None) -> int:
        """Respondents covered by hidden subgroup cells (district cells included), or by the hidden
        ones among ``keys`` (a page's cells), for the page to say how many its hidden cells cover."""
        pool = self.hidden if keys is None else [k for k in map(self._norm, keys) if k in self.hidden]
        return int(sum(self.counts[k][0] for k in pool if k[2] is not None and k in self.counts))

    def is_hidden(self, key) -> bool:
        return self.reason(key) is not None


# --------------------------------------------------------------------------- the integer program

def _equations(b: Block, school_total_hidden):
    """[(members [(r, k)], parent)] of a block; parent (r, k) or None."""
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
                 remainder_complements: bool = False):
    """Hidden flags (rows, cols) minimising covered respondents (a category of 2N or more counts
    twice, so it is taken only where nothing smaller protects as well).  forced: (r, k) -> reason;
    fixed: (r, k) -> bool for cells decided elsewhere (totals come from the school block; the
    remainder is never shown and is no category: it takes no part in the rule, unless
    remainder_complements lets it be one of the hidden members that protect a small category)."""
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

    for members, parent in eqs:
        cells = [c for c in members + [parent] if c[1] != C - 2 or remainder_complements]
        w = np.array([b.counts[c[0], c[1]] for c in cells])  # (len, J)
        pats = {}
        for j in range(J):
            pats.setdefault(tuple(w[:, j]), j)
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
            const_mass = const_count = 0.0
            for c, wc in present:
                if c in vidx:
                    add([(vidx[c], 1.0), (a, -1.0)], -np.inf, 0.0)      # y <= a
                    if whole:   # the rule cannot be met: the whole partition is hidden together
                        add([(vidx[c], 1.0), (a, -1.0)], 0.0, np.inf)
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
    n = nv + n_a
    lb, ub = np.zeros(n), np.ones(n)
    for c, _ in forced.items():
        if c in vidx:
            lb[vidx[c]] = 1.0
    for i, m in enumerate(a_forced):
        if m:
            lb[nv + i] = 1.0
    size = np.array([b.counts[c[0], c[1], 0] for c in var_cells], dtype=float)
    cost = np.concatenate([size * np.where(size >= 2 * min_n, 2.0, 1.0) + 1e-3, np.zeros(n_a)])
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
           kept: Mapping | None = None, remainders: bool = True, remainder_complements: bool = False) -> Decision:
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
                hidden = _solve_block(b, forced, fixed, min_n, cuts, time_limit, remainder_complements)
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


# --------------------------------------------------------------------------- the audit

@dataclass(frozen=True)
class Failure:
    """A protected respondent set whose result a reader can narrow too far."""
    key: tuple          # the cell (REMAINDER value: the non-answering respondents)
    measure: str
    low: float          # feasible range of the set's mean (count measures: of its count)
    high: float
    what: str           # "hidden cell", "remainder" or "revision change"

    def __str__(self):
        return (f"{describe(self.key)} ({self.what}), {self.measure}: a reader can narrow it to "
                f"[{self.low:.2f}, {self.high:.2f}]")


@dataclass
class AuditResult:
    failures: list
    n_sets: int          # protected respondent sets x measures checked
    n_lps: int           # linear programs solved
    ranges: dict = field(default_factory=dict)  # (key, measure, what) -> (low, high), with spans=True

    @property
    def ok(self) -> bool:
        return not self.failures

    def message(self) -> str:
        if self.ok:
            return "passed"
        return f"{len(self.failures)} result(s) can be worked out: " + "; ".join(map(str, self.failures[:5]))


def _row_basis(A) -> np.ndarray:
    """(r, v) orthonormal basis of the row space of a small dense (e, v) matrix, by modified
    Gram-Schmidt with one re-orthogonalisation (vector operations only: the LAPACK SVD spends
    far more on threads than on these matrices)."""
    A = np.asarray(A, dtype=np.float64)
    Q = np.zeros((min(A.shape), A.shape[1]))
    k = 0
    for row in A:
        scale = np.linalg.norm(row)
        if scale == 0 or k == Q.shape[0]:
            continue
        v = row.copy()
        for _ in range(2):
            v -= Q[:k].T @ (Q[:k] @ v)
        nrm = np.linalg.norm(v)
        if nrm > 1e-9 * scale:
            Q[k] = v / nrm
            k += 1
    return Q[:k]


def _step(rate, room_up, room_down) -> float:
    """Largest t >= 0 such that values moving by t * rate stay within their room either way."""
    pos, neg = rate > 1e-12, rate < -1e-12
    return float(np.min(np.r_[room_up[pos] / rate[pos], room_down[neg] / -rate[neg]], initial=np.inf))


@dataclass
class _Program:
    """What a reader knows about one block's unknowns x (v,): lb <= x <= ub, E x = e (domain ties,
    exclusive levels), lo <= G x <= hi (every published sum, to the published precision)."""
    E: csr_matrix
    e: np.ndarray
    G: csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    truth: np.ndarray

    def restrict(self, cols):
        """The program of the unknowns ``cols`` with every other unknown fixed at its true value:
        a reader who knew all else exactly.  Ranges found in it are never wider than the true ones."""
        Gc, Ec = self.G[:, cols], self.E[:, cols]
        grow = np.flatnonzero(np.diff(Gc.tocsr().indptr))
        erow = np.flatnonzero(np.diff(Ec.tocsr().indptr))
        fixed = self.G[grow] @ self.truth - Gc[grow] @ self.truth[cols]
        efixed = self.E[erow] @ self.truth - Ec[erow] @ self.truth[cols]
        return _Program(Ec[erow], self.e[erow] - efixed, Gc[grow], self.lo[grow] - fixed, self.hi[grow] - fixed,
                        self.lb[cols], self.ub[cols], self.truth[cols])

    def screened(self, c, need, counted) -> bool:
        """A cheap sufficient check before the programs: two worlds consistent with everything
        published, stepped from the truth along the projection of c on the directions that keep
        every tie and published sum exact, then on those that keep the ties exact and use the
        rounding slack of the sums; unknowns at a bound of the score range (clipped scores) stay
        put.  True when c.x differs by ``need`` between them (a count: by one whole value either way)."""
        if not hasattr(self, "_free"):
            self._free = np.minimum(self.truth - self.lb, self.ub - self.truth) > 1e-6 * (self.ub - self.lb)
            self._dense_g, self._dense_e = self.G.toarray(), self.E.toarray()
            self._dirs = [lambda: np.vstack([self._dense_e, self._dense_g])[:, self._free],
                          lambda: self._dense_e[:, self._free]]
        free = self._free
        g0 = self._dense_g @ self.truth
        ends = []
        for sign in (1.0, -1.0):
            point, gx, moved = self.truth.copy(), g0.copy(), 0.0
            for i, rows in enumerate(self._dirs):
                if callable(rows):  # computed when first needed
                    rows = self._dirs[i] = _row_basis(rows())
                d = np.zeros_like(point)
                d[free] = sign * (c[free] - rows.T @ (rows @ c[free]))  # c's projection on the null space
                gain = sign * float(c @ d)
                if gain <= 1e-12:
                    continue
                gd = self._dense_g @ d
                t = max(0.0, min(_step(d, self.ub - point, point - self.lb), _step(gd, self.hi - gx, gx - self.lo)))
                point, gx, moved = point + t * d, gx + t * gd, moved + t * gain
                if (moved >= need - 1e-9) if counted else (moved >= need / 2 + 1e-9):
                    break
            ends.append(moved)
        return max(ends) >= need - 1e-9 if counted else sum(ends) >= need + 1e-9

    def spans(self, cs):
        """(lows, highs) of c.x over the program for every c of cs (q, v), in one HiGHS call: each
        minimum and maximum gets its own copy of the program, side by side (block-diagonal), so
        the optimum of the sum is the optimum of every copy."""
        cs = np.atleast_2d(cs)
        q, v = 2 * cs.shape[0], cs.shape[1]
        eye = identity(q, format="csr")
        has_g, has_e = self.G.shape[0] > 0, self.E.shape[0] > 0
        res = linprog(np.stack([cs, -cs], axis=1).ravel(),
                      A_ub=kron(eye, _vstack(self.G, -self.G), format="csr") if has_g else None,
                      b_ub=np.tile(np.r_[self.hi, -self.lo], q) if has_g else None,
                      A_eq=kron(eye, self.E, format="csr") if has_e else None,
                      b_eq=np.tile(self.e, q) if has_e else None,
                      bounds=np.tile(np.c_[self.lb, self.ub], (q, 1)), method="highs")
        if res.status != 0:
            raise RuntimeError(f"the audit program failed: {res.message}")
        xs = res.x.reshape(cs.shape[0], 2, v)
        return (cs * xs[:, 0]).sum(1), (cs * xs[:, 1]).sum(1)


def _vstack(a, b):
    return vstack([a, b], format="csr")


def _published_interval(s, n, counted, decimals, pct_decimals):
    """[low, high] of a published cell's sum: its mean (a count: its percentage of n) as published,
    plus or minus half a unit of the published precision, times n.  decimals None: exact."""
    s, n = np.asarray(s, float), np.asarray(n, float)
    places = np.where(counted, -1 if pct_decimals is None else pct_decimals + 2, -1 if decimals is None else decimals)
    mean = s / n
    shown = np.array([np.round(v, p) if p >= 0 else v for v, p in zip(mean, places)])
    half = np.where(places >= 0, 0.5 * 10.0 ** -places.astype(float), 0.0)
    slack = 1e-9 * np.maximum(n, 1.0)
    return np.minimum(n * (shown - half), s) - slack, np.maximum(n * (shown + half), s) + slack


def audit(facts: Facts, values: np.ndarray, decision: Decision, *, domains: Mapping | None = None,
          count_measures: Sequence[str] = (), exclusive: Sequence[Sequence[str]] = (), previous: Sequence = (),
          width: float = DEFAULT_WIDTH, score_range: tuple = SCORE_RANGE,
          decimals: int | None = PUBLISHED_DECIMALS, pct_decimals: int | None = 0,
          spans: bool = False) -> AuditResult:
    """Play a determined reader of everything one role sees for an administration.

    values : (n, m) float, each respondent's result per measure (NaN = none).  Score measures are
      scale scores in score_range; count measures (e.g. "item X answered 3", "level favourable")
      are 0/1 and published as percentages of the cell's n with a result.
    domains : domain measure -> its topic measures; a respondent's domain score is the mean of
      their topic scores, which ties the measures of a published cell together.
    exclusive : groups of count measures of which each respondent with a result has exactly one:
      the performance levels of a topic, the answer categories of an item.
    previous : [(mask (n,) bool, Decision)] earlier published revisions: the respondents in mask
      with the same results (a re-score under the same calibration).
    decimals, pct_decimals : the published precision of means and of percentages (None: exact).
      A shown mean m of n respondents tells the reader only that their sum lies in
      [n (m - h), n (m + h)], h half a unit of the last published place; counts n are exact.
    spans : solve every set's whole program and return each feasible range in ``.ranges`` (slower;
      for tests and for a privacy officer's report).
    Every published cell (not hidden, in this or an earlier revision) gives n and, to the
    published precision, the sum of every measure.  Protected sets: hidden "fewer" cells,
    non-answering remainders of fewer than N (unless ``decision.remainders`` is False), and
    respondents added since a revision in a cell (1..N-1 of them).  Pass: each set's mean can range
    over at least ``width`` points, and each count can take at least two whole values.

    Each set is first screened (``_Program.screened``), then checked by linear programs over the
    unknowns of its school (and, for each category it hides that the district shows, of the other
    school hiding most there, which the district cell ties to it) in the measures tied to the one
    checked, every other unknown fixed at the truth: a range found there is never wider than
    the true one.  Only a set found too narrow there is solved over the whole block.  All minimum and
    maximum programs of one such part go to HiGHS as one block-diagonal program."""
    x = np.asarray(values, dtype=np.float64)
    m = len(facts.measures)
    if x.shape != (len(facts.school_ids), m):
        raise ValueError(f"values must be (n, {m})")
    width = float(width)
    if width <= 0:
        raise ValueError("the protection width must be positive")
    names = list(facts.measures)
    mpos = {name: j for j, name in enumerate(names)}
    is_count = np.array([name in set(count_measures) for name in names], dtype=bool)
    lo_v = np.where(is_count, 0.0, score_range[0])
    hi_v = np.where(is_count, 1.0, score_range[1])
    if is_count.any() and not np.isin(x[:, is_count][~np.isnan(x[:, is_count])], (0.0, 1.0)).all():
        raise ValueError("count measures must be 0 or 1 for each respondent (NaN = no result)")
    sc = x[:, ~is_count]
    if ((sc < score_range[0]) | (sc > score_range[1])).any():
        raise ValueError(f"scale scores must lie in the score range {score_range} (the reader knows it)")
    groups_ = [[mpos[c] for c in grp] for grp in exclusive]
    if any(not is_count[g].all() for g in groups_ if g):
        raise ValueError("exclusive groups must be count measures")
    ties = [(mpos[d], [mpos[t] for t in ts if t in mpos]) for d, ts in (domains or {}).items() if d in mpos]
    layers = [(np.ones(len(x), dtype=bool), decision)] + [(np.asarray(mk, dtype=bool), dec) for mk, dec in previous]
    has = ~np.isnan(x)
    failures, n_sets, n_lps, ranges = [], 0, 0, {}
    N = decision.min_n
    for b in blocks(facts):
        S, K = len(b.schools), len(b.values)
        idx = b.members
        bits = np.zeros(idx.size, dtype=np.int64)
        for li, (mk, _) in enumerate(layers[1:], start=1):
            bits |= mk[idx].astype(np.int64) << li
        pattern = np.unique(has[idx], axis=0, return_inverse=True)[1].ravel()
        atoms, atom_of = np.unique(np.stack([b.row_of, b.col_of, bits, pattern], axis=1), axis=0,
                                   return_inverse=True)
        atom_of = atom_of.ravel()
        A_n = atoms.shape[0]
        n_am = np.zeros((A_n, m))
        np.add.at(n_am, atom_of, has[idx].astype(float))
        s_am = np.zeros((A_n, m))
        np.add.at(s_am, atom_of, np.where(has[idx], x[idx], 0.0))
        live = n_am > 0
        var_id = -np.ones((A_n, m), dtype=np.int64)
        var_id[live] = np.arange(live.sum())
        nvar = int(live.sum())
        if nvar == 0:
            continue
        var_atom, var_j = np.nonzero(live)
        lb, ub = (lo_v[None, :] * n_am)[live], (hi_v[None, :] * n_am)[live]
        truth = s_am[live]
        # published cells: (r, k) with k a category or the total (K + 1); each atom lies in 2 or 4
        cells = [(r, k) for r in range(S + 1) for k in list(range(K)) + [K + 1]]
        cell_no = {c: i for i, c in enumerate(cells)}
        ncell = len(cells)
        a_r, a_k = atoms[:, 0], atoms[:, 1]
        memb = [np.array([cell_no[(r, K + 1)] for r in a_r]), np.full(A_n, cell_no[(S, K + 1)])]
        cat = a_k < K
        if cat.any():
            memb += [np.where(cat, [cell_no.get((r, k), -1) for r, k in zip(a_r, a_k)], -1),
                     np.where(cat, [cell_no.get((S, k), -1) for k in a_k], -1)]
        g_rows, g_cols = [], []
        for li, (mk, dec) in enumerate(layers):
            in_layer = np.ones(A_n, dtype=bool) if li == 0 else (atoms[:, 2] >> li) & 1 == 1
            shown = np.array([[not dec.hidden_in(b.key(*c), name) for name in names] for c in cells])  # (cells, m)
            for cell_of in memb:
                ok = (cell_of >= 0)[var_atom] & in_layer[var_atom]
                v = np.flatnonzero(ok)
                v = v[shown[cell_of[var_atom[v]], var_j[v]]]
                g_rows.append((li * ncell + cell_of[var_atom[v]]) * m + var_j[v])
                g_cols.append(v)
        g_rows, g_cols = np.concatenate(g_rows), np.concatenate(g_cols)
        row_ids, g_rows = np.unique(g_rows, return_inverse=True)
        G = csr_matrix((np.ones(g_rows.size), (g_rows, g_cols)), shape=(row_ids.size, nvar))
        s_row = G @ truth
        n_row = G @ n_am[live]
        lo, hi = _published_interval(s_row, n_row, is_count[row_ids % m], decimals, pct_decimals)
        e_rows, e_cols, e_vals, e_rhs = [], [], [], []
        for d, ts in ties:
            for a in np.flatnonzero(live[:, d]):
                tv = [t for t in ts if live[a, t]]
                if not tv:
                    continue
                e = len(e_rhs)
                e_rows.append(e), e_cols.append(int(var_id[a, d])), e_vals.append(1.0)
                for t in tv:
                    e_rows.append(e), e_cols.append(int(var_id[a, t])), e_vals.append(-n_am[a, d] / (n_am[a, t] * len(tv)))
                e_rhs.append(0.0)
        for grp in groups_:
            for a in np.flatnonzero(live[:, grp].any(1)):
                cv = [c for c in grp if live[a, c]]
                e = len(e_rhs)
                e_rows.extend([e] * len(cv)), e_cols.extend(int(var_id[a, c]) for c in cv), e_vals.extend([1.0] * len(cv))
                e_rhs.append(float(n_am[a, grp].max()))
        E = csr_matrix((e_vals, (e_rows, e_cols)), shape=(len(e_rhs), nvar))
        whole = _Program(E, np.array(e_rhs), G, lo, hi, lb, ub, truth)
        # protected sets of the current revision
        sets = []
        for r, k in cells:
            key = b.key(r, k)
            if decision.reason(key) == FEWER:  # a revision-hidden cell is protected through its change
                sets.append((key, ((a_r == r) | (r == S)) & ((a_k == k) | (k == K + 1)), "hidden cell"))
        if b.var is not None and decision.remainders:
            for r in range(S + 1):
                if 0 < b.counts[r, K, 0] < N:
                    sets.append((b.key(r, K), ((a_r == r) | (r == S)) & (a_k == K), "remainder"))
        for li in range(1, len(layers)):
            new = (atoms[:, 2] >> li) & 1 == 0
            for r, k in cells:
                sel = ((a_r == r) | (r == S)) & ((a_k == k) | (k == K + 1)) & new
                nd = n_am[sel].max() if sel.any() else 0
                if 0 < nd < N:
                    sets.append((b.key(r, k), sel, "revision change"))
        # a school hiding a category that the district shows is tied through the district cell to
        # the other schools hiding it: its programs take in the one hiding the most respondents there
        hidden_at = np.array([[any(dec.hidden_in(b.key(r, k), name) for _, dec in layers for name in names)
                               for k in range(K)] for r in range(S + 1)], dtype=bool).reshape(S + 1, K)
        partners = [{r} for r in range(S)] + [set()]
        for k in range(K):
            rs = np.flatnonzero(hidden_at[:S, k])
            if rs.size > 1 and not hidden_at[S, k]:
                for r in rs:
                    others = rs[rs != r]
                    partners[r].add(int(others[np.argmax(b.counts[others, k, 0])]))
        var_row = a_r[var_atom]
        family = _families(m, [[d] + ts for d, ts in ties] + groups_)
        local, queue = {}, defaultdict(list)
        for key, sel, what in sets:
            for j in range(m):
                v = var_id[sel, j]
                v = v[v >= 0]
                if v.size == 0:
                    continue
                n_sets += 1
                c = np.zeros(nvar)
                c[v] = 1.0 if is_count[j] else 1.0 / n_am[sel, j].sum()
                need = 1.0 if is_count[j] else min(width, hi_v[j] - lo_v[j])
                info = (key, names[j], what, need, bool(is_count[j]))
                if spans:
                    queue[None].append((info, c))
                    continue
                where = (family[j], tuple(sorted(set().union(*(partners[r] for r in np.unique(var_row[v]))))))
                if where not in local:
                    cols = np.flatnonzero(np.isin(var_row, where[1]) & (family[var_j] == family[j]))
                    local[where] = (cols, whole.restrict(cols))
                cols, prog = local[where]
                if cols.size > SCREEN_MAX or not prog.screened(c[cols], need, is_count[j]):
                    queue[where].append((info, c))
        confirm = []
        for where, items in queue.items():
            cols, prog = (np.arange(nvar), whole) if where is None else local[where]
            n_lps += 1
            lows, highs = prog.spans(np.stack([c[cols] for _, c in items]))
            for (info, c), low, high in zip(items, lows, highs):
                if spans:
                    ranges[info[:3]] = (float(low), float(high))
                if _pinned(low, high, *info[3:]):
                    confirm.append((info, c) if len(cols) < nvar else (info, None, low, high))
        if confirm and any(len(item) == 2 for item in confirm):
            n_lps += 1
            lows, highs = whole.spans(np.stack([item[1] for item in confirm if len(item) == 2]))
            it = iter(zip(lows, highs))
            confirm = [item if len(item) == 4 else (item[0], None, *next(it)) for item in confirm]
        for (key, name, what, need, counted), _, low, high in confirm:
            if _pinned(low, high, need, counted):
                failures.append(Failure(key, name, float(low), float(high), what))
    return AuditResult(failures, n_sets, n_lps, ranges)


def _families(m, linked) -> np.ndarray:
    """(m,) label of each measure's family: measures tied per respondent (a domain and its topics,
    the levels of a topic, the answers of an item) share one."""
    label = np.arange(m)
    for grp in linked:
        grp = [g for g in grp if g is not None]
        if grp:
            old = np.unique(label[grp])
            label[np.isin(label, old)] = old.min()
    return label


def _pinned(low, high, need, counted) -> bool:
    if counted:
        return np.floor(high + 1e-7) - np.ceil(low - 1e-7) < 1
    return high - low < need - 1e-7


def protect(facts: Facts, values: np.ndarray, min_n: int = DEFAULT_MIN_N, *, domains: Mapping | None = None,
            count_measures: Sequence[str] = (), exclusive: Sequence[Sequence[str]] = (), previous: Sequence = (),
            width: float = DEFAULT_WIDTH, score_range: tuple = SCORE_RANGE, max_rounds: int = 20,
            time_limit: float = 10.0, remainders: bool = True, remainder_complements: bool = False,
            decimals: int | None = PUBLISHED_DECIMALS, pct_decimals: int | None = 0):
    """Decide, audit, and feed what the audit could work out back into the decision until it passes.

    The counts-only rule of ``decide`` cannot see every tie: a domain score is the mean of the topics
    a respondent has, so respondents missing a topic page make the domain and its topics together
    reveal sums that no single count column shows.  Each failure adds a cut "hide one more shown
    category of that partition" (or, when none is left, the school's whole group, one more
    district category of that variable, another school's total, the district's), and the program is
    solved again: the integer program takes the smallest cell of the cut, a category of 2N or more
    only where no other works.  A remainder pinned by the audit is protected this way (the rule of
    ``decide`` gives it no complement).  Cells hidden in an earlier revision stay hidden.
    count_measures, exclusive, previous, width, score_range, decimals, pct_decimals as for ``audit``;
    remainders, remainder_complements as for ``decide``; the last revision's counts are taken from
    ``previous[-1]``.  Returns (Decision, AuditResult), the Decision's ``audit_cuts`` listing the
    (key, what) of the sets the audit made it hide more for; a result that is not ``ok`` after
    max_rounds must not be published (its message names the cells)."""
    before = cell_counts(facts.subset(previous[-1][0])) if len(previous) else None
    kept = {k for _, dec in previous for k in dec.hidden}
    cuts: list = []
    why: list = []
    for _ in range(max_rounds):
        decision = decide(facts, min_n, before, time_limit=time_limit, cuts=cuts, kept=kept, remainders=remainders,
                          remainder_complements=remainder_complements)
        result = audit(facts, values, decision, domains=domains, count_measures=count_measures,
                       exclusive=exclusive, previous=previous, width=width, score_range=score_range,
                       decimals=decimals, pct_decimals=pct_decimals)
        decision.audit_cuts = list(why)
        if result.ok:
            break
        new = {}
        for f in result.failures:
            cut = _cut_for(f.key, decision)
            if cut is not None and cut not in cuts:
                new.setdefault(cut, (f.key, f.what))
        if not new:
            break
        cuts.extend(sorted(new, key=str))
        why.extend(dict.fromkeys(new.values()))
    return decision, result


def _cut_for(key, decision: Decision):
    """Shown cells of which one more must be hidden: key's partition, else its school's total for
    the group, else the district's categories of that variable (which tie the schools together),
    else another school's total, else the district's total."""
    group, school, var, _ = key

    def shown(sch, v):
        return frozenset(k for k, c in decision.counts.items() if k[:3] == (group, sch, v)
                         and (v is None or k[3] not in (None, REMAINDER)) and c[0] > 0 and not decision.is_hidden(k))

    totals = frozenset(k for k in decision.counts if k[0] == group and k[2] is None and k[1] is not None
                       and not decision.is_hidden(k))
    for cut in ([shown(school, var)] if var is not None else []) + [shown(school, None)] + \
            ([shown(None, var)] if var is not None and school is not None else []) + [totals, shown(None, None)]:
        if cut:
            return cut
    return None
