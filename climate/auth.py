"""Staff sign-in, sign-out and password change."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from . import throttle
from .extensions import db
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")

MIN_PASSWORD = 12
# A hash to check against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = None


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    new = PasswordField("New password", validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=256,
                               message=f"The new password must be at least {MIN_PASSWORD} characters long.")])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new", message="The two new passwords are not the same.")])
    submit = SubmitField("Change password")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _dummy_check(password: str) -> None:
    global _DUMMY_HASH
    from werkzeug.security import check_password_hash, generate_password_hash
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")
    check_password_hash(_DUMMY_HASH, password)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        account_key = throttle.throttle_key("signin", email)
        client_key = throttle.throttle_key("signin-client", request.remote_addr or "")
        wait = max(throttle.blocked_for(account_key), throttle.blocked_for(client_key))
        if wait:
            minutes = max(1, round(wait / 60))
            error = (f"Too many failed sign-ins. Please wait about {minutes} minute"
                     f"{'s' if minutes != 1 else ''} and try again.")
            status = 429
        else:
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            if user is not None and user.active and user.check_password(form.password.data):
                throttle.clear(account_key)
                login_user(user)
                return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
            if user is None:
                _dummy_check(form.password.data)
            for key, limit in ((account_key, current_app.config["SIGNIN_MAX_FAILURES"]),
                               (client_key, current_app.config["SIGNIN_MAX_FAILURES"] * 4)):
                throttle.record_failure(key, limit, current_app.config["SIGNIN_BLOCK_SECONDS"])
            error = "That e-mail and password do not match an account."
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form, error=error), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("The current password is not right.")
        else:
            current_user.set_password(form.new.data)
            db.session.commit()
            flash("Your password has been changed.")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
