"""Item answers published per subgroup (the SRO module's items): which of those cells to hide.

The partition decision (``surveys.disclosure.decide``/``protect``) already hides categories for
every measure of a partition.  An item adds its own counts: within a shown category only some
respondents answer it, and its four answer counts are published as percentages of those who did.
So, for each item published per subgroup, on top of the partition decision:

1. a subgroup cell that 1..N-1 respondents answered is hidden ("fewer");
2. in every published sum of the item (school = its categories + remainder; district = its
   categories + remainder), the hidden categories with answers are none, or at least two with N
   answers together; else the smallest shown ones are hidden too, or all ("complement");
3. the district's cell of a category is hidden unless the schools' hidden cells of that category
   are at least two with N answers together (the district cell less the shown schools' cells gives
   their sum, so they are protected as a partition's hidden categories are);
4. a school (or district) whose whole-group item cell is hidden shows none of its subgroup cells,
   and a cell hidden in an earlier revision stays hidden (the gate passes both in);
5. ``surveys.disclosure.audit`` then plays the reader of the item's four answer counts, with every
   shown cell to the published precision (whole percent of n) and every earlier revision; each
   set it can pin (a hidden cell, a non-answering remainder, respondents new since a revision)
   makes one more shown category of that partition hidden, until the audit passes.  Like the
   scale-score audit, it crosses every pair of the group's background questions: the grade and
   sex tables count the same respondents, so a reader who knows how they cross can take a
   Female cell out of the grade cells.  Once a set's own partition shows nothing more, the
   school's other background questions, the category elsewhere in the district, and then the
   item's other cells are hidden, smallest first (``_candidates``).  What it can still pin after
   that is returned as ``residual``: a count pinned at 0 is what a whole-group 0% says of every
   subset; the gate refuses to publish any other.  An earlier revision is read with its own
   hidden item cells (``_item_view``).

Keys are (group, school_id | None, subgroup, value, item), as the gate stores per-item hiding."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .disclosure import COMPLEMENT, FEWER, Decision, Facts, audit

N_CATEGORIES = 4
MAX_ROUNDS = 12


@dataclass
class ItemDecision:
    hidden: dict                                   # (group, school, var, value, item) -> reason
    residual: list = field(default_factory=list)   # audit failures no subgroup cell can remove


def _measures(item: str) -> list[str]:
    return [f"{item}={k}" for k in range(N_CATEGORIES)]


def protect_subgroup_items(group: str, school_ids: np.ndarray, subgroups: dict, item_ids: list[str],
                           item_codes: np.ndarray, cells: list[dict], decision: Decision, min_n: int,
                           hidden_items: dict, previous=()) -> ItemDecision:
    """The subgroup item cells of one respondent group to hide (see the module docstring).

    school_ids : (n,) int;  subgroups : variable -> (n,) str | None (the reported variables);
    item_codes : (n, len(item_ids)) int, -1 = no answer, 0..3;  cells : the group's aggregate
    cells (only items that have subgroup cells there are considered);  decision : the partition
    decision;  hidden_items : the gate's per-item hidden whole-group cells, (g, s, None, None, item);
    previous : [(mask (n,) bool, Decision)] earlier published revisions, as for ``audit``; a decision
      may carry hidden item cells keyed (group, school, subgroup, value, item id)."""
    published = defaultdict(list)
    for c in cells:
        if c["measure_kind"] == "item" and c.get("subgroup") is not None and c["group"] == group:
            published[c["measure"]].append(c)
    out = ItemDecision({})
    codes = np.asarray(item_codes)
    for item, item_cells in published.items():
        j = item_ids.index(item)
        hidden = _item_rules(group, item, item_cells, decision, min_n, hidden_items)
        hidden, residual = _audited(group, item, codes[:, j], school_ids, subgroups, item_cells, decision,
                                    hidden, hidden_items, min_n, previous)
        out.hidden.update({k + (item,): r for k, r in hidden.items()})
        out.residual += residual
    return out


def _is_hidden(key, decision: Decision, hidden: dict) -> bool:
    return decision.is_hidden(key) or key in hidden


def _item_rules(group, item, item_cells, decision, min_n, hidden_items, hidden=None) -> dict:
    """Rules 1-4 (from the cells already hidden for the item, if given): (group, school, var,
    value) -> reason for this item."""
    hidden = dict(hidden or {})
    by_partition = defaultdict(list)
    for c in item_cells:
        key = Decision._norm((c["group"], c["school_id"], c["subgroup"], c["subgroup_value"]))
        by_partition[key[1:3]].append((key, int(c["n"] or 0)))
        if decision.is_hidden(key) or key in hidden:
            continue
        if (group, key[1], None, None, item) in hidden_items or key + (item,) in hidden_items:
            hidden[key] = COMPLEMENT
        elif 0 < (c["n"] or 0) < min_n:
            hidden[key] = FEWER
    changed = True
    while changed:  # rules 2 and 3 feed each other; each pass only adds
        changed = False
        for (school, var), members in sorted(by_partition.items(), key=lambda kv: (kv[0][0] is None, str(kv[0]))):
            held = [n for key, n in members if n > 0 and _is_hidden(key, decision, hidden)]
            if not held or (len(held) >= 2 and sum(held) >= min_n):
                continue
            shown = sorted((n, key) for key, n in members if n > 0 and not _is_hidden(key, decision, hidden))
            while shown and (len(held) < 2 or sum(held) < min_n):
                n, key = shown.pop(0)
                hidden[key] = COMPLEMENT
                held.append(n)
                changed = True
        # rule 3: the district cell minus the shown schools' cells gives the hidden schools' cells
        # of that category together, so they must be at least two with N answers, as in a partition
        held_by_category = defaultdict(list)
        for (school, var), members in by_partition.items():
            if school is not None:
                for key, n in members:
                    if n > 0 and _is_hidden(key, decision, hidden):
                        held_by_category[(var, key[3])].append(n)
        for (var, value), held in held_by_category.items():
            district = (group, None, var, value)
            if (len(held) < 2 or sum(held) < min_n) and \
                    district in {k for k, _ in by_partition.get((None, var), [])} and \
                    not _is_hidden(district, decision, hidden):
                hidden[district] = COMPLEMENT
                changed = True
    return hidden


def _audited(group, item, x, school_ids, subgroups, item_cells, decision, hidden, hidden_items, min_n, previous):
    """Rule 5: audit the item's answer counts; hide one more shown category per pinned set."""
    names = _measures(item)
    answered = x >= 0
    values = np.full((x.shape[0], N_CATEGORIES), np.nan)
    values[answered] = (x[answered, None] == np.arange(N_CATEGORIES)[None, :]).astype(float)
    facts = Facts.build(school_ids, group, subgroups, measures=names, has=np.repeat(answered[:, None], 4, axis=1))
    whole = {k[:4] for k in hidden_items if k[0] == group and k[4] == item}
    n_of = {Decision._norm((c["group"], c["school_id"], c["subgroup"], c["subgroup_value"])): int(c["n"] or 0)
            for c in item_cells}
    earlier = [(mask, _item_view(d, item, names)) for mask, d in previous]
    residual = []
    for _ in range(MAX_ROUNDS):
        keys = {k: r for k, r in decision.hidden.items() if len(k) == 4 and k[0] == group}
        keys.update({k + (m,): r for k, r in hidden.items() for m in names})
        keys.update({k + (m,): COMPLEMENT for k in whole for m in names})
        dec = Decision(keys, min_n, decision.counts, decision.measures, decision.remainders)
        result = audit(facts, values, dec, count_measures=names, exclusive=[names], previous=earlier)
        if result.ok:
            return hidden, []
        added, residual, start = False, [], dict(hidden)
        by_set = defaultdict(list)
        for f in result.failures:
            by_set[f.key].append(f)
        for failures in by_set.values():
            f = max(failures, key=lambda f: f.high)  # one pinned above 0, if any, decides
            if _candidates(f, n_of, decision, start, own_only=True) != _candidates(f, n_of, decision, hidden,
                                                                                   own_only=True):
                continue  # a cell of its own partition was hidden this round: audit again first
            shown = _candidates(f, n_of, decision, hidden)
            if not shown:
                residual += failures
                continue
            hidden[shown[0][1]] = COMPLEMENT
            added = True
        if not added:
            break
        hidden = _item_rules(group, item, item_cells, decision, min_n, hidden_items, hidden)
    else:  # out of rounds: what the last audit found is not known to be removed
        residual = list(result.failures)
    return hidden, residual


