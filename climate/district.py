"""District staff manage their district's schools and principal accounts."""
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (BooleanField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from .access import district_staff_required
from .extensions import db
from .models import School, User

bp = Blueprint("district", __name__, url_prefix="/district")

GRADE_CHOICES = [(0, "K")] + [(g, str(g)) for g in range(1, 13)]


class SchoolForm(FlaskForm):
    name = StringField("School name", validators=[DataRequired(), Length(max=200)])
    nces_id = StringField("NCES school id (optional)", validators=[
        Optional(), Regexp(r"^\d{12}$", message="An NCES school id is 12 digits.")])
    level = SelectField("Level", choices=[("elementary", "Elementary"), ("middle", "Middle"),
                                          ("high", "High"), ("other", "Other")])
    grade_low = SelectField("Lowest grade", coerce=int, choices=GRADE_CHOICES)
    grade_high = SelectField("Highest grade", coerce=int, choices=GRADE_CHOICES)
    enrollment_student = IntegerField("Students in grades 5-12", default=0,
                                      validators=[NumberRange(min=0, max=100000)])
    enrollment_instructional_staff = IntegerField("Instructional staff", default=0,
                                                  validators=[NumberRange(min=0, max=10000)])
    enrollment_noninstructional_staff = IntegerField("Noninstructional staff", default=0,
                                                     validators=[NumberRange(min=0, max=10000)])
    enrollment_parent = IntegerField("Parent households", default=0, validators=[NumberRange(min=0, max=100000)])
    submit = SubmitField("Save school")

    def __init__(self, *args, school_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._school_id = school_id

    def validate_grade_high(self, field):
        if field.data < self.grade_low.data:
            raise ValidationError("The highest grade must not be below the lowest grade.")

    def validate_name(self, field):
        clash = db.session.scalar(select(School).where(
            School.district_id == current_user.district_id, func.lower(School.name) == field.data.strip().lower()))
        if clash is not None and clash.id != self._school_id:
            raise ValidationError("Your district already has a school with this name.")

    def validate_nces_id(self, field):
        if field.data:
            clash = db.session.scalar(select(School).where(School.nces_id == field.data))
            if clash is not None and clash.id != self._school_id:
                raise ValidationError("Another school already has this NCES id.")


class PrincipalForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    schools = SelectMultipleField("Schools", coerce=int)
    active = BooleanField("Account active", default=True)
    submit = SubmitField("Save account")

    def __init__(self, *args, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user_id = user_id
        self.schools.choices = [(s.id, s.name) for s in current_user.district.schools]

    def validate_schools(self, field):
        if not field.data:
            raise ValidationError("Choose at least one school for this principal.")

    def validate_email(self, field):
        clash = db.session.scalar(select(User).where(func.lower(User.email) == field.data.strip().lower()))
        if clash is not None and clash.id != self._user_id:
            raise ValidationError("An account with this e-mail already exists.")


def _own_school(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None or school.district_id != current_user.district_id:
        abort(404)
    return school


def _own_principal(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.district_id != current_user.district_id or user.role != "principal":
        abort(404)
    return user


def new_password() -> str:
    """A random first password to hand to the account holder, who should change it."""
    return secrets.token_urlsafe(12)


@bp.route("/schools")
@district_staff_required
def schools():
    return render_template("district/schools.html", schools=current_user.district.schools)


@bp.route("/schools/new", methods=["GET", "POST"])
@district_staff_required
def new_school():
    form = SchoolForm()
    if form.validate_on_submit():
        school = School(district_id=current_user.district_id)
        _fill_school(school, form)
        db.session.add(school)
        db.session.commit()
        flash(f"{school.name} was added.")
        return redirect(url_for("district.schools"))
    return render_template("district/school_form.html", form=form, school=None), 400 if form.errors else 200


@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@district_staff_required
def edit_school(school_id):
    school = _own_school(school_id)
    form = SchoolForm(obj=school, school_id=school.id)
    if form.validate_on_submit():
        _fill_school(school, form)
        db.session.commit()
        flash(f"{school.name} was saved.")
        return redirect(url_for("district.schools"))
    return render_template("district/school_form.html", form=form, school=school), 400 if form.errors else 200


def _fill_school(school: School, form: SchoolForm) -> None:
    school.name = form.name.data.strip()
    school.nces_id = form.nces_id.data or None
    for field in ("level", "grade_low", "grade_high", "enrollment_student", "enrollment_instructional_staff",
                  "enrollment_noninstructional_staff", "enrollment_parent"):
        setattr(school, field, getattr(form, field).data)


@bp.route("/principals")
@district_staff_required
def principals():
    users = db.session.scalars(select(User).where(
        User.district_id == current_user.district_id, User.role == "principal").order_by(User.email)).all()
    return render_template("district/principals.html", users=users)


@bp.route("/principals/new", methods=["GET", "POST"])
@district_staff_required
def new_principal():
    form = PrincipalForm()
    if form.validate_on_submit():
        password = new_password()
        user = User(email=form.email.data.strip().lower(), role="principal",
                    district_id=current_user.district_id, active=form.active.data)
        user.set_password(password)
        user.schools = [_own_school(i) for i in form.schools.data]
        db.session.add(user)
        db.session.commit()
        return render_template("district/password_issued.html", user=user, password=password)
    return render_template("district/principal_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/principals/<int:user_id>", methods=["GET", "POST"])
@district_staff_required
def edit_principal(user_id):
    user = _own_principal(user_id)
    form = PrincipalForm(obj=user, user_id=user.id)
    if request.method == "GET":
        form.schools.data = [s.id for s in user.schools]
    if form.validate_on_submit():
        user.email = form.email.data.strip().lower()
        user.active = form.active.data
        user.schools = [_own_school(i) for i in form.schools.data]
        db.session.commit()
        flash(f"The account {user.email} was saved.")
        return redirect(url_for("district.principals"))
    return render_template("district/principal_form.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/principals/<int:user_id>/reset-password", methods=["POST"])
@district_staff_required
def reset_password(user_id):
    user = _own_principal(user_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    password = new_password()
    user.set_password(password)
    db.session.commit()
    return render_template("district/password_issued.html", user=user, password=password)
