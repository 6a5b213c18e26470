"""From scores to action: rules that turn group results into ranked recommendations.

Pure functions over the plain-dict result "cells" made by the scoring engine (see the keys in
`recommend`'s docstring) and the guidance loaded by `surveys.guidance`.

Rules (each produces zero or more `Recommendation`s):

1. least_favorable         a whole-group topic score below 300 (the Least Favorable level).
2. subgroup_gap            two visible subgroups of the same variable (same school, group,
                           topic) whose difference has a 95% interval
                           diff +/- 1.96*sqrt(se1^2 + se2^2) that excludes 0.
3. decline                 a whole-group topic score lower than the previous administration's,
                           with the decline's 95% interval excluding 0.
4. student_staff_disagree  student vs instructional (or noninstructional) staff topic scores
                           that differ (95% interval excludes 0) AND sit in different levels.
5. low_response            submitted/enrollment below the minimum rate (0.5; 0.2 for parents).

Severity (higher = more urgent). All score differences are on the 100-500 reporting scale,
where 50 points is half a performance level; "near bound" is the end of a difference's 95%
interval closest to zero, i.e. the smallest difference the data support:

    least_favorable         1.00 + (300 - mean) / 50
    decline                 0.75 + near bound of the decline / 50
    subgroup_gap            0.50 + near bound of the gap / 50
    student_staff_disagree  0.50 + near bound of the difference / 50
    low_response            0.50 + 2 * (minimum rate - rate) / minimum rate      (0.5 .. 2.5)

Ties are broken by rule (in the order above), then respondent group, then topic (the
orders in surveys/domain.py), then key, so the output order is deterministic.

Privacy: a suppressed cell (or one without the numbers a rule needs) never takes part in a
rule, and evidence text only quotes numbers of the visible cells the rule used; nothing is
derived from totals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from surveys.domain import (
    CUT_SCORES, GROUP_LABELS, LEVEL_LABELS, PERFORMANCE_LEVELS, RESPONDENT_GROUPS, TOPIC_LABELS, TOPICS,
)
from surveys.guidance import Guidance, default_guidance

Z95 = 1.96
DEFAULT_MIN_RESPONSE_RATE = 0.5
DEFAULT_MIN_PARENT_RESPONSE_RATE = 0.2

KINDS = ("least_favorable", "decline", "subgroup_gap", "student_staff_disagree", "low_response")

# Quick Guide steps each rule points to (ids in instruments/guidance/quick_guide.yaml).
RULE_STEPS: dict[str, tuple[str, ...]] = {
    # choose and implement interventions for the topic
    "least_favorable": ("AS4-1", "AS4-2", "AS4-3", "AS4-4"),
    # analyse by subgroup, read the items, combine with records
    "subgroup_gap": ("AS3-4", "AS3-3", "AS3-5"),
    # monitor against the last administration, then check/replace what runs
    "decline": ("AS5-3", "AS5-4", "AS4-5", "AS4-6"),
    # engage stakeholders: listening sessions, involve them, check who is missing
    "student_staff_disagree": ("AS2-2", "AS2-3", "AS2-5"),
    # raise response, reach the missing, report with care
    "low_response": ("AS3-1", "AS2-4", "AS2-5", "AS3-6"),
}

STAFF_GROUPS = ("instructional_staff", "noninstructional_staff")


@dataclass(frozen=True)
class Recommendation:
    kind: str
    severity: float
    topic: str | None
    group: str
    evidence: str
    numbers: dict[str, Any]
    steps: tuple[str, ...]
    strategies: tuple[str, ...]
    key: str
    school_id: int | None = None
    questions: tuple[str, ...] = ()  # topic discussion questions (student_staff_disagree)


# --------------------------------------------------------------------------- helpers


def _is_topic_cell(c: Mapping) -> bool:
    return c.get("measure_kind") == "topic"


def _has_mean(c: Mapping) -> bool:
    return not c.get("suppressed") and c.get("mean") is not None


def _has_mean_se(c: Mapping) -> bool:
    return _has_mean(c) and c.get("se") is not None


def _level(cell: Mapping) -> str:
    lvl = cell.get("level")
    if lvl in PERFORMANCE_LEVELS:
        return lvl
    m = cell["mean"]
    if m < CUT_SCORES[0]:
        return "least_favorable"
    return "favorable" if m <= CUT_SCORES[1] else "most_favorable"


def _interval(cell: Mapping) -> tuple[float, float] | None:
    if cell.get("ci_low") is not None and cell.get("ci_high") is not None:
        return float(cell["ci_low"]), float(cell["ci_high"])
    if cell.get("se") is not None:
        return cell["mean"] - Z95 * cell["se"], cell["mean"] + Z95 * cell["se"]
    return None


def _f(x: float) -> str:
    return f"{x:.0f}"


def _score_text(cell: Mapping) -> str:
    iv = _interval(cell)
    if iv is None:
        return _f(cell["mean"])
    return f"{_f(cell['mean'])} (95% interval {_f(iv[0])}-{_f(iv[1])})"


def _group_label(group: str) -> str:
    return GROUP_LABELS[group]["en"]


def _possessive(group: str) -> str:
    label = _group_label(group)
    return label + ("'" if label.endswith("s") else "'s")


def _topic_label(topic: str) -> str:
    return TOPIC_LABELS[topic]["en"] if topic in TOPIC_LABELS else topic


def _level_label(level: str) -> str:
    return LEVEL_LABELS[level]["en"]


def _subgroup_label(variable: str, value: str) -> str:
    if variable == "grade":
        return f"grade {value}"
    return f"{value} ({variable})"


def _diff(a: Mapping, b: Mapping) -> tuple[float, float, float, float]:
    """a.mean - b.mean, its standard error, and its 95% interval."""
    d = a["mean"] - b["mean"]
    se = math.sqrt(a["se"] ** 2 + b["se"] ** 2)
    return d, se, d - Z95 * se, d + Z95 * se


def _excludes_zero(lo: float, hi: float) -> bool:
    return lo > 0 or hi < 0


def _near_bound(lo: float, hi: float) -> float:
    """Absolute value of the interval end closest to zero (interval must exclude zero)."""
    return min(abs(lo), abs(hi))


def _known_steps(guidance: Guidance, ids: Iterable[str]) -> tuple[str, ...]:
    out = []
    for i in ids:
        try:
            guidance.step(i)
        except KeyError:
            continue
        out.append(i)
    return tuple(out)


def _topic_strategies(guidance: Guidance, topic: str, tiers: tuple[str, ...]) -> tuple[str, ...]:
    try:
        tg = guidance.topic(topic)
    except KeyError:
        return ()
    out: list[str] = []
    if "universal" in tiers:
        out += [s.id for s in tg.universal]
    if "targeted" in tiers:
        out += [s.id for s in tg.targeted]
    return tuple(out)


def _cell_numbers(prefix: str, cell: Mapping) -> dict[str, Any]:
    iv = _interval(cell)
    out = {f"{prefix}mean": cell["mean"], f"{prefix}se": cell.get("se"), f"{prefix}n": cell.get("n")}
    if iv is not None:
        out[f"{prefix}ci_low"], out[f"{prefix}ci_high"] = iv
    return out


def _whole_group_index(cells: Iterable[Mapping]) -> dict[tuple, Mapping]:
    idx: dict[tuple, Mapping] = {}
    for c in cells:
        if _is_topic_cell(c) and c.get("subgroup") is None:
            idx.setdefault((c.get("school_id"), c["group"], c["measure"]), c)
    return idx


# --------------------------------------------------------------------------- rules


def _rule_least_favorable(whole: dict, district: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for (school_id, group, topic), c in whole.items():
        if not _has_mean(c) or c["mean"] >= CUT_SCORES[0]:
            continue
        evidence = (f"{_possessive(group)} {_topic_label(topic)} score is {_score_text(c)}, "
                    f"in the {_level_label('least_favorable')} range (below {_f(CUT_SCORES[0])}).")
        numbers = _cell_numbers("", c)
        numbers["cut_score"] = CUT_SCORES[0]
        d = district.get((None, group, topic))
        if d is not None and _has_mean(d):
            evidence += f" The district's score for {_group_label(group).lower()} is {_score_text(d)}."
            numbers.update(_cell_numbers("district_", d))
        out.append(Recommendation(
            kind="least_favorable", severity=1.0 + (CUT_SCORES[0] - c["mean"]) / 50.0, topic=topic, group=group,
            evidence=evidence, numbers=numbers, steps=_known_steps(g, RULE_STEPS["least_favorable"]),
            strategies=_topic_strategies(g, topic, ("universal", "targeted")),
            key=f"least_favorable:{group}:{topic}", school_id=school_id))
    return out


def _rule_subgroup_gap(cells: list[Mapping], g: Guidance) -> list[Recommendation]:
    by: dict[tuple, list[Mapping]] = {}
    for c in cells:
        if _is_topic_cell(c) and c.get("subgroup") is not None and _has_mean_se(c):
            by.setdefault((c.get("school_id"), c["group"], c["measure"], c["subgroup"]), []).append(c)
    out = []
    for (school_id, group, topic, variable), group_cells in by.items():
        group_cells = sorted(group_cells, key=lambda c: str(c.get("subgroup_value")))
        for i in range(len(group_cells)):
            for j in range(i + 1, len(group_cells)):
                a, b = group_cells[i], group_cells[j]
                if a.get("subgroup_value") == b.get("subgroup_value"):
                    continue
                low, high = (a, b) if a["mean"] <= b["mean"] else (b, a)
                gap, se, lo, hi = _diff(high, low)
                if not _excludes_zero(lo, hi):
                    continue
                lv, hv = str(low["subgroup_value"]), str(high["subgroup_value"])
                evidence = (f"{_possessive(group)} {_topic_label(topic)} score is {_score_text(low)} for "
                            f"{_subgroup_label(variable, lv)} and {_score_text(high)} for "
                            f"{_subgroup_label(variable, hv)}. The gap of {_f(gap)} points has a 95% interval "
                            f"of {_f(lo)}-{_f(hi)}, which excludes zero.")
                numbers = {"variable": variable, "low_value": lv, "high_value": hv, **_cell_numbers("low_", low),
                           **_cell_numbers("high_", high), "gap": gap, "gap_se": se, "gap_ci_low": lo,
                           "gap_ci_high": hi}
                a_v, b_v = sorted([lv, hv])
                out.append(Recommendation(
                    kind="subgroup_gap", severity=0.5 + _near_bound(lo, hi) / 50.0, topic=topic, group=group,
                    evidence=evidence, numbers=numbers, steps=_known_steps(g, RULE_STEPS["subgroup_gap"]),
                    strategies=_topic_strategies(g, topic, ("targeted",)),
                    key=f"subgroup_gap:{group}:{topic}:{variable}:{a_v}|{b_v}", school_id=school_id))
    return out


def _rule_decline(whole: dict, previous: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for k, cur in whole.items():
        prev = previous.get(k)
        if prev is None or not _has_mean_se(cur) or not _has_mean_se(prev):
            continue
        decline, se, lo, hi = _diff(prev, cur)
        if not lo > 0:
            continue
        school_id, group, topic = k
        evidence = (f"{_possessive(group)} {_topic_label(topic)} score fell from {_score_text(prev)} in the "
                    f"previous administration to {_score_text(cur)}. The decline of {_f(decline)} points has a "
                    f"95% interval of {_f(lo)}-{_f(hi)}, which excludes zero.")
        numbers = {**_cell_numbers("previous_", prev), **_cell_numbers("", cur), "decline": decline,
                   "decline_se": se, "decline_ci_low": lo, "decline_ci_high": hi}
        out.append(Recommendation(
            kind="decline", severity=0.75 + _near_bound(lo, hi) / 50.0, topic=topic, group=group,
            evidence=evidence, numbers=numbers, steps=_known_steps(g, RULE_STEPS["decline"]), strategies=(),
            key=f"decline:{group}:{topic}", school_id=school_id))
    return out


def _rule_disagree(whole: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for (school_id, group, topic), s in whole.items():
        if group != "student" or not _has_mean_se(s):
            continue
        for staff in STAFF_GROUPS:
            t = whole.get((school_id, staff, topic))
            if t is None or not _has_mean_se(t):
                continue
            d, se, lo, hi = _diff(s, t)
            ls, lt = _level(s), _level(t)
            if not _excludes_zero(lo, hi) or ls == lt:
                continue
            staff_label = _group_label(staff).lower()
            evidence = (f"Students rate {_topic_label(topic)} at {_score_text(s)}, {_level_label(ls)}, while "
                        f"{staff_label} rate it at {_score_text(t)}, {_level_label(lt)}. The difference of "
                        f"{_f(abs(d))} points has a 95% interval of {_f(min(abs(lo), abs(hi)))}-"
                        f"{_f(max(abs(lo), abs(hi)))}, which excludes zero.")
            numbers = {**_cell_numbers("student_", s), **_cell_numbers("staff_", t), "staff_group": staff,
                       "student_level": ls, "staff_level": lt, "difference": d, "difference_se": se,
                       "difference_ci_low": lo, "difference_ci_high": hi}
            try:
                questions = g.topic(topic).discussion_questions
            except KeyError:
                questions = ()
            out.append(Recommendation(
                kind="student_staff_disagree", severity=0.5 + _near_bound(lo, hi) / 50.0, topic=topic,
                group="student", evidence=evidence, numbers=numbers,
                steps=_known_steps(g, RULE_STEPS["student_staff_disagree"]), strategies=(),
                key=f"student_staff_disagree:{staff}:{topic}", school_id=school_id, questions=tuple(questions)))
    return out


def _rule_low_response(response_rates: Mapping[str, tuple[int, int]], school_id, min_rate: float,
                       min_parent_rate: float, g: Guidance) -> list[Recommendation]:
    out = []
    for group in RESPONDENT_GROUPS:
        if group not in response_rates:
            continue
        submitted, enrollment = response_rates[group]
        if not enrollment or enrollment <= 0:
            continue
        threshold = min_parent_rate if group == "parent" else min_rate
        rate = submitted / enrollment
        if rate >= threshold:
            continue
        label = _group_label(group).lower()
        evidence = (f"Only {submitted} of {enrollment} {label} submitted the survey ({rate:.0%}), below the "
                    f"{threshold:.0%} needed before results can be taken to represent the school.")
        out.append(Recommendation(
            kind="low_response", severity=0.5 + 2.0 * (threshold - rate) / threshold, topic=None, group=group,
            evidence=evidence,
            numbers={"submitted": submitted, "enrollment": enrollment, "rate": rate, "minimum_rate": threshold},
            steps=_known_steps(g, RULE_STEPS["low_response"]), strategies=(), key=f"low_response:{group}",
            school_id=school_id))
    return out


def _sort_key(r: Recommendation):
    group_rank = RESPONDENT_GROUPS.index(r.group) if r.group in RESPONDENT_GROUPS else len(RESPONDENT_GROUPS)
    topic_rank = TOPICS.index(r.topic) if r.topic in TOPICS else len(TOPICS)
    return (-round(r.severity, 9), KINDS.index(r.kind), group_rank, topic_rank, r.key)


def recommend(school_cells: list[dict], district_cells: list[dict] | None = None,
              previous_cells: list[dict] | None = None,
              response_rates: dict[str, tuple[int, int]] | None = None,
              guidance: Guidance | None = None,
              min_response_rate: float = DEFAULT_MIN_RESPONSE_RATE,
              min_parent_response_rate: float = DEFAULT_MIN_PARENT_RESPONSE_RATE) -> list[Recommendation]:
    """Ranked recommendations for one school (or for the district, when every cell has
    school_id None).

    school_cells / previous_cells: result cells of one school, this and the previous
    administration; district_cells: the district's cells (school_id None), only quoted as
    context next to a Least Favorable school score; response_rates: group -> (submitted,
    enrollment). Cells have the keys school_id, group, measure_kind, measure, subgroup,
    subgroup_value, suppressed, n, mean, se, ci_low, ci_high, level, pct_levels, counts, pct,
    pct_favourable. Only measure_kind "topic" cells are used by the score rules.

    Raises ValueError when school_cells mix several schools (keys are per school)."""
    g = guidance if guidance is not None else default_guidance()
    school_ids = {c.get("school_id") for c in school_cells}
    if len(school_ids) > 1:
        raise ValueError(f"school_cells mix several schools: {sorted(school_ids, key=str)}")
    school_id = next(iter(school_ids)) if school_ids else None
    whole = _whole_group_index(school_cells)
    district = _whole_group_index(c for c in (district_cells or []) if c.get("school_id") is None)
    previous = _whole_group_index(c for c in (previous_cells or []) if c.get("school_id") == school_id)

    recs: list[Recommendation] = []
    recs += _rule_least_favorable(whole, district, g)
    recs += _rule_subgroup_gap(school_cells, g)
    recs += _rule_decline(whole, previous, g)
    recs += _rule_disagree(whole, g)
    recs += _rule_low_response(response_rates or {}, school_id, min_response_rate, min_parent_response_rate, g)
    return sorted(recs, key=_sort_key)


# --------------------------------------------------------------------------- SRO action items

SRO_RATINGS = ("met", "partly", "not_met", "not_applicable")
SRO_DISCIPLINE_ITEM = "S_SRO_DISC"
SRO_EVIDENCE_TOPICS = ("discipline", "emotional_safety")


@dataclass(frozen=True)
class SroActionItem:
    criterion_id: str
    step_id: str  # SEC-n
    text: str
    rating: str  # "not_met" | "partly" | "not_assessed"
    priority: int  # 1 = do first
    evidence: str | None
    key: str
    assessed: bool = True  # False: the criterion was not answered in the assessment
    checklist: str = ""  # "start" | "improve"


def _sro_survey_evidence(school_cells: list[dict]) -> tuple[str | None, dict[str, Any]]:
    """Sentences (with numbers) showing students see officers drawn into discipline, or None."""
    sentences: list[str] = []
    numbers: dict[str, Any] = {}
    whole = _whole_group_index(school_cells)
    for topic in SRO_EVIDENCE_TOPICS:
        for (_, group, t), c in whole.items():
            if group == "student" and t == topic and _has_mean(c) and _level(c) == "least_favorable":
                sentences.append(f"{_possessive('student')} {_topic_label(topic)} score is {_score_text(c)}, "
                                 f"in the {_level_label('least_favorable')} range (below {_f(CUT_SCORES[0])}).")
                numbers[f"{topic}_mean"] = c["mean"]
    for c in school_cells:
        if (c.get("measure_kind") == "item" and c.get("measure") == SRO_DISCIPLINE_ITEM
                and c.get("subgroup") is None and not c.get("suppressed") and c.get("pct_favourable") is not None
                and c["pct_favourable"] < 50):
            sentences.append(f"Only {c['pct_favourable']:.0f}% of students answered favourably on whether officers "
                             f"stay out of ordinary school discipline ({SRO_DISCIPLINE_ITEM}), so most students see "
                             f"officers involved in discipline.")
            numbers[f"{SRO_DISCIPLINE_ITEM}_pct_favourable"] = c["pct_favourable"]
            break
    return (" ".join(sentences) if sentences else None), numbers


def sro_action_items(assessment: dict[str, str], has_sro: bool, school_cells: list[dict],
                     guidance: Guidance | None = None) -> list[SroActionItem]:
    """Turn a SECURe checklist assessment into ranked action items.

    Criteria rated "not_met" or "partly" become items ("partly" ranks below "not_met");
    "met" and "not_applicable" do not. Criteria missing from the assessment are listed last,
    with rating "not_assessed" and assessed=False. When has_sro and the survey shows students
    see officers drawn into discipline (the student whole-group Discipline or Emotional safety
    score is Least Favorable, or fewer than 50% answer S_SRO_DISC favourably), unmet criteria
    that keep officers out of discipline, then training criteria, come first and carry the
    evidence text. Order within a band follows the guidance files. Raises ValueError for an
    unknown criterion id or rating."""
    g = guidance if guidance is not None else default_guidance()
    known = {c.id for c in g.criteria()}
    problems = [f"unknown criterion id '{k}'" for k in assessment if k not in known]
    problems += [f"criterion {k}: unknown rating '{v}' (expected one of {', '.join(SRO_RATINGS)})"
                 for k, v in assessment.items() if k in known and v not in SRO_RATINGS]
    if problems:
        raise ValueError("\n".join(problems))

    evidence, _ = _sro_survey_evidence(school_cells) if has_sro else (None, {})
    ranked: list[tuple[tuple, SroActionItem]] = []
    for order, c in enumerate(g.criteria()):
        rating = assessment.get(c.id)
        if rating in ("met", "not_applicable"):
            continue
        flagged = evidence is not None and (c.keeps_out_of_discipline or c.training)
        if rating is None:
            band, sub = 4, 0
        elif flagged:
            band, sub = (0 if rating == "not_met" else 1), (0 if c.keeps_out_of_discipline else 1)
        else:
            band, sub = (2 if rating == "not_met" else 3), 0
        item = SroActionItem(criterion_id=c.id, step_id=c.step_id, text=c.text,
                             rating=rating or "not_assessed", priority=0,
                             evidence=evidence if flagged and rating is not None else None,
                             key=f"sro:{c.id}", assessed=rating is not None, checklist=c.checklist)
        ranked.append(((band, sub, order), item))
    ranked.sort(key=lambda t: t[0])
    return [SroActionItem(**{**item.__dict__, "priority": i}) for i, (_, item) in enumerate(ranked, 1)]
