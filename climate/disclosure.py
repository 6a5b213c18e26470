"""The disclosure gate: the one way results about respondents get into the database.

``climate.scoring`` scores each respondent group and hands the gate the scored respondents
(school, respondent group, background answers, scale scores, performance levels, item answers).
The gate builds the respondent-level facts, runs ``surveys.disclosure.protect`` over every measure
a role sees (topic and domain scale scores, performance-level counts, item answer-category counts,
against every earlier published revision of the administration), and returns the cells with the
numbers of hidden cells blanked and an honest label on each.  Reports, exports, recommendations and
plans read only these stored cells (docs/disclosure.md is the policy).

A scoring run is a *revision*.  It is published when the audit passes; otherwise it is stored
unpublished with the audit's message and reports keep showing the last published revision."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from surveys.disclosure import (COMPLEMENT, FEWER, REASON_TEXT, SCORE_RANGE, Decision, Facts, cell_counts, decide,
                                protect, revision_changes)
from surveys.domain import REPORT_MAX, REPORT_MIN
from surveys.item_disclosure import protect_subgroup_items
from surveys.scales import domain_scores, domain_topics
from surveys.suppression import blank

from .extensions import db
from .models import ScoringRun, utcnow

SCORE_KEYS = ("mean", "ci_low", "ci_high")


@dataclass
class ScoredGroup:
    """One respondent group's scored respondents, as scoring hands them to the gate.

    response_ids, school_ids : (n,) int;  subgroups : variable -> (n,) str | None;
    scores : (n, s) scale scores (NaN = none) of score_measures (topics, then domains);
    item_codes : (n, i) int, -1 = no answer, 0..3 otherwise, of item_ids;
    cells : the group's surveys.aggregate cells (not yet gated)."""
    group: str
    response_ids: np.ndarray
    school_ids: np.ndarray
    subgroups: dict
    score_measures: list
    topics: list
    scores: np.ndarray
    item_ids: list
    item_codes: np.ndarray
    cells: list = field(default_factory=list)

    def published_subgroups(self) -> dict:
        """The background questions this group's cells are reported by.  A question no cell is
        reported by (parents' grade: parents have no scale scores, and items are reported per school)
        shows nothing, so it has no partition to protect: hiding its categories would only withhold
        them from the shareable file for nothing."""
        reported = {c.get("subgroup") for c in self.cells} - {None}
        return {var: vals for var, vals in self.subgroups.items() if var in reported}

    def facts(self) -> tuple[Facts, np.ndarray, dict]:
        """(Facts, values (n, s) clamped scale scores, domains) of this group for protect."""
        n = len(self.response_ids)
        t = len(self.topics)
        # the reader knows every score lies in the reported range (published means are clamped
        # to it); domains are the mean of the clamped topics, as the audit's ties assume
        clamped = np.clip(self.scores[:, :t], *SCORE_RANGE)
        values = np.hstack([clamped, domain_scores(clamped, self.topics, self.group)]) if t else np.zeros((n, 0))
        facts = Facts.build(self.school_ids, np.full(n, self.group, dtype=object), self.published_subgroups(),
                            measures=self.score_measures if t else (), has=~np.isnan(values))
        domains = {d: list(ts) for d, ts in domain_topics(self.group).items() if ts}
        return facts, values, domains


@dataclass
class GateResult:
    """What the gate decided for one scoring run: the cells to store (hidden numbers blanked),
    whether the run may be published, and what to store with the revision."""
    cells: list
    published: bool
    message: str
    hidden: dict            # key -> reason, over every group
    counts: dict            # key -> (1 + m,) counts, per group (for cell_counts storage)
    respondents: list       # response ids in this revision


# --- stored revisions ---------------------------------------------------------------------------

def _key(row) -> tuple:
    group, school, var, value = row[:4]
    return (group, None if school is None else int(school), var, None if value is None else str(value))


def published_runs(administration_id: int) -> list[ScoringRun]:
    """The administration's published revisions, oldest first."""
    return db.session.scalars(select(ScoringRun).where(
        ScoringRun.administration_id == administration_id, ScoringRun.published_at.is_not(None))
        .order_by(ScoringRun.revision)).all()


