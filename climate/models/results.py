"""Calibrations, scoring runs (the published revisions), person scale scores, stored group
results, and the record of restricted-export downloads."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .common import GROUP_CHECK, utcnow


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



class ExportDownload(db.Model):
    """A download of a restricted export (the full response file): who, when, which file."""
    __tablename__ = "export_download"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    user_email: Mapped[str] = mapped_column(String(254))
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administration.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    downloaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
