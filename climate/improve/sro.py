"""The SRO (SECURe) self-assessment: a school's own ratings and the district-wide ones they fall
back to, saving a checklist, and the action items that follow from it and the survey results."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from surveys.guidance import default_guidance
from surveys.sro_actions import SRO_RATINGS, sro_action_items

from surveys.sro_actions import PRESENT_MAJORITY, SRO_EVIDENCE_TOPICS
from surveys.evidence import cell_numbers
from surveys.domain import CUT_SCORES
from surveys.scales import level_name
from surveys.sro_evidence import findings, presence_share

from .. import results
from ..extensions import db
from ..reports.sro import finding_text, sro_section
from .recommendations import DistrictResults, least_favorable_text, low_safety_cells, whole_cell
from ..models import School, SroAssessment, SroRating

RATING_LABELS = {"met": _l("Met"), "partly": _l("Partly met"), "not_met": _l("Not met"),
                 "not_applicable": _l("Not applicable"), "not_assessed": _l("Not rated")}
CHECKLIST_LABELS = {"start": _l("To start (a new partnership, or an audit of one)"),
                    "improve": _l("To improve (strengthen an existing partnership)")}


def assessment(district_id: int, school_id: int | None) -> SroAssessment | None:
    """The saved checklist of a school, or the district-wide one (school_id None)."""
    query = select(SroAssessment).where(SroAssessment.district_id == district_id)
    query = query.where(SroAssessment.school_id.is_(None) if school_id is None else SroAssessment.school_id == school_id)
    return db.session.scalar(query)


@dataclass
class EffectiveAssessment:
    """A school's own ratings, falling back to the district-wide ones for criteria it has not rated."""
    own: SroAssessment | None
    district: SroAssessment | None
    ratings: dict[str, str] = field(default_factory=dict)     # criterion -> rating
    notes: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)      # criterion -> "school" | "district"
    has_sro: bool = False
    mou_date: dt.date | None = None
    basics_source: str | None = None                          # where has_sro/mou_date come from

    @property
    def exists(self) -> bool:
        return self.own is not None or self.district is not None

    def gaps(self) -> list[str]:
        return [c for c, r in self.ratings.items() if r in ("not_met", "partly")]


def effective_assessment(school: School) -> EffectiveAssessment:
    own = assessment(school.district_id, school.id)
    district = assessment(school.district_id, None)
    eff = EffectiveAssessment(own, district)
    for scope, saved in (("district", district), ("school", own)):
        if saved is None:
            continue
        for r in saved.ratings:
            eff.ratings[r.criterion_id] = r.rating
            eff.notes[r.criterion_id] = r.notes or ""
            eff.source[r.criterion_id] = scope
    basics = own or district
    if basics is not None:
        eff.has_sro, eff.mou_date = bool(basics.has_sro), basics.mou_date
        eff.basics_source = "school" if own is not None else "district"
    return eff


def school_action_items(school: School, eff: EffectiveAssessment, cells: list[dict], district_cells=()):
    """SECURe action items from the effective assessment and the school's survey results (the
    district's SRO item cells for the comparison): (the rated items, how many criteria are not rated)."""
    if not eff.exists:
        return [], 0
    known = {c.id for c in default_guidance().criteria()}
    ratings = {k: v for k, v in eff.ratings.items() if k in known and v in SRO_RATINGS}
    items = sro_action_items(ratings, eff.has_sro, cells, default_guidance(), district_cells)
    items = [replace(i, discipline=discipline_text(cells) or i.discipline) if i.discipline else i for i in items]
    rated = [i for i in items if i.assessed]
    return rated, len(items) - len(rated)


def discipline_text(cells: list[dict]) -> str | None:
    """Students' Least Favorable Discipline and Emotional safety scores in the reader's language: the
    sentence surveys.sro_actions writes in English for an item whose officers seem drawn into discipline."""
    sentences = []
    for topic in SRO_EVIDENCE_TOPICS:
        cell = whole_cell(cells, "student", topic)
        if cell is not None and not cell.get("suppressed") and cell.get("mean") is not None \
                and level_name(cell["mean"]) == "least_favorable":
            sentences.append(least_favorable_text("student", topic, cell_numbers("", cell), CUT_SCORES[0]))
    return " ".join(sentences) or None


