"""Staff accounts: checking a sign-in against the failure throttle, and the district's schools
and principal accounts as the routes change them."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import throttle
from ..extensions import db
from ..models import School, User
from .forms import PrincipalForm, SchoolForm

# A hash to check against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = None

SCHOOL_FIELDS = ("level", "grade_low", "grade_high", "enrollment_student", "enrollment_instructional_staff",
                 "enrollment_noninstructional_staff", "enrollment_parent")


# --- sign-in ----------------------------------------------------------------------------------

@dataclass
class SignIn:
    """The outcome of a sign-in attempt: the account, or the message and status to show."""
    user: User | None
    error: str | None = None
    status: int = 200


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: a sign-in never sends anyone away."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _dummy_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")
    check_password_hash(_DUMMY_HASH, password)


def authenticate(email: str, password: str, client: str) -> SignIn:
    """Check an e-mail and password. Failures count against both the account and the client
    address; either one blocked refuses the attempt without checking the password."""
    email = email.strip().lower()
    # The lockout counts per account and client, so a stranger's guesses cannot lock the owner
    # out of their own computer; the client key slows spraying over many accounts, the account
    # key (a much higher limit) guessing one account from many addresses.
    pair_key = throttle.throttle_key("signin", f"{email}\n{client}")
    client_key = throttle.throttle_key("signin-client", client)
    account_key = throttle.throttle_key("signin-account", email)
    wait = max(throttle.wait_for(key) for key in (pair_key, client_key, account_key))
    if wait:
        minutes = max(1, round(wait / 60))
        return SignIn(None, ngettext("Too many failed sign-ins. Please wait about %(num)d minute and try again.",
                                     "Too many failed sign-ins. Please wait about %(num)d minutes and try again.",
                                     minutes), 429)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None and user.active and user.check_password(password):
        throttle.clear(pair_key)
        return SignIn(user)
    if user is None:
        _dummy_check(password)
    cfg = current_app.config
    base = cfg["SIGNIN_MAX_FAILURES"]
    for key, limit in ((pair_key, base), (client_key, base * 4), (account_key, base * 20)):
        throttle.record_failure(key, limit, cfg["SIGNIN_BLOCK_SECONDS"])
    return SignIn(None, _("That e-mail and password do not match an account."), 401)


def end_all_sessions(user: User) -> None:
    """Sign the account out everywhere: every session id carries the old version."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.commit()


# --- the district's schools and principals ----------------------------------------------------

def new_password() -> str:
    """A random first password to hand to the account holder, who should change it."""
    return secrets.token_urlsafe(12)


def own_school(school_id: int) -> School:
    """A school of the signed-in account's district, else 404."""
    school = db.session.get(School, school_id)
    if school is None or school.district_id != current_user.district_id:
        abort(404)
    return school


def own_principal(user_id: int) -> User:
    """A principal account of the signed-in account's district, else 404."""
    user = db.session.get(User, user_id)
    if user is None or user.district_id != current_user.district_id or user.role != "principal":
        abort(404)
    return user


def district_principals() -> list[User]:
    return db.session.scalars(select(User).where(
        User.district_id == current_user.district_id, User.role == "principal").order_by(User.email)).all()


def fill_school(school: School, form: SchoolForm) -> None:
    school.name = form.name.data.strip()
    school.nces_id = form.nces_id.data or None
    for field in SCHOOL_FIELDS:
        setattr(school, field, getattr(form, field).data)


def fill_principal(user: User, form: PrincipalForm) -> None:
    user.email = form.email.data.strip().lower()
    user.active = form.active.data
    user.schools = [own_school(i) for i in form.schools.data]
