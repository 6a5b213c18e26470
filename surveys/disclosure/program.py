"""A reader's linear program over one block's unknowns, its cheap screen, and its HiGHS model
(for ``audit``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize._highspy import _core as _highs  # the HiGHS that linprog runs, without its start-up banner
from scipy.sparse import csr_matrix, vstack

from .policy import _row_basis


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

    def spans(self, cs, needs=None, counted=None):
        """(lows, highs, solves) of c.x over the program for every c of cs (q, v).  One HiGHS
        model is built; each objective is solved in turn by primal simplex from the last optimal
        basis (a few steps each, where a fresh solve of the same program takes dozens).  An end
        at the bound of the unknowns' box (a count of 0 among the set) needs no solve.  With
        ``needs`` (q,) (and ``counted`` (q,) bool), the end with more room is solved first, and
        the other is not once that one is ``need`` from the truth (a count: one whole value): the
        pair is then (truth, end), a feasible sub-range, and is the true range whenever the set
        is pinned."""
        cs = np.atleast_2d(cs)
        q, v = cs.shape
        box_lo = np.minimum(cs * self.lb, cs * self.ub).sum(1)
        box_hi = np.maximum(cs * self.lb, cs * self.ub).sum(1)
        at = cs @ self.truth
        lows, highs, solves = box_lo.copy(), box_hi.copy(), 0
        if needs is None:
            needs, counted = np.full(q, np.inf), np.zeros(q, dtype=bool)
        model = None
        for i, c in enumerate(cs):
            ends = [(-1.0, highs), (1.0, lows)]
            if at[i] - box_lo[i] > box_hi[i] - at[i]:
                ends.reverse()
            for sign, out in ends:
                if abs((box_hi if sign < 0 else box_lo)[i] - at[i]) <= 1e-9 * max(1.0, abs(at[i])):
                    out[i] = at[i]  # the truth is at the box's end: the program's end too
                else:
                    model = model or _Model(self)
                    out[i] = sign * model.minimum(sign * c)
                    solves += 1
                if not np.isinf(needs[i]) and not _pinned(*sorted((at[i], out[i])), needs[i], counted[i]):
                    (highs if sign > 0 else lows)[i] = at[i]
                    break
        return lows, highs, solves


class _Model:
    """A program's HiGHS model, whose objective is changed from one solve to the next."""

    def __init__(self, prog: "_Program"):
        A = _vstack(prog.G, prog.E)
        lp = _highs.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(A.shape[1]), prog.lb, prog.ub
        lp.row_lower_, lp.row_upper_ = np.r_[prog.lo, prog.e], np.r_[prog.hi, prog.e]
        lp.a_matrix_.format_ = _highs.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = A.shape[1], A.shape[0]
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
        self.h = _highs._Highs()
        for option, value in (("output_flag", False), ("presolve", "off"), ("simplex_strategy", 4)):
            self.h.setOptionValue(option, value)  # 4: primal simplex, which keeps the basis feasible
        self.h.passModel(lp)
        self.cols = np.arange(A.shape[1], dtype=np.int32)

    def minimum(self, c) -> float:
        self.h.changeColsCost(self.cols.size, self.cols, np.asarray(c, dtype=np.float64))
        self.h.run()
        if self.h.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            self.h.clearSolver()  # solve afresh once before giving up
            self.h.run()
        if self.h.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the audit program failed: {self.h.modelStatusToString(self.h.getModelStatus())}")
        return float(self.h.getObjectiveValue())


def _vstack(a, b):
    return vstack([a, b], format="csr")


def _pinned(low, high, need, counted) -> bool:
    if counted:
        return np.floor(high + 1e-7) - np.ceil(low - 1e-7) < 1
    return high - low < need - 1e-7
