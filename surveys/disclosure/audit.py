"""The audit: a determined reader's linear programs over everything one role sees, to the
published precision, and the feasible range each hidden set keeps."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from ..domain import PUBLISHED_DECIMALS
from .policy import DEFAULT_WIDTH, Decision, FEWER, Facts, SCORE_RANGE, SCREEN_MAX, blocks, describe
from .program import _pinned, _Program
from .sets import TIE_SETS, programs as _programs, tie_sets as _tie_sets


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
    n_lps: int           # linear programs solved (one per end of a range)
    ranges: dict = field(default_factory=dict)  # (key, measure, what) -> (low, high), with spans=True

    @property
    def ok(self) -> bool:
        return not self.failures

    def message(self) -> str:
        if self.ok:
            return "passed"
        return f"{len(self.failures)} result(s) can be worked out: " + "; ".join(map(str, self.failures[:5]))


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
          spans: bool = False, combine: bool = True) -> AuditResult:
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
    combine : build each reader's program over two background questions at a time (every pair of a
      group's questions: the same respondents are counted in both tables, so a reader can cross
      them), each set checked in every pair with its question; off: one question at a time.
    Every published cell (not hidden, in this or an earlier revision) gives n and, to the
    published precision, the sum of every measure.  Protected sets: hidden "fewer" cells,
    non-answering remainders of fewer than N (unless ``decision.remainders`` is False), and
    respondents added since a revision in a cell (1..N-1 of them).  Pass: each set's mean can range
    over at least ``width`` points, and each count can take at least two whole values.

    Each set is first screened (``_Program.screened``), then checked by linear programs over the
    unknowns of its school (and, for each category it hides that the district shows, of the other
    school hiding most there, which the district cell ties to it) in the measures tied to the one
    checked, every other unknown fixed at the truth: a range found there is never wider than
    the true one.  Only a set found too narrow there is solved over the whole block.  The sets of
    one such part are solved one after another in one HiGHS model (``_Program.spans``)."""
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
    n_sets, n_lps, ranges = 0, 0, {}
    N = decision.min_n
    found = {}
    for dims in _programs(blocks(facts), combine):
        b = dims[0]
        S, D = len(b.schools), len(dims)
        Ks = [len(d.values) for d in dims]
        idx = b.members
        bits = np.zeros(idx.size, dtype=np.int64)
        for li, (mk, _) in enumerate(layers[1:], start=1):
            bits |= mk[idx].astype(np.int64) << li
        pattern = np.unique(has[idx], axis=0, return_inverse=True)[1].ravel()
        atoms, atom_of = np.unique(np.stack([b.row_of] + [d.col_of for d in dims] + [bits, pattern], axis=1),
                                   axis=0, return_inverse=True)
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
        # published cells (q, r, k): the totals (q None), then each question q's categories k; each
        # atom lies in the school's and the district's total and in one category of each question
        cells = [(None, r, None) for r in range(S + 1)] + [(q, r, k) for q in range(D) for r in range(S + 1)
                                                          for k in range(Ks[q])]
        cell_no = {c: i for i, c in enumerate(cells)}
        ncell = len(cells)
        a_r, a_ks, layer_bits = atoms[:, 0], atoms[:, 1:1 + D].T, atoms[:, 1 + D]
        memb = [np.array([cell_no[(None, r, None)] for r in a_r]), np.full(A_n, cell_no[(None, S, None)])]
        for q in range(D):
            cat = a_ks[q] < Ks[q]
            if cat.any():
                memb += [np.where(cat, [cell_no.get((q, r, k), -1) for r, k in zip(a_r, a_ks[q])], -1),
                         np.where(cat, [cell_no.get((q, S, k), -1) for k in a_ks[q]], -1)]

        def key_of(c):
            q, r, k = c
            return b.key(r, Ks[0] + 1) if q is None else dims[q].key(r, k)

        def members_of(c):
            q, r, k = c
            here = (a_r == r) | (r == S)
            return here if q is None else here & (a_ks[q] == k)

        # protected sets of the current revision
        sets = []
        for c in cells:
            if decision.reason(key_of(c)) == FEWER:  # a revision-hidden cell is protected through its change
                sets.append((key_of(c), members_of(c), "hidden cell"))
        partners = [{r} for r in range(S)] + [set()]
        for q, d in enumerate(dims):
            K, a_k = Ks[q], a_ks[q]
            if d.var is not None and decision.remainders:
                for r in range(S + 1):
                    if 0 < d.counts[r, K, 0] < N:
                        sets.append((d.key(r, K), ((a_r == r) | (r == S)) & (a_k == K), "remainder"))
            if d.var is not None and S > 1:
                sets += _tie_sets(d, decision, a_r, a_k, n_am, N)
            # a school hiding a category that the district shows is tied through the district cell to
            # the other schools hiding it: its programs take in the one hiding the most respondents there
            hidden_at = np.array([[any(dec.hidden_in(d.key(r, k), name) for _, dec in layers for name in names)
                                   for k in range(K)] for r in range(S + 1)], dtype=bool).reshape(S + 1, K)
            for k in range(K):
                rs = np.flatnonzero(hidden_at[:S, k])
                if rs.size > 1 and not hidden_at[S, k]:
                    for r in rs:
                        others = rs[rs != r]
                        partners[r].add(int(others[np.argmax(d.counts[others, k, 0])]))
        for li in range(1, len(layers)):
            new = (layer_bits >> li) & 1 == 0
            for c in cells:
                sel = members_of(c) & new
                nd = n_am[sel].max() if sel.any() else 0
                if 0 < nd < N:
                    sets.append((key_of(c), sel, "revision change"))
        checked = [(key, sel, what) for key, sel, what in sets
                   if any(n_am[sel, j].sum() > 0 and not (what in TIE_SETS and n_am[sel, j].sum() >= N) for j in range(m))]
        if not checked:
            continue  # nothing to check in this program: it is not built
        g_rows, g_cols = [], []
        for li, (mk, dec) in enumerate(layers):
            in_layer = np.ones(A_n, dtype=bool) if li == 0 else (layer_bits >> li) & 1 == 1
            shown = np.array([[not dec.hidden_in(key_of(c), name) for name in names] for c in cells])  # (cells, m)
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
        var_row = a_r[var_atom]
        family = _families(m, [[d] + ts for d, ts in ties] + groups_)
        local, queue = {}, defaultdict(list)
        for key, sel, what in checked:
            for j in range(m):
                v = var_id[sel, j]
                v = v[v >= 0]
                if v.size == 0 or (what in TIE_SETS and n_am[sel, j].sum() >= N):
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
            lows, highs, solves = prog.spans(np.stack([c[cols] for _, c in items]), *_needs(items, spans))
            n_lps += solves
            for (info, c), low, high in zip(items, lows, highs):
                if spans:
                    was = ranges.get(info[:3])
                    if was is None or high - low < was[1] - was[0]:
                        ranges[info[:3]] = (float(low), float(high))
                if _pinned(low, high, *info[3:]):
                    confirm.append((info, c) if len(cols) < nvar else (info, None, low, high))
        if confirm and any(len(item) == 2 for item in confirm):
            again = [item for item in confirm if len(item) == 2]
            lows, highs, solves = whole.spans(np.stack([c for _, c in again]), *_needs(again, False))
            n_lps += solves
            it = iter(zip(lows, highs))
            confirm = [item if len(item) == 4 else (item[0], None, *next(it)) for item in confirm]
        for (key, name, what, need, counted), _, low, high in confirm:
            if _pinned(low, high, need, counted):
                was = found.get((key, name, what))
                if was is None or high - low < was.high - was.low:
                    found[(key, name, what)] = Failure(key, name, float(low), float(high), what)
    return AuditResult(list(found.values()), n_sets, n_lps, ranges)


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


def _needs(items, spans):
    """(needs, counted) of queued sets for ``_Program.spans``; (None, None) for whole ranges."""
    if spans:
        return None, None
    return np.array([info[3] for info, _ in items]), np.array([info[4] for info, _ in items])
