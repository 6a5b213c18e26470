"""Administrations, their respondent groups and schools, access codes, open links, responses and
answers. A response carries no name, student id, IP address or user agent; its times are dates
only."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import GROUP_CHECK, utcnow

if TYPE_CHECKING:  # names in annotations; SQLAlchemy resolves them from its registry
    from .accounts import District, School


administration_school = db.Table(
    "administration_school",
    db.Column("administration_id", ForeignKey("administration.id", ondelete="CASCADE"), primary_key=True),
    db.Column("school_id", ForeignKey("school.id"), primary_key=True),
)


class Administration(db.Model):
    """One data collection: which schools and respondent groups answer which instruments, when."""
    __tablename__ = "administration"
    __table_args__ = (
        UniqueConstraint("district_id", "name", name="uq_administration_district_name"),
        CheckConstraint("opens_at < closes_at", name="window"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime)   # UTC
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    sro_module: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[dict] = mapped_column(JSON, default=dict)  # {respondent group: {"en": ..., "es": ...}}
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    district: Mapped[District] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=administration_school, order_by="School.name")
    groups: Mapped[list[AdministrationGroup]] = relationship(
        back_populates="administration", cascade="all, delete-orphan", order_by="AdministrationGroup.respondent_group")

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    def state(self, now: dt.datetime | None = None) -> str:
        now = now or utcnow()
        if now < self.opens_at:
            return "scheduled"
        return "open" if now < self.closes_at else "closed"

    def group(self, respondent_group: str) -> AdministrationGroup | None:
        return next((g for g in self.groups if g.respondent_group == respondent_group), None)


class AdministrationGroup(db.Model):
    """A respondent group in an administration, with the instrument version pinned as a snapshot."""
    __tablename__ = "administration_group"
    __table_args__ = (CheckConstraint(GROUP_CHECK, name="respondent_group"),)
    administration_id: Mapped[int] = mapped_column(
        ForeignKey("administration.id", ondelete="CASCADE"), primary_key=True)
    respondent_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    instrument_version: Mapped[str] = mapped_column(String(32))
    instrument: Mapped[dict] = mapped_column(JSON)           # Instrument.to_dict() at creation
    custom_items: Mapped[list] = mapped_column(JSON, default=list)

    administration: Mapped[Administration] = relationship(back_populates="groups")


class AccessCode(db.Model):
    """A random code that opens one response. Linked to no person."""
    __tablename__ = "access_code"
    __table_args__ = (
        CheckConstraint(GROUP_CHECK, name="respondent_group"),
        CheckConstraint("status IN ('issued', 'started', 'opted_out', 'submitted')", name="status"),
        Index("ix_access_code_admin_school_group", "administration_id", "school_id", "respondent_group"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    respondent_group: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="issued")  # issued | open_link
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_on: Mapped[dt.date] = mapped_column(Date)

    administration: Mapped[Administration] = relationship()
    school: Mapped[School] = relationship()


class OpenLink(db.Model):
    """One shareable link per school and group; each visitor gets a fresh one-time code."""
    __tablename__ = "open_link"
    __table_args__ = (
        UniqueConstraint("administration_id", "school_id", "respondent_group", name="uq_open_link_target"),
        CheckConstraint(GROUP_CHECK, name="respondent_group"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    respondent_group: Mapped[str] = mapped_column(String(32))

    administration: Mapped[Administration] = relationship()
    school: Mapped[School] = relationship()


class Response(db.Model):
    """One respondent's answers; at most one per access code, enforced by the unique key."""
    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(GROUP_CHECK, name="respondent_group"),
        CheckConstraint("status IN ('in_progress', 'submitted', 'incomplete')", name="status"),
        Index("ix_response_admin_school_group", "administration_id", "school_id", "respondent_group"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    access_code_id: Mapped[int] = mapped_column(ForeignKey("access_code.id", ondelete="CASCADE"), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    respondent_group: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="en")
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_on: Mapped[dt.date] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Answer(db.Model):
    """One answer: the stored value of one item (1-4 in display order, option value, or bitmask)."""
    __tablename__ = "answer"
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
