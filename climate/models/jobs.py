"""Background jobs (scoring) with leases, and the record of each imported file."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .common import GROUP_CHECK, utcnow

if TYPE_CHECKING:  # names in annotations; SQLAlchemy resolves them from its registry
    from .accounts import School, User
    from .administrations import Administration
    from .results import ScoringRun


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
