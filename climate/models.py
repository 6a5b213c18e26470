"""Database models. The schema itself comes only from the Alembic migrations in migrations/;
a test checks that these models and the migrations agree.

Privacy rules built into the schema: a response carries no name, student id, IP address or
user agent, its times are dates only, and an access code is linked to no person.
"""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from surveys.domain import RESPONDENT_GROUPS

from .extensions import db


def utcnow() -> dt.datetime:
    """Naive UTC now; every stored date-time is UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


GROUP_CHECK = "respondent_group IN ({})".format(", ".join(f"'{g}'" for g in RESPONDENT_GROUPS))
SCHOOL_LEVELS = ("elementary", "middle", "high", "other")
ROLES = ("district_staff", "principal")


# --- accounts -----------------------------------------------------------------------------

class District(db.Model):
    __tablename__ = "district"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(db.Model):
    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("district_id", "name", name="uq_school_district_name"),
        CheckConstraint("level IN ('elementary', 'middle', 'high', 'other')", name="level"),
        CheckConstraint("grade_low <= grade_high", name="grades"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    nces_id: Mapped[str | None] = mapped_column(String(12), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    grade_low: Mapped[int] = mapped_column(Integer)   # 0 = kindergarten
    grade_high: Mapped[int] = mapped_column(Integer)
    enrollment_student: Mapped[int] = mapped_column(Integer, default=0)
    enrollment_instructional_staff: Mapped[int] = mapped_column(Integer, default=0)
    enrollment_noninstructional_staff: Mapped[int] = mapped_column(Integer, default=0)
    enrollment_parent: Mapped[int] = mapped_column(Integer, default=0)

    district: Mapped[District] = relationship(back_populates="schools")

    def enrollment(self, group: str) -> int:
        """How many people of a respondent group could answer: the base of the response rate."""
        return getattr(self, f"enrollment_{group}") or 0

    @property
    def grades_label(self) -> str:
        low = "K" if self.grade_low == 0 else str(self.grade_low)
        return f"{low}-{self.grade_high}"


user_school = db.Table(
    "user_school",
    db.Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    db.Column("school_id", ForeignKey("school.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A staff account: district staff see all schools of their district, a principal theirs."""
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('district_staff', 'principal')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session's id: raising it (sign-out, new password) ends all sessions at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    district: Mapped[District] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=user_school, order_by="School.name")

    def set_password(self, password: str) -> None:
        """A new password also ends every session signed in with the old one."""
        from flask import current_app
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:  # Flask-Login: what the session stores, checked by the user loader
        return f"{self.id}.{self.session_version}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_district_staff(self) -> bool:
        return self.role == "district_staff"

    def visible_school_ids(self) -> set[int]:
        """The schools whose data this account may read."""
        if self.is_district_staff:
            return {s.id for s in self.district.schools}
        return {s.id for s in self.schools}

    def can_see_school(self, school: School) -> bool:
        if school.district_id != self.district_id:
            return False
        return self.is_district_staff or school.id in {s.id for s in self.schools}


class Throttle(db.Model):
    """Failed attempts per key (sign-in e-mail, client fingerprint): shared by every worker."""
    __tablename__ = "throttle"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- administrations, access codes, responses ---------------------------------------------

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
    consent_text: Mapped[dict] = mapped_column(JSON, default=dict)  # {"en": ..., "es": ...}
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


# --- calibrations, scores, group results ----------------------------------------------------

