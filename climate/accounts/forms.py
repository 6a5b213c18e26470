"""The staff account forms: sign-in, password change, a school, a principal account."""
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField,
                     StringField, SubmitField)
from wtforms.validators import (DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp,
                                ValidationError)

from ..extensions import db
from ..labels import SCHOOL_LEVEL_LABELS
from ..models import School, User

MIN_PASSWORD = 12
GRADE_CHOICES = [(0, "K")] + [(g, str(g)) for g in range(1, 13)]


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers too long to compare (WTForms' NumberRange fails on a
    400-digit number) with a message instead of an error."""

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > 12:
            self.data = None
            raise ValueError(_("Enter a smaller whole number."))
        super().process_formdata(valuelist)


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Sign in"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=256,
                               message=_l("The new password must be at least %(n)s characters long.", n=MIN_PASSWORD))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords are not the same."))])
    submit = SubmitField(_l("Change password"))


class SchoolForm(FlaskForm):
    name = StringField(_l("School name"), validators=[DataRequired(), Length(max=200)])
    nces_id = StringField(_l("NCES school id (optional)"), validators=[
        Optional(), Regexp(r"^\d{12}$", message=_l("An NCES school id is 12 digits."))])
    level = SelectField(_l("Level"), choices=list(SCHOOL_LEVEL_LABELS.items()))
    grade_low = SelectField(_l("Lowest grade"), coerce=int, choices=GRADE_CHOICES)
    grade_high = SelectField(_l("Highest grade"), coerce=int, choices=GRADE_CHOICES)
    enrollment_student = WholeNumberField(_l("Students in grades 5-12"), default=0,
                                          validators=[NumberRange(min=0, max=100000)])
    enrollment_instructional_staff = WholeNumberField(_l("Instructional staff"), default=0,
                                                      validators=[NumberRange(min=0, max=10000)])
    enrollment_noninstructional_staff = WholeNumberField(_l("Noninstructional staff"), default=0,
                                                         validators=[NumberRange(min=0, max=10000)])
    enrollment_parent = WholeNumberField(_l("Parent households"), default=0,
                                         validators=[NumberRange(min=0, max=100000)])
    submit = SubmitField(_l("Save school"))

    def __init__(self, *args, school_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._school_id = school_id

    def validate_grade_high(self, field):
        if field.data is None or self.grade_low.data is None:
            return  # the grade fields' own "not a valid choice" says what is wrong
        if field.data < self.grade_low.data:
            raise ValidationError(_("The highest grade must not be below the lowest grade."))

    def validate_name(self, field):
        clash = db.session.scalar(select(School).where(
            School.district_id == current_user.district_id, func.lower(School.name) == field.data.strip().lower()))
        if clash is not None and clash.id != self._school_id:
            raise ValidationError(_("Your district already has a school with this name."))

    def validate_nces_id(self, field):
        if field.data:
            clash = db.session.scalar(select(School).where(School.nces_id == field.data))
            if clash is not None and clash.id != self._school_id:
                raise ValidationError(_("Another school already has this NCES id."))


class PrincipalForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    schools = SelectMultipleField(_l("Schools"), coerce=int)
    active = BooleanField(_l("Account active"), default=True)
    submit = SubmitField(_l("Save account"))

    def __init__(self, *args, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user_id = user_id
        self.schools.choices = [(s.id, s.name) for s in current_user.district.schools]

    def validate_schools(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one school for this principal."))

    def validate_email(self, field):
        clash = db.session.scalar(select(User).where(func.lower(User.email) == field.data.strip().lower()))
        if clash is not None and clash.id != self._user_id:
            raise ValidationError(_("An account with this e-mail already exists."))


class ResetPasswordForm(FlaskForm):
    """The "Reset password" button: only its CSRF token."""