def stored_decision(run: ScoringRun, items: bool = False) -> Decision:
    """A published revision's decision, rebuilt from what was stored with it; with ``items`` also
    its hidden item cells, keyed (group, school, subgroup, value, item id)."""
    hidden = {_key(row): row[4] for row in (run.hidden_cells or []) if len(row) == 5}
    if items:
        hidden.update({_key(row) + tuple(row[5:]): row[4] for row in (run.hidden_cells or []) if len(row) > 5})
    counts = {_key(row): np.asarray(row[4:], dtype=np.int64) for row in (run.cell_counts or [])}
    return Decision(hidden, run.min_n, counts)


def stored_counts(run: ScoringRun, group: str) -> dict:
    """key -> respondents of a published revision's cells of one group (the first count column)."""
    return {_key(row): np.asarray(row[4:5], dtype=np.int64) for row in (run.cell_counts or []) if row[0] == group}


# --- the gate ---------------------------------------------------------------------------------

# The respondents who skipped a background question (or chose "Prefer not to say") are a set that
# is never shown; they may stand as the second hidden category beside one small category (grade 6
# of 7 with 6 non-answerers: 13 together, each set kept wide by the audit), so that no large
# category has to be hidden in their place. docs/disclosure.md, "Remainders".
REMAINDER_COMPLEMENTS = True
# A district column (the district's cell = the sum of the schools') whose hidden school cells hold
# fewer than N together is protected by the audit (their sum is known only to the rounding of every
# published mean in the column) rather than by hiding a category of 2N or more at another school;
# protect hides one more cell of the column wherever the audit finds that set pinned.
AUDITED_TIES = True

def gate(scored: list[ScoredGroup], min_n: int, previous: list[ScoringRun]) -> GateResult:
    """Protect every group's cells against everything a reader of this and every earlier
    published revision sees.  Returns the gated cells; a run whose audit fails (or that removes
    respondents from a published revision) is not to be published and its message says why."""
    messages, hidden, counts = [], {}, {}
    respondents = []
    # revisions stored before the gate existed carry no decision to build on
    earlier = [(set(r.respondents), stored_decision(r), r) for r in previous if r.respondents is not None]
    kept_items = {_key(row) + tuple(row[5:]) for r in previous for row in (r.hidden_cells or []) if len(row) > 5}
    for sg in scored:
        respondents += [int(x) for x in sg.response_ids]
        if not len(sg.response_ids):
            continue
        facts, values, domains = sg.facts()
        layers = [(np.isin(sg.response_ids, list(ids)), dec) for ids, dec, _ in earlier]
        if earlier:
            removed = _removed(facts, layers[-1][0], earlier[-1][2], sg.group, min_n)
            if removed:
                messages.append(removed)
        if values.shape[1]:
            decision, result = protect(facts, values, min_n, domains=domains, previous=layers,
                                       remainder_complements=REMAINDER_COMPLEMENTS, audited_ties=AUDITED_TIES)
        else:  # no scale scores (parents): the audit has no mean to check; the partition rule decides
            decision = decide(facts, min_n, cell_counts(facts.subset(layers[-1][0])) if layers else None,
                              kept={k for _, dec in layers for k in dec.hidden},
                              remainder_complements=REMAINDER_COMPLEMENTS)
            result = None
        if result is not None and not result.ok:
            messages.append(f"{sg.group.replace('_', ' ')}: {result.message()}")
        hidden.update(decision.hidden)
        for key, c in decision.counts.items():
            counts[key] = c
        items = _few_answers(sg.cells, decision, min_n, kept_items)
        # the item audit's reader of an earlier revision saw its item cells as they were hidden then
        item_layers = [(mask, stored_decision(r, items=True)) for (mask, _), (_, _, r) in zip(layers, earlier)]
        item_decision = protect_subgroup_items(sg.group, sg.school_ids, sg.subgroups, sg.item_ids, sg.item_codes,
                                               sg.cells, decision, min_n, items, item_layers)
        items.update(item_decision.hidden)
        # a count pinned only at 0 is what a whole-group cell's 0% says of every subset; any other
        # pin that hiding subgroup cells could not remove stops publication
        pinned = [f for f in item_decision.residual if f.high >= 1]
        if pinned:
            messages.append(f"{sg.group.replace('_', ' ')}: {len(pinned)} answer count(s) can be worked out: "
                            + "; ".join(map(str, pinned[:5])))
        hidden.update(items)
        apply(sg.cells, decision, min_n, items)
    cells = [c for sg in scored for c in sg.cells]
    published = not messages
    message = "Disclosure audit passed." if published else "Not published: " + " ".join(messages)
    return GateResult(cells, published, message, hidden, counts, respondents)