class Calibration(db.Model):
    """Item thresholds and scale transforms for one respondent group's instrument."""
    __tablename__ = "calibration"
    __table_args__ = (CheckConstraint(GROUP_CHECK, name="respondent_group"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_group: Mapped[str] = mapped_column(String(32), index=True)
    instrument_version: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # provisional | administration
    provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administration.id", ondelete="SET NULL"))
    anchored_to_id: Mapped[int | None] = mapped_column(ForeignKey("calibration.id"))
    is_reference: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    thresholds: Mapped[dict] = mapped_column(JSON)   # item id -> [t1, t2, t3]
    transforms: Mapped[dict] = mapped_column(JSON)   # topic -> ScaleTransform.to_dict()
    statistics: Mapped[dict] = mapped_column(JSON, default=dict)  # fit, reliability, alpha


class ScoringRun(db.Model):
    """One scoring of an administration: a revision of its results. Published revisions are frozen;
    the current one is the latest published. A run whose disclosure audit failed is kept
    unpublished (revision and published_at None) with the audit's message."""
    __tablename__ = "scoring_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    calibrations: Mapped[dict] = mapped_column(JSON)  # respondent group -> calibration id
    min_n: Mapped[int] = mapped_column(Integer)
    n_scored: Mapped[int] = mapped_column(Integer, default=0)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | close | demo
    revision: Mapped[int | None] = mapped_column(Integer)          # 1, 2, ... per administration, when published
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    audit_message: Mapped[str | None] = mapped_column(Text)
    # the disclosure decision, for later revisions: [group, school, subgroup, value, respondents] rows,
    # [group, school, subgroup, value, reason] rows, and the response ids the revision covers
    cell_counts: Mapped[list | None] = mapped_column(JSON)
    hidden_cells: Mapped[list | None] = mapped_column(JSON)
    respondents: Mapped[list | None] = mapped_column(JSON)


class PersonScore(db.Model):
    """A respondent's topic and domain scale scores from one scoring run."""
    __tablename__ = "person_score"
    scoring_run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    # {"scale": [...], "theta": [...], "se": [...]} in climate.scoring.score_measures order, None = unscored
    scores: Mapped[dict] = mapped_column(JSON)


class GroupResult(db.Model):
    """One reported cell (school or district x group x measure x subgroup), as the disclosure gate
    let it through: a hidden cell keeps no number, only its reason and label."""
    __tablename__ = "group_result"
    __table_args__ = (
        Index("ix_group_result_lookup", "scoring_run_id", "school_id", "respondent_group"),
        # district-wide reads (comparison of schools): one measure of one group across all schools
        Index("ix_group_result_measure", "scoring_run_id", "respondent_group", "measure_kind", "measure"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scoring_run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))  # None = district
    respondent_group: Mapped[str] = mapped_column(String(32))
    measure_kind: Mapped[str] = mapped_column(String(8))  # topic | domain | item
    measure: Mapped[str] = mapped_column(String(40))
    subgroup: Mapped[str | None] = mapped_column(String(24))
    subgroup_value: Mapped[str | None] = mapped_column(String(40))
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    n: Mapped[int | None] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    se: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str | None] = mapped_column(String(20))
    pct_levels: Mapped[list | None] = mapped_column(JSON)
    counts: Mapped[list | None] = mapped_column(JSON)
    pct: Mapped[list | None] = mapped_column(JSON)
    pct_favourable: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(12))   # why hidden: fewer | complement | revision
    label: Mapped[str | None] = mapped_column(String(120))   # what pages say in place of a hidden cell

    CELL_KEYS = ("school_id", "group", "measure_kind", "measure", "subgroup", "subgroup_value", "suppressed",
                 "n", "mean", "se", "ci_low", "ci_high", "level", "pct_levels", "counts", "pct", "pct_favourable",
                 "reason", "label")


# --- improvement: SRO self-assessment and action plans ---------------------------------------

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
    """One entry of a school's action plan: a recommended step, strategy or SRO action item."""
    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("school_id", "ref", name="uq_plan_item_school_ref"),
        CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administration.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # recommendation | sro
    ref: Mapped[str] = mapped_column(String(120))   # the recommendation or action item key
    title: Mapped[str] = mapped_column(String(300))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    respondent_group: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# --- background jobs and imports -------------------------------------------------------------

JOB_STATES = ("queued", "running", "failed", "done")


class Job(db.Model):
    """A unit of background work (today: scoring an administration), run by `climate worker`.
    A worker claims a due job with a conditional UPDATE and holds it by a lease it renews while it
    runs; a job whose lease has expired (its worker died) is taken over by the next worker."""
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'failed', 'done')", name="state"),
        Index("ix_job_due", "state", "run_after"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="score")
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | close | demo
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    scoring_run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_run.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    scoring_run: Mapped[ScoringRun | None] = relationship()


class ImportRecord(db.Model):
    """One imported file: refuses the same bytes twice in an administration (the unique key is
    inserted in the same transaction as the rows) and knows its responses, so it can be undone."""
    __tablename__ = "import_record"
    __table_args__ = (
        UniqueConstraint("administration_id", "sha256", name="uq_import_record_file"),
        CheckConstraint(GROUP_CHECK, name="respondent_group"),
        CheckConstraint("state IN ('imported', 'undone')", name="state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administration.id", ondelete="CASCADE"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(32))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))  # None = each row names its school
    sha256: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))  # None = command line
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="imported")
    response_ids: Mapped[list] = mapped_column(JSON, default=list)

    administration: Mapped[Administration] = relationship()
    school: Mapped[School | None] = relationship()
    user: Mapped[User | None] = relationship()


class ExportDownload(db.Model):
    """A download of a restricted export (the full response file): who, when, which file."""
    __tablename__ = "export_download"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    user_email: Mapped[str] = mapped_column(String(254))
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administration.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    downloaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
