"""The administration pages' forms (WTForms) and the custom items' textarea format."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (BooleanField, DateTimeLocalField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from surveys.domain import RESPONDENT_GROUPS
from surveys.instruments import InstrumentError, validate_custom_items

from ..accounts.forms import WholeNumberField
from ..extensions import db
from ..labels import group_label
from ..models import Administration, District

MAX_CODES = 5000
# Open and close dates further than this from today are typing mistakes (and year 1 or 9999 would
# not survive the conversion to UTC).
DATE_RANGE_YEARS = 10
COUNT_MESSAGE = _l("Ask for between 1 and %(n)s codes at a time.", n=f"{MAX_CODES:,}")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

CUSTOM_FORMAT_HELP = _l("One question per block, blocks separated by an empty line. First line: the question in "
                         "English | the question in Spanish. Each following line: one answer option, "
                         "English | Spanish (2 to 10 options). At most 10 questions per group.")


def parse_custom_items(text: str) -> list[dict]:
    """The textarea format -> [{"text": {"en", "es"}, "options": [{"en", "es"}, ...]}]; ValueError says why."""
    items, block = [], []
    lines = (text or "").replace("\r\n", "\n").split("\n") + [""]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
            continue
        if not block:
            continue
        pairs = []
        for n, raw in block:
            if raw.count("|") != 1:
                raise ValueError(_("Line %(n)s: write the English and the Spanish text separated by one |.", n=n))
            en, es = (part.strip() for part in raw.split("|"))
            if not en or not es:
                raise ValueError(_("Line %(n)s: both the English and the Spanish text are needed.", n=n))
            pairs.append({"en": en, "es": es})
        if len(pairs) < 3:
            raise ValueError(_("Line %(n)s: a question needs at least 2 answer options on the lines below it.",
                               n=block[0][0]))
        items.append({"text": pairs[0], "options": pairs[1:]})
        block = []
    return items


def format_custom_items(items: list[dict]) -> str:
    return "\n\n".join("\n".join([f"{i['text']['en']} | {i['text']['es']}"] +
                                 [f"{o['en']} | {o['es']}" for o in i["options"]]) for i in items)


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input with plain-language messages."""

    def __init__(self, label, missing_message, **kwargs):
        super().__init__(label, format=DATETIME_FORMATS, **kwargs)
        self.missing_message = missing_message

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            raise ValueError(self.missing_message)
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date and time like 2026-03-02 08:00.")) from None
        year = dt.date.today().year
        if not year - DATE_RANGE_YEARS <= self.data.year <= year + DATE_RANGE_YEARS:
            self.data = None
            raise ValueError(_("Enter a date between %(low)s and %(high)s.", low=year - DATE_RANGE_YEARS,
                               high=year + DATE_RANGE_YEARS))

    def pre_validate(self, form):
        # A form posted without the field at all must not pass as "no date".
        if self.data is None and not self.process_errors:
            raise StopValidation(self.missing_message)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AdministrationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)], description=_l("For example: Spring 2026"))
    opens = LocalDateTimeField(_l("Opens"), _l("Enter when the survey opens."))
    closes = LocalDateTimeField(_l("Closes"), _l("Enter when the survey closes."))
    schools = CheckboxesField(_l("Schools"), coerce=int, invalid_choice_message=_l("Choose schools of your district only."))
    groups = CheckboxesField(_l("Respondent groups"), choices=list(RESPONDENT_GROUPS),
                             invalid_choice_message=_l("Choose respondent groups from the list."))
    sro_module = BooleanField(_l("Include the school resource officer (SRO) module "
                                 "(students and staff; parents never see it)"))
    custom_student = TextAreaField(_l("Custom items for students"))
    custom_instructional_staff = TextAreaField(_l("Custom items for instructional staff"))
    custom_noninstructional_staff = TextAreaField(_l("Custom items for noninstructional staff"))
    custom_parent = TextAreaField(_l("Custom items for parents and guardians"))
    submit = SubmitField(_l("Create administration"))

    def __init__(self, *args, district: District, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.schools.choices = [(s.id, f"{s.name} ({s.grades_label})") for s in district.schools]
        self.groups.choices = [(g, group_label(g)) for g in RESPONDENT_GROUPS]
        self.parsed_custom: dict[str, list[dict]] = {}

    def custom_fields(self):
        return [(g, getattr(self, f"custom_{g}")) for g in RESPONDENT_GROUPS]

    def consent_fields(self):
        """(respondent group, English field, Spanish field) for each group."""
        return [(g, getattr(self, f"consent_{g}_en"), getattr(self, f"consent_{g}_es")) for g in RESPONDENT_GROUPS]

    @property
    def consent_text(self) -> dict[str, dict[str, str]]:
        return {g: {"en": en.data or "", "es": es.data or ""} for g, en, es in self.consent_fields()}

    def validate_name(self, field):
        name = (field.data or "").strip()
        if not name:
            raise ValidationError(_("Give the administration a name."))
        clash = db.session.scalar(select(Administration.id).where(
            Administration.district_id == self.district.id, func.lower(Administration.name) == name.lower()))
        if clash:
            raise ValidationError(_("Your district already has an administration named '%(name)s'.", name=name))

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError(_("The close date must be after the open date."))

    def validate_schools(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one school."))

    def validate_groups(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one respondent group."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for group, field in self.custom_fields():
            if not (field.data or "").strip():
                continue
            if group not in (self.groups.data or []):
                field.errors.append(_("You wrote custom items for %(group)s but did not choose that respondent group.",
                                      group=group_label(group).lower()))
                ok = False
                continue
            try:
                items = parse_custom_items(field.data)
                validate_custom_items(items)
            except (ValueError, InstrumentError) as exc:
                field.errors.append(" ".join(str(exc).split("\n")))
                ok = False
                continue
            self.parsed_custom[group] = items
        return ok


def _consent_label(group: str, language: str) -> str:
    # built when shown, so the group's name follows the reader's language
    return (_("%(group)s: consent text (English)", group=group_label(group)) if language == "English"
            else _("%(group)s: consent text (Spanish)", group=group_label(group)))


# Each respondent group reads its own consent (assent) text, editable in English and Spanish.
for _group in RESPONDENT_GROUPS:
    setattr(AdministrationForm, f"consent_{_group}_en",
            TextAreaField(LazyString(_consent_label, _group, "English")))
    setattr(AdministrationForm, f"consent_{_group}_es",
            TextAreaField(LazyString(_consent_label, _group, "Spanish")))
del _group


class ExtendForm(FlaskForm):
    closes = LocalDateTimeField(_l("New close date and time"), _l("Enter the new close date and time."))
    submit = SubmitField(_l("Extend"))


def choose_school_and_group(form, administration: Administration) -> None:
    """Offer the administration's schools and respondent groups in the form's two select fields."""
    form.school.choices = [(s.id, s.name) for s in administration.schools]
    form.group.choices = [(g.respondent_group, group_label(g.respondent_group)) for g in administration.groups]


class CodesForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int)
    group = SelectField(_l("Respondent group"))
    count = WholeNumberField(_l("How many codes"), default=30, validators=[
        InputRequired(message=COUNT_MESSAGE), NumberRange(min=1, max=MAX_CODES, message=COUNT_MESSAGE)])
    output = RadioField(_l("Get them as"), default="sheet",
                        choices=[("sheet", _l("Printable sheet of slips")), ("csv", _l("CSV file (code, link, school, group)"))])
    submit = SubmitField(_l("Create codes"))

    def __init__(self, *args, administration: Administration, **kwargs):
        super().__init__(*args, **kwargs)
        choose_school_and_group(self, administration)

    def process(self, formdata=None, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        # a non-number count must give the same one sentence as a count out of range
        self.count.process_errors = [COUNT_MESSAGE] if self.count.process_errors else []


class OpenLinkForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int)
    group = SelectField(_l("Respondent group"))
    submit = SubmitField(_l("Create open link"))

    def __init__(self, *args, administration: Administration, **kwargs):
        super().__init__(*args, **kwargs)
        choose_school_and_group(self, administration)


class OptOutForm(FlaskForm):
    """How many students of one school their parents opted out of the survey: a count, never names."""
    opted_out = WholeNumberField(_l("Students opted out by their parents"), validators=[
        InputRequired(message=_l("Enter how many students were opted out (0 or more).")),
        NumberRange(min=0, message=_l("The number of opt-outs cannot be negative."))])

    def process(self, formdata=None, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        if self.opted_out.process_errors:
            self.opted_out.process_errors = [_("Enter the number of opt-outs as a whole number, for example 3.")]

    def problems(self) -> list[str]:
        return [str(e) for e in self.opted_out.errors[:1]]
