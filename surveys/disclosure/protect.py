"""decide + audit, with what the audit can still work out fed back as cuts until it passes."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..domain import PUBLISHED_DECIMALS
from ..suppression import DEFAULT_MIN_N
from .policy import DEFAULT_WIDTH, Decision, Facts, REMAINDER, SCORE_RANGE, cell_counts
from .decide import decide
from .audit import audit


def protect(facts: Facts, values: np.ndarray, min_n: int = DEFAULT_MIN_N, *, domains: Mapping | None = None,
            count_measures: Sequence[str] = (), exclusive: Sequence[Sequence[str]] = (), previous: Sequence = (),
            width: float = DEFAULT_WIDTH, score_range: tuple = SCORE_RANGE, max_rounds: int = 20,
            time_limit: float = 10.0, remainders: bool = True, remainder_complements: bool = False,
            audited_ties: bool = False, combine: bool = True, decimals: int | None = PUBLISHED_DECIMALS, pct_decimals: int | None = 0):
    """Decide, audit, and feed what the audit could work out back into the decision until it passes.

    The counts-only rule of ``decide`` cannot see every tie: a domain score is the mean of the topics
    a respondent has, so respondents missing a topic page make the domain and its topics together
    reveal sums that no single count column shows.  Each failure adds a cut "hide one more shown
    category of that partition" (or, when none is left, the school's whole group, one more
    district category of that variable, another school's total, the district's), and the program is
    solved again: the integer program takes the smallest cell of the cut, a category of 2N or more
    only where no other works.  A remainder pinned by the audit is protected this way (the rule of
    ``decide`` gives it no complement).  Cells hidden in an earlier revision stay hidden.
    count_measures, exclusive, previous, width, score_range, decimals, pct_decimals, combine as for ``audit``;
    remainders, remainder_complements, audited_ties as for ``decide``; the last revision's counts are taken from
    ``previous[-1]``.  Returns (Decision, AuditResult), the Decision's ``audit_cuts`` listing the
    (key, what) of the sets the audit made it hide more for; a result that is not ``ok`` after
    max_rounds must not be published (its message names the cells)."""
    before = cell_counts(facts.subset(previous[-1][0])) if len(previous) else None
    kept = {k for _, dec in previous for k in dec.hidden}
    cuts: list = []
    why: list = []
    for _ in range(max_rounds):
        decision = decide(facts, min_n, before, time_limit=time_limit, cuts=cuts, kept=kept, remainders=remainders,
                          remainder_complements=remainder_complements, audited_ties=audited_ties)
        result = audit(facts, values, decision, domains=domains, count_measures=count_measures,
                       exclusive=exclusive, previous=previous, width=width, score_range=score_range,
                       decimals=decimals, pct_decimals=pct_decimals, combine=combine)
        decision.audit_cuts = list(why)
        if result.ok:
            break
        new = {}
        for f in result.failures:
            cut = _column_cut(f.key, decision) if f.what == "district tie" else _cut_for(f.key, decision)
            if cut is not None and cut not in cuts:
                new.setdefault(cut, (f.key, f.what))
        if not new:
            break
        cuts.extend(sorted(new, key=str))
        why.extend(dict.fromkeys(new.values()))
    return decision, result


def _column_cut(key, decision: Decision):
    """A district cell's shown school cells, of which one more must be hidden (a district tie the
    audit found pinned)."""
    group, _, var, value = key
    cut = frozenset(k for k, c in decision.counts.items() if k[0] == group and k[1] is not None
                    and k[2:] == (var, value) and c[0] > 0 and not decision.is_hidden(k))
    return cut or _cut_for(key, decision)


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