def _removed(facts: Facts, in_last, last: ScoringRun, group: str, min_n: int) -> str | None:
    """Respondents of the last published revision that are gone now (a deleted import) change cells
    in a way the earlier-revision masks cannot show the audit: such a run is not published."""
    now = {k: v[:1] for k, v in cell_counts(facts.subset(in_last)).items()}
    before = stored_counts(last, group)
    gone = {k: v for k, v in revision_changes(now, before, min_n).items() if int(v[1][0]) > int(v[0][0])}
    if not gone:
        return None
    return (f"{group.replace('_', ' ')}: {len(gone)} published group(s) lost between 1 and {min_n - 1} "
            f"respondents since revision {last.revision} (responses were removed), which would let their "
            "answers be worked out; restore the responses or remove at least "
            f"{min_n} at a time.")


def _few_answers(cells: list[dict], decision: Decision, min_n: int, kept=frozenset()) -> dict:
    """Whole-group item cells (subgroup ones: surveys.item_disclosure).  An item that 1..N-1 of a
    shown school's respondents answered is hidden there, and then in the district too, whose item
    counts are the sum of the schools' (its only equation).  An item hidden so in an earlier
    revision stays hidden (kept).  Returns per-measure keys (group, school, None, None, item) -> reason."""
    added = {k: COMPLEMENT for k in kept if k[0] in {c["group"] for c in cells}}
    for c in cells:
        if c["measure_kind"] != "item" or c["school_id"] is None or c.get("subgroup") is not None \
                or not (0 < (c["n"] or 0) < min_n):
            continue
        if decision.is_hidden((c["group"], c["school_id"], None, None)):
            continue
        added[(c["group"], int(c["school_id"]), None, None, c["measure"])] = FEWER
        added.setdefault((c["group"], None, None, None, c["measure"]), COMPLEMENT)
    return added


def apply(cells: list[dict], decision: Decision, min_n: int, items: dict | None = None) -> list[dict]:
    """Store-ready cells: hidden cells keep no number (n included) and carry their reason and an
    honest label; shown scale scores and interval ends are whole scale points.  items: the
    per-item hidden cells of _few_answers."""
    for c in cells:
        key = Decision._norm((c["group"], c["school_id"], c.get("subgroup"), c.get("subgroup_value")))
        reason = (items or {}).get(key + (c["measure"],)) if c["measure_kind"] == "item" else None
        reason = reason or decision.hidden.get(key)
        c["reason"] = reason
        if reason is None:
            c["suppressed"], c["label"] = False, None
            for k in SCORE_KEYS:
                if c.get(k) is not None:
                    c[k] = float(np.clip(np.round(c[k]), REPORT_MIN, REPORT_MAX))
            continue
        if reason == FEWER and c.get("n") is not None and c["n"] >= min_n:
            reason = COMPLEMENT  # hidden for another measure's small count: say what is true of this one
        c["label"] = REASON_TEXT[reason].format(n=min_n)
        blank(c)
    return cells


def record(run: ScoringRun, gated: GateResult) -> None:
    """Store the gate's decision with the run; number and date it when it is published."""
    run.audit_message = gated.message
    run.hidden_cells = [list(k[:4]) + [reason] + list(k[4:]) for k, reason in sorted(gated.hidden.items(), key=str)]
    run.cell_counts = [list(k) + [int(v[0])] for k, v in sorted(gated.counts.items(), key=str)]
    run.respondents = gated.respondents
    if gated.published:
        last = db.session.scalar(select(db.func.max(ScoringRun.revision)).where(
            ScoringRun.administration_id == run.administration_id))
        run.revision, run.published_at = (last or 0) + 1, utcnow()


def covered(run: ScoringRun, keys) -> int:
    """Respondents covered by the hidden subgroup cells among keys (a page's cells, as
    (group, school_id, subgroup, value)), from the counts stored with the revision."""
    wanted = {Decision._norm(k) for k in keys if k[2] is not None}
    hidden = {_key(row) for row in (run.hidden_cells or []) if len(row) == 5}
    return sum(int(row[4]) for row in (run.cell_counts or []) if _key(row) in wanted and _key(row) in hidden)