def _item_view(decision: Decision, item: str, names: list[str]) -> Decision:
    """An earlier revision's decision as the item audit reads it: its partition-level hiding, and
    its cells of this item (keys ending in the item id) hidden in each of the item's answer counts."""
    keys = {k: r for k, r in decision.hidden.items() if len(k) == 4}
    keys.update({k[:4] + (m,): r for k, r in decision.hidden.items() if len(k) == 5 and k[4] == item for m in names})
    return Decision(keys, decision.min_n, decision.counts, decision.measures, decision.remainders)


def _candidates(failure, n_of, decision, hidden, own_only=False) -> list:
    """Shown subgroup cells to hide for a pinned set, smallest first: its own partition's.  Once that
    shows nothing more: the school's cells of its other background questions (a crossed reader
    takes those out) and the category's cells at other schools and in the district (the district
    cell ties them); then the item's other cells of that question; then any.  Not for a set
    pinned only at 0, which the whole-group cell's 0% says of every subset."""
    _, school, var, value = failure.key

    def shown(where):
        return sorted(((n, k) for k, n in n_of.items() if k[2] is not None and n > 0 and where(k)
                       and not _is_hidden(k, decision, hidden)), key=lambda c: (c[0], str(c[1])))
    own = shown(lambda k: k[1:3] == (school, var))
    if own or own_only or failure.high < 1 or var is None:
        return own
    return (shown(lambda k: (k[1] == school and k[2] != var) or (k[1] != school and k[2:4] == (var, value)))
            or shown(lambda k: k[2] == var) or shown(lambda k: True))
