"""Districts, schools, staff accounts and the sign-in and code-entry throttle."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .common import utcnow


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
    """Counted attempts per key (sign-in account and client, code-entry client), shared by every
    worker. Times are epoch seconds so the atomic upserts of `climate.throttle` do their
    arithmetic in SQL alike on SQLite and PostgreSQL."""
    __tablename__ = "throttle"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[float] = mapped_column(Float)
    blocked_until: Mapped[float] = mapped_column(Float)  # no attempt is evaluated before it
    last_value: Mapped[str | None] = mapped_column(String(16))  # keyed digest of the last counted value
    last_at: Mapped[float] = mapped_column(Float)
