"""The disclosure policy's vocabulary: respondent-level facts, partitions and their blocks, cell
counts and revisions, and the Decision (which cells are hidden, why, and how to say it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..suppression import DEFAULT_MIN_N, check_min_n


FEWER, COMPLEMENT, REVISION = "fewer", "complement", "revision"
REMAINDER = "__remainder__"  # the category of respondents who did not answer (never shown)
REASON_TEXT = {
    FEWER: "Fewer than {n} respondents",
    COMPLEMENT: "Hidden so that a smaller group's results can't be worked out",
    REVISION: "Hidden because this group changed by fewer than {n} respondents since the last published results",
}
DEFAULT_WIDTH = 10.0
SCREEN_MAX = 800  # unknowns up to which a program is screened before its linear programs
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
        from ..suppression import blank
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
