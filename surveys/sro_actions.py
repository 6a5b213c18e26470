"""SRO action items: a school's SECURe checklist assessment, ranked, with survey evidence that
students see officers drawn into discipline moving the discipline and training criteria first."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from surveys.domain import CUT_SCORES
from surveys.evidence import has_mean, least_favorable_sentence, level, whole_group_index
from surveys.guidance import Guidance, default_guidance

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
    whole = whole_group_index(school_cells)
    for topic in SRO_EVIDENCE_TOPICS:
        for (_, group, t), c in whole.items():
            if group == "student" and t == topic and has_mean(c) and level(c) == "least_favorable":
                sentences.append(least_favorable_sentence("student", topic, c, CUT_SCORES[0]))
                numbers[f"{topic}_mean"] = c["mean"]
    for c in school_cells:
        if (c.get("measure_kind") == "item" and c.get("measure") == SRO_DISCIPLINE_ITEM
                and c.get("subgroup") is None and not c.get("suppressed") and c.get("pct_favourable") is not None
                and c["pct_favourable"] < 50):
            sentences.append(f"Only {c['pct_favourable']:.0f}% of students answered favorably on whether officers "
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
