"""Staff accounts: sign-in, sign-out and password change (`auth`), and district staff managing
their district's schools and principal accounts (`district`)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..access import district_staff_required
from ..extensions import db
from ..models import School, User
from .forms import PasswordForm, PrincipalForm, ResetPasswordForm, SchoolForm, SignInForm
from .service import (authenticate, district_principals, end_all_sessions, fill_principal, fill_school, new_password,
                      own_principal, own_school, safe_next)

auth_bp = Blueprint("auth", __name__, url_prefix="/auth")
district_bp = Blueprint("district", __name__, url_prefix="/district")


# --- sign-in, sign-out, password --------------------------------------------------------------

@auth_bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        attempt = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if attempt.user is not None:
            _start_session(attempt.user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        error, status = attempt.error, attempt.status
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form, error=error), status


def _start_session(user: User) -> None:
    """A fresh session for `user`: nothing from before (its CSRF secret included) carries over but the
    language chosen with the switch."""
    lang = session.get("lang")
    session.clear()
    login_user(user)
    if lang:
        session["lang"] = lang


@auth_bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        end_all_sessions(current_user)
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("auth.sign_in"))


@auth_bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is not right."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.new.data)
            db.session.commit()
            _start_session(user)  # this session goes on; every other one has ended
            flash(_("Your password has been changed."))
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


# --- the district's schools -------------------------------------------------------------------

def _form_page(template: str, form, **context):
    """A district form page; 400 when what was sent did not validate."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def _saved(message: str, endpoint: str):
    """Commit what a form changed, say so, and go back to the list."""
    db.session.commit()
    flash(message)
    return redirect(url_for(endpoint))


@district_bp.route("/schools")
@district_staff_required
def schools():
    return render_template("district/schools.html", schools=current_user.district.schools)


@district_bp.route("/schools/new", methods=["GET", "POST"])
@district_staff_required
def new_school():
    form = SchoolForm()
    if form.validate_on_submit():
        school = School(district_id=current_user.district_id)
        fill_school(school, form)
        db.session.add(school)
        return _saved(_("%(school)s was added.", school=school.name), "district.schools")
    return _form_page("district/school_form.html", form, school=None)


@district_bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@district_staff_required
def edit_school(school_id):
    school = own_school(school_id)
    form = SchoolForm(obj=school, school_id=school.id)
    if form.validate_on_submit():
        fill_school(school, form)
        return _saved(_("%(school)s was saved.", school=school.name), "district.schools")
    return _form_page("district/school_form.html", form, school=school)


# --- principal accounts -----------------------------------------------------------------------

@district_bp.route("/principals")
@district_staff_required
def principals():
    return render_template("district/principals.html", users=district_principals())


@district_bp.route("/principals/new", methods=["GET", "POST"])
@district_staff_required
def new_principal():
    form = PrincipalForm()
    if form.validate_on_submit():
        password = new_password()
        user = User(role="principal", district_id=current_user.district_id)
        fill_principal(user, form)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return render_template("district/password_issued.html", user=user, password=password)
    return _form_page("district/principal_form.html", form, user=None)


@district_bp.route("/principals/<int:user_id>", methods=["GET", "POST"])
@district_staff_required
def edit_principal(user_id):
    user = own_principal(user_id)
    form = PrincipalForm(obj=user, user_id=user.id)
    if request.method == "GET":
        form.schools.data = [s.id for s in user.schools]
    if form.validate_on_submit():
        fill_principal(user, form)
        return _saved(_("The account %(email)s was saved.", email=user.email), "district.principals")
    return _form_page("district/principal_form.html", form, user=user)


@district_bp.route("/principals/<int:user_id>/reset-password", methods=["POST"])
@district_staff_required
def reset_password(user_id):
    user = own_principal(user_id)
    if not ResetPasswordForm().validate_on_submit():
        abort(400)
    password = new_password()
    user.set_password(password)
    db.session.commit()
    return render_template("district/password_issued.html", user=user, password=password)
