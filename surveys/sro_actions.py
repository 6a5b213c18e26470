"""SRO action items: a school's SECURe checklist assessment, ranked with the survey's evidence.

Two kinds of evidence move a criterion up.  The SRO module's answers (surveys.sro_evidence): a
concern on an item that a criterion's SECURe step bears on (secure.yaml ``sro_items``) joins the
criterion, in plain words with the school's and the district's share.  And signs that officers
are drawn into discipline (students' Discipline or Emotional safety score Least Favorable, or a
concern on students' S_SRO_DISC) put the criteria that keep officers out of discipline, then the
training criteria, first."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.domain import CUT_SCORES
from surveys.evidence import has_mean, least_favorable_sentence, level, whole_group_index
from surveys.guidance import Guidance, default_guidance
from surveys.sro_evidence import Finding, findings, presence_share, step_findings

PRESENT_MAJORITY = 50  # students saying the school has an officer, in percent, that counts as presence

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
    findings: tuple[Finding, ...] = field(default=())  # the SRO-module concerns joined to the criterion
    discipline: str | None = None  # the topic scores' sentence, when officers seem drawn into discipline


def _sro_survey_evidence(school_cells: list[dict], found: list[Finding]) -> tuple[str | None, dict[str, Any]]:
    """Sentences (with numbers) showing students see officers drawn into discipline, or None."""
    sentences: list[str] = []
    numbers: dict[str, Any] = {}
    whole = whole_group_index(school_cells)
    for topic in SRO_EVIDENCE_TOPICS:
        for (_, group, t), c in whole.items():
            if group == "student" and t == topic and has_mean(c) and level(c) == "least_favorable":
                sentences.append(least_favorable_sentence("student", topic, c, CUT_SCORES[0]))
                numbers[f"{topic}_mean"] = c["mean"]
    for f in found:
        if f.item == SRO_DISCIPLINE_ITEM and f.concern:
            numbers[f"{SRO_DISCIPLINE_ITEM}_agree"] = f.agree
            return " ".join(sentences) or None, {**numbers, "discipline_item": f}
    return (" ".join(sentences) if sentences else None), numbers


def sro_action_items(assessment: dict[str, str], has_sro: bool, school_cells: list[dict],
                     guidance: Guidance | None = None, district_cells: list[dict] = ()) -> list[SroActionItem]:
    """Turn a SECURe checklist assessment into ranked action items.

    Criteria rated "not_met" or "partly" become items ("partly" ranks below "not_met");
    "met" and "not_applicable" do not. Criteria missing from the assessment are listed last,
    with rating "not_assessed" and assessed=False. Survey evidence counts only where officers
    work at the school (has_sro from the checklist, or most students say so in the survey):
    a criterion with evidence ranks above those without, in its rating. Within that band, when
    students see officers drawn into discipline (Discipline or Emotional safety Least Favorable,
    or an S_SRO_DISC concern), criteria that keep officers out of discipline come first, then
    training criteria; then criteria with more SRO-module concerns; then the guidance files'
    order. district_cells (the district's cells) let a finding compare with the district.
    Raises ValueError for an unknown criterion id or rating."""
    g = guidance if guidance is not None else default_guidance()
    known = {c.id for c in g.criteria()}
    problems = [f"unknown criterion id '{k}'" for k in assessment if k not in known]
    problems += [f"criterion {k}: unknown rating '{v}' (expected one of {', '.join(SRO_RATINGS)})"
                 for k, v in assessment.items() if k in known and v not in SRO_RATINGS]
    if problems:
        raise ValueError("\n".join(problems))

    present = has_sro or (presence_share(school_cells) or 0) > PRESENT_MAJORITY
    found = findings(school_cells, district_cells) if present else []
    discipline, numbers = _sro_survey_evidence(school_cells, found) if present else (None, {})
    drawn_in = discipline is not None or "discipline_item" in numbers
    ranked: list[tuple[tuple, SroActionItem]] = []
    for order, c in enumerate(g.criteria()):
        rating = assessment.get(c.id)
        if rating in ("met", "not_applicable"):
            continue
        joined = tuple(step_findings(g.secure_step(c.step_id).sro_items, found))
        on_discipline = drawn_in and (c.keeps_out_of_discipline or c.training)
        flagged = on_discipline or bool(joined)
        if rating is None:
            band, sub = 4, (0, 0)
        else:
            band = (0 if rating == "not_met" else 1) if flagged else (2 if rating == "not_met" else 3)
            first = (0 if c.keeps_out_of_discipline else 1) if on_discipline else 2
            sub = (first, -len(joined))
        parts = ([discipline] if on_discipline and discipline else []) + [f.sentence() for f in joined]
        item = SroActionItem(criterion_id=c.id, step_id=c.step_id, text=c.text,
                             rating=rating or "not_assessed", priority=0,
                             evidence=" ".join(parts) if parts and rating is not None else None,
                             key=f"sro:{c.id}", assessed=rating is not None, checklist=c.checklist,
                             findings=joined if rating is not None else (),
                             discipline=discipline if on_discipline and rating is not None else None)
        ranked.append(((band, *sub, order), item))
    ranked.sort(key=lambda t: t[0])
    return [SroActionItem(**{**item.__dict__, "priority": i}) for i, (_, item) in enumerate(ranked, 1)]
