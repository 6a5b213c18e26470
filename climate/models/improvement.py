"""SECURe SRO self-assessments, action plans and parental opt-out counts."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import GROUP_CHECK, utcnow

if TYPE_CHECKING:  # names in annotations; SQLAlchemy resolves them from its registry
    from .administrations import Administration


class SroAssessment(db.Model):
    """A SECURe checklist review for one school, or district-wide (school_id None)."""
    __tablename__ = "sro_assessment"
    __table_args__ = (UniqueConstraint("district_id", "school_id", name="uq_sro_assessment_scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    has_sro: Mapped[bool] = mapped_column(Boolean, default=False)
    mou_date: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    ratings: Mapped[list[SroRating]] = relationship(cascade="all, delete-orphan")


class SroRating(db.Model):
    __tablename__ = "sro_rating"
    __table_args__ = (
        CheckConstraint("rating IN ('met', 'partly', 'not_met', 'not_applicable')", name="rating"),
    )
    assessment_id: Mapped[int] = mapped_column(ForeignKey("sro_assessment.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    rating: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")


class PlanItem(db.Model):
    """One entry of a school's action plan for an administration (a school year): a recommended
    step, an SRO action item, or the school's own item. Own items name a topic and respondent group
    so that monitoring follows them like the others; a carried item links to the item it continues."""
    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("school_id", "administration_id", "ref", name="uq_plan_item_plan_ref"),
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name="status"),
        CheckConstraint("kind IN ('recommendation', 'sro', 'own')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administration.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # recommendation | sro | own
    ref: Mapped[str] = mapped_column(String(120))   # the recommendation or action item key; own:<random>
    title: Mapped[str] = mapped_column(String(300))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    respondent_group: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    notes: Mapped[str] = mapped_column(Text, default="")
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    administration: Mapped[Administration | None] = relationship()
    carried_from: Mapped[PlanItem | None] = relationship(remote_side=[id])


class OptOut(db.Model):
    """How many parents opted their children out (PPRA) of one administration at a school, as a count
    with no names: that many codes are withheld and the response rate's base shrinks by as many."""
    __tablename__ = "opt_out"
    __table_args__ = (CheckConstraint("opted_out >= 0", name="opted_out"),
                      CheckConstraint(GROUP_CHECK, name="respondent_group"))
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"),
                                                   primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    respondent_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