def sro_district_cells(administration) -> list[dict]:
    """The district's whole-group item cells of an administration's current run (for the SRO findings)."""
    run = results.current_run(administration.id) if administration is not None else None
    return results.cells(run, school_id=None, measure_kind="item") if run is not None else []


def evidence_lines(item) -> list[str]:
    """What a SECURe action item shows as its survey evidence, in the reader's language where the
    sentence is the SRO module's."""
    return ([item.discipline] if item.discipline else []) + [finding_text(f) for f in item.findings]


def coincidences(district_id: int, schools: list[School]) -> list[dict]:
    """Schools where officers work (the checklist says so, or most students do in the survey) and
    at least two warning signs coincide: SRO-module concerns, students' or staff's Discipline or
    Emotional safety Least Favorable, SECURe criteria not met; most signs first.  Each school is
    read at its newest scored administration, from stored (gated) cells only."""
    district = DistrictResults(district_id)
    by_run: dict = {}
    rows = []
    for school in schools:
        admins = district.administrations(school)
        if not admins:
            continue
        administration = admins[0]
        if administration.id not in by_run:
            grouped: dict = defaultdict(list)
            for c in results.cells(results.current_run(administration.id), measure_kind="item"):
                grouped[c["school_id"]].append(c)
            by_run[administration.id] = grouped
        cells = by_run[administration.id]
        eff = effective_assessment(school)
        presence = presence_share(cells.get(school.id, []))
        checklist = eff.exists and eff.has_sro
        if not (checklist or (presence or 0) > PRESENT_MAJORITY):
            continue
        concerns = [f for f in findings(cells.get(school.id, []), cells.get(None, [])) if f.concern]
        low = [x for x in low_safety_cells(district.school_results(school, administration))
               if x[0] in SRO_EVIDENCE_TOPICS]
        gaps = eff.gaps()
        signals = bool(concerns) + bool(low) + bool(gaps)
        if signals >= 2:
            rows.append({"school": school, "administration": administration, "checklist": checklist,
                         "presence": presence, "concerns": [finding_text(f) for f in concerns], "low": low,
                         "gaps": len(gaps), "signals": signals})
    rows.sort(key=lambda r: (-r["signals"], r["school"].name))
    return rows


def district_sro_section(district_id: int) -> dict | None:
    """The SRO section of the district's newest scored administration, or None."""
    scored = results.scored_administrations(district_id)
    if not scored:
        return None
    section = sro_section(scored[0], results.current_run(scored[0].id), None)
    return {**section, "administration": scored[0]} if section else None


def sro_item_title(item) -> str:
    return f"SECURe {item.criterion_id}: {item.text}"


def can_edit_sro(school: School | None) -> bool:
    if current_user.is_district_staff:
        return True
    return school is not None and school.id in {s.id for s in current_user.schools}


def save_sro(district_id: int, school_id: int | None, data: dict) -> SroAssessment:
    """Store a checked checklist ({"has_sro", "mou_date", "ratings": {id: (rating, notes)}});
    a criterion left out is no longer rated."""
    saved = assessment(district_id, school_id)
    if saved is None:
        saved = SroAssessment(district_id=district_id, school_id=school_id)
        db.session.add(saved)
    saved.has_sro, saved.mou_date = data["has_sro"], data["mou_date"]
    existing = {r.criterion_id: r for r in saved.ratings}
    for cid, row in existing.items():
        if cid not in data["ratings"]:
            saved.ratings.remove(row)
    for cid, (rating, notes) in data["ratings"].items():
        row = existing.get(cid)
        if row is None:
            saved.ratings.append(SroRating(criterion_id=cid, rating=rating, notes=notes))
        else:
            row.rating, row.notes = rating, notes
    saved.updated_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    db.session.commit()
    return saved


def saved_values(own: SroAssessment | None) -> dict:
    """What the checklist form shows for a saved assessment (or a blank one)."""
    if own is None:
        return {"has_sro": "no", "mou_date": "", "ratings": {}, "notes": {}}
    return {"has_sro": "yes" if own.has_sro else "no", "mou_date": own.mou_date.isoformat() if own.mou_date else "",
            "ratings": {r.criterion_id: r.rating for r in own.ratings},
            "notes": {r.criterion_id: r.notes or "" for r in own.ratings}}
