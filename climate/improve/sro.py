"""The SRO (SECURe) self-assessment: a school's own ratings and the district-wide ones they fall
back to, saving a checklist, and the action items that follow from it and the survey results."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import select

from surveys.guidance import default_guidance
from surveys.sro_actions import SRO_RATINGS, sro_action_items

from ..extensions import db
from ..models import School, SroAssessment, SroRating

RATING_LABELS = {"met": "Met", "partly": "Partly met", "not_met": "Not met", "not_applicable": "Not applicable",
                 "not_assessed": "Not rated"}
CHECKLIST_LABELS = {"start": "To start (a new partnership, or an audit of one)",
                    "improve": "To improve (strengthen an existing partnership)"}


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


def school_action_items(school: School, eff: EffectiveAssessment, cells: list[dict]):
    """SECURe action items from the effective assessment and the school's survey results:
    (the rated items, how many criteria are not rated)."""
    if not eff.exists:
        return [], 0
    known = {c.id for c in default_guidance().criteria()}
    ratings = {k: v for k, v in eff.ratings.items() if k in known and v in SRO_RATINGS}
    items = sro_action_items(ratings, eff.has_sro, cells, default_guidance())
    rated = [i for i in items if i.assessed]
    return rated, len(items) - len(rated)


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
