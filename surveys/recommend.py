"""From scores to action: rules that turn group results into ranked recommendations.

Pure functions over the plain-dict result "cells" made by the scoring engine (see the keys in
`recommend`'s docstring) and the guidance loaded by `surveys.guidance`.

Rules (each produces zero or more `Recommendation`s):

1. least_favorable         a whole-group topic score below 300 (the Least Favorable level).
2. subgroup_gap            two visible subgroups of the same variable (same school, group,
                           topic) whose difference has a 95% interval that excludes 0
                           (surveys.stats.difference: diff +/- q*sqrt(se1^2 + se2^2), q from
                           Student's t when both cells carry n, else the normal 1.96).
3. decline                 a whole-group topic score lower than the previous administration's,
                           with the decline's 95% interval excluding 0.
4. student_staff_disagree  student vs instructional (or noninstructional) staff topic scores
                           that differ (95% interval excludes 0) AND sit in different levels.
5. low_response            submitted/enrollment below the minimum rate (0.5; 0.2 for parents).

Severity (higher = more urgent) is the strength of the evidence, so that a large group with a
clear deficit outranks a small group whose interval is 80 points wide:

    severity = distance / half-width * n / (n + 30)

where distance is how far the estimate lies beyond the cut (least_favorable: 300 - mean) or how
large the difference is (decline, subgroup_gap, student_staff_disagree: |difference|), half-width
is half its 95% interval (of the cell, or of the difference), and n is the respondents behind it
(the smaller side of a comparison). A severity of 1 with many respondents means the interval just
reaches the cut; the factor n / (n + 30) halves the weight of a 30-person group and keeps a
10-person group at a quarter. A cell without an interval gets severity 0 (surveys.evidence.strength).

    low_response            0.5 + 2 * (minimum rate - rate) / minimum rate      (0.5 .. 2.5)

Ties are broken by rule (in the order above), then respondent group, then topic (the
orders in surveys/domain.py), then key, so the output order is deterministic.

Privacy: a suppressed cell (or one without the numbers a rule needs) never takes part in a
rule, and evidence text only quotes numbers of the visible cells the rule used; nothing is
derived from totals.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from surveys.domain import CUT_SCORES, RESPONDENT_GROUPS, TOPICS
from surveys.evidence import (cell_numbers, group_label, has_mean, has_mean_se, known_steps, least_favorable_sentence,
                              half_width, level, level_label, possessive, smaller_n, strength, score_text, subgroup_label,
                              topic_label, topic_strategies, whole_group_index, fmt, is_topic_cell)
from surveys.guidance import Guidance, default_guidance
from surveys.stats import difference
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

# Why each rule points to its steps: one line under a recommendation, in place of the steps.
STEP_REASONS: dict[str, str] = {
    "least_favorable": "A Least Favorable score calls for choosing, planning and carrying out interventions "
                       "for this topic",
    "subgroup_gap": "A gap between subgroups calls for reading the results by subgroup and item, alongside "
                    "school records",
    "decline": "A decline calls for comparing with the last administration and checking what is in place",
    "student_staff_disagree": "When students and staff see the school differently, listening sessions with "
                              "both come first",
    "low_response": "Too few answers call for reaching those who did not respond before drawing conclusions",
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


# --------------------------------------------------------------------------- rules


def _rule_least_favorable(whole: dict, district: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for (school_id, group, topic), c in whole.items():
        if not has_mean(c) or level(c) != "least_favorable":
            continue
        evidence = least_favorable_sentence(group, topic, c, CUT_SCORES[0])
        numbers = cell_numbers("", c)
        numbers["cut_score"] = CUT_SCORES[0]
        d = district.get((None, group, topic))
        if d is not None and has_mean(d):
            evidence += f" The district's score for {group_label(group).lower()} is {score_text(d)}."
            numbers.update(cell_numbers("district_", d))
        out.append(Recommendation(
            kind="least_favorable", severity=strength(CUT_SCORES[0] - c["mean"], half_width(c), c.get("n")),
            topic=topic, group=group, evidence=evidence, numbers=numbers, steps=known_steps(g, RULE_STEPS["least_favorable"]),
            strategies=topic_strategies(g, topic, ("universal", "targeted")),
            key=f"least_favorable:{group}:{topic}", school_id=school_id))
    return out


def _rule_subgroup_gap(cells: list[Mapping], g: Guidance) -> list[Recommendation]:
    by: dict[tuple, list[Mapping]] = {}
    for c in cells:
        if is_topic_cell(c) and c.get("subgroup") is not None and has_mean_se(c):
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
                d = difference(high, low)
                if not d.significant:
                    continue
                gap, se, lo, hi = d.diff, d.se, d.lower, d.upper
                lv, hv = str(low["subgroup_value"]), str(high["subgroup_value"])
                evidence = (f"{possessive(group)} {topic_label(topic)} score is {score_text(low)} for "
                            f"{subgroup_label(variable, lv)} and {score_text(high)} for "
                            f"{subgroup_label(variable, hv)}. The gap of {fmt(gap)} points has a 95% interval "
                            f"of {fmt(lo)}-{fmt(hi)}, which excludes zero.")
                numbers = {"variable": variable, "low_value": lv, "high_value": hv, **cell_numbers("low_", low),
                           **cell_numbers("high_", high), "gap": gap, "gap_se": se, "gap_ci_low": lo,
                           "gap_ci_high": hi}
                a_v, b_v = sorted([lv, hv])
                out.append(Recommendation(
                    kind="subgroup_gap", severity=strength(gap, d.half, smaller_n(low, high)), topic=topic,
                    group=group, evidence=evidence, numbers=numbers, steps=known_steps(g, RULE_STEPS["subgroup_gap"]),
                    strategies=topic_strategies(g, topic, ("targeted",)),
                    key=f"subgroup_gap:{group}:{topic}:{variable}:{a_v}|{b_v}", school_id=school_id))
    return out


def _rule_decline(whole: dict, previous: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for k, cur in whole.items():
        prev = previous.get(k)
        if prev is None or not has_mean_se(cur) or not has_mean_se(prev):
            continue
        d = difference(prev, cur)
        if not d.lower > 0:
            continue
        decline, se, lo, hi = d.diff, d.se, d.lower, d.upper
        school_id, group, topic = k
        evidence = (f"{possessive(group)} {topic_label(topic)} score fell from {score_text(prev)} in the "
                    f"previous administration to {score_text(cur)}. The decline of {fmt(decline)} points has a "
                    f"95% interval of {fmt(lo)}-{fmt(hi)}, which excludes zero.")
        numbers = {**cell_numbers("previous_", prev), **cell_numbers("", cur), "decline": decline,
                   "decline_se": se, "decline_ci_low": lo, "decline_ci_high": hi}
        out.append(Recommendation(
            kind="decline", severity=strength(decline, d.half, smaller_n(prev, cur)), topic=topic, group=group,
            evidence=evidence, numbers=numbers, steps=known_steps(g, RULE_STEPS["decline"]), strategies=(),
            key=f"decline:{group}:{topic}", school_id=school_id))
    return out


def _rule_disagree(whole: dict, g: Guidance) -> list[Recommendation]:
    out = []
    for (school_id, group, topic), s in whole.items():
        if group != "student" or not has_mean_se(s):
            continue
        for staff in STAFF_GROUPS:
            t = whole.get((school_id, staff, topic))
            if t is None or not has_mean_se(t):
                continue
            diff = difference(s, t)
            ls, lt = level(s), level(t)
            if not diff.significant or ls == lt:
                continue
            d, se, lo, hi = diff.diff, diff.se, diff.lower, diff.upper
            staff_label = group_label(staff).lower()
            evidence = (f"Students rate {topic_label(topic)} at {score_text(s)}, {level_label(ls)}, while "
                        f"{staff_label} rate it at {score_text(t)}, {level_label(lt)}. The difference of "
                        f"{fmt(abs(d))} points has a 95% interval of {fmt(min(abs(lo), abs(hi)))}-"
                        f"{fmt(max(abs(lo), abs(hi)))}, which excludes zero.")
            numbers = {**cell_numbers("student_", s), **cell_numbers("staff_", t), "staff_group": staff,
                       "student_level": ls, "staff_level": lt, "difference": d, "difference_se": se,
                       "difference_ci_low": lo, "difference_ci_high": hi}
            try:
                questions = g.topic(topic).discussion_questions
            except KeyError:
                questions = ()
            out.append(Recommendation(
                kind="student_staff_disagree", severity=strength(abs(d), diff.half, smaller_n(s, t)), topic=topic,
                group="student", evidence=evidence, numbers=numbers,
                steps=known_steps(g, RULE_STEPS["student_staff_disagree"]), strategies=(),
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
        label = group_label(group).lower()
        evidence = (f"Only {submitted} of {enrollment} {label} submitted the survey ({rate:.0%}), below the "
                    f"{threshold:.0%} needed before results can be taken to represent the school.")
        out.append(Recommendation(
            kind="low_response", severity=0.5 + 2.0 * (threshold - rate) / threshold, topic=None, group=group,
            evidence=evidence,
            numbers={"submitted": submitted, "enrollment": enrollment, "rate": rate, "minimum_rate": threshold},
            steps=known_steps(g, RULE_STEPS["low_response"]), strategies=(), key=f"low_response:{group}",
            school_id=school_id))
    return out


def _sort_key(r: Recommendation):
    group_rank = RESPONDENT_GROUPS.index(r.group) if r.group in RESPONDENT_GROUPS else len(RESPONDENT_GROUPS)
    topic_rank = TOPICS.index(r.topic) if r.topic in TOPICS else len(TOPICS)
    return (-round(r.severity, 9), KINDS.index(r.kind), group_rank, topic_rank, r.key)


def steps_to_recommendations(recs: list[Recommendation]) -> list[tuple[str, list[Recommendation]]]:
    """Each Quick Guide step the recommendations point to, once, with the recommendations that
    point to it: [(step id, [recommendation, ...])], steps in the order the ranked recommendations
    first name them (so the steps of the most urgent come first)."""
    by_step: dict[str, list[Recommendation]] = {}
    for r in recs:
        for step in r.steps:
            by_step.setdefault(step, []).append(r)
    return list(by_step.items())


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
    whole = whole_group_index(school_cells)
    district = whole_group_index(c for c in (district_cells or []) if c.get("school_id") is None)
    previous = whole_group_index(c for c in (previous_cells or []) if c.get("school_id") == school_id)

    recs: list[Recommendation] = []
    recs += _rule_least_favorable(whole, district, g)
    recs += _rule_subgroup_gap(school_cells, g)
    recs += _rule_decline(whole, previous, g)
    recs += _rule_disagree(whole, g)
    recs += _rule_low_response(response_rates or {}, school_id, min_response_rate, min_parent_response_rate, g)
    return sorted(recs, key=_sort_key)
