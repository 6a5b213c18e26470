"""The improvement pages' forms: the SECURe checklist (one rating and notes field per criterion of
the guidance), a plan item's owner, due date, status and notes, and adding to the plan.

Every message names what is wrong; a form with any problem saves nothing."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from surveys.domain import RESPONDENT_GROUPS, TOPICS
from surveys.guidance import default_guidance
from surveys.sro_actions import SRO_RATINGS

from .plans import STATUS_LABELS

OWNER_MAX, NOTES_MAX, TITLE_MAX = 120, 2000, 300


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class IsoDateField(Field):
    """A date typed as YYYY-MM-DD, or nothing. data is the date (None when empty), text what was typed."""

    def __init__(self, what: str, **kwargs):
        super().__init__(**kwargs)
        self.what, self.text = what, ""

    def process_formdata(self, valuelist):
        self.text = (valuelist[0] if valuelist else "").strip()

    def pre_validate(self, form):
        self.data = None
        if not self.text:
            return
        try:
            value = dt.date.fromisoformat(self.text)
        except ValueError:
            raise ValidationError(f"The {self.what} '{self.text[:40]}' is not a date; use the form YYYY-MM-DD.")
        if not 1950 <= value.year <= 2100:
            raise ValidationError(f"The {self.what} {value.isoformat()} is out of range.")
        self.data = value


def _required(message):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)
    return check


def _one_of(allowed, message):
    def check(form, field):
        if field.data not in allowed:
            raise ValidationError(message.format(value=str(field.data or "")[:40]))
    return check


class PlanItemForm(FlaskForm):
    owner = StringField(filters=[_strip], validators=[
        Length(max=OWNER_MAX, message=f"The owner is longer than {OWNER_MAX} characters.")])
    notes = TextAreaField(filters=[_strip], validators=[
        Length(max=NOTES_MAX, message=f"The notes are longer than {NOTES_MAX} characters.")])
    status = StringField(validators=[_one_of(STATUS_LABELS, "Unknown status '{value}'; choose planned, in progress, "
                                                            "done or dropped.")])
    due_on = IsoDateField("due date")

    def problems(self) -> list[str]:
        return [e for name in ("owner", "notes", "status", "due_on") for e in self[name].errors]

    def values(self) -> dict:
        """What was posted, for showing the form again."""
        return {"owner": self.owner.data or "", "notes": self.notes.data or "", "status": self.status.data or "",
                "due_on": self.due_on.text}


class OwnItemForm(FlaskForm):
    """An item the school writes itself: what, which topic and respondent group it should move
    (so monitoring can follow it), who, by when, and notes."""
    title = StringField(filters=[_strip], validators=[_required("Say what the item is (a title)."), Length(
        max=TITLE_MAX, message=f"The title is longer than {TITLE_MAX} characters.")])
    topic = StringField(validators=[_one_of(TOPICS, "Choose the survey topic this item should move.")])
    group = StringField(validators=[_one_of(RESPONDENT_GROUPS, "Choose whose answers should show the change "
                                                               "(a respondent group).")])
    owner = PlanItemForm.owner
    due_on = IsoDateField("due date")
    notes = PlanItemForm.notes
    administration = IntegerField(validators=[Optional()])

    def problems(self) -> list[str]:
        return [e for name in ("administration", "title", "topic", "group", "owner", "due_on", "notes") for e in self[name].errors]

    def values(self) -> dict:
        """What was posted, for showing the form again."""
        return {"title": self.title.data or "", "topic": self.topic.data or "", "group": self.group.data or "",
                "owner": self.owner.data or "", "due_on": self.due_on.text, "notes": self.notes.data or ""}


class AddToPlanForm(FlaskForm):
    ref = StringField(filters=[_strip])  # a recommendation key, or "sro:<criterion>"


class _SroFormBase(FlaskForm):
    has_sro = StringField(validators=[_one_of(("yes", "no"), "Say whether school resource officers work here "
                                                             "(yes or no).")])
    mou_date = IsoDateField("MOU date")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.unknown = [f"Unknown SECURe criterion '{key.split('-', 1)[1][:40]}'. Nothing was saved."
                        for key in self.posted_keys if key.startswith(("rating-", "notes-"))
                        and key.split("-", 1)[1] not in self.criterion_ids]
        return ok and not self.unknown

    def problems(self) -> list[str]:
        found = list(self.unknown)
        for field in self:
            if field.name != "csrf_token":
                found.extend(field.errors[:1])  # one problem per criterion, as it is read
        return found

    def data_to_save(self) -> dict:
        """{"has_sro", "mou_date", "ratings": {criterion: (rating, notes)}}: rated criteria only."""
        return {"has_sro": self.has_sro.data == "yes", "mou_date": self.mou_date.data,
                "ratings": {cid: (self[f"rating_{i}"].data, self[f"notes_{i}"].data)
                            for i, cid in enumerate(self.criterion_ids) if self[f"rating_{i}"].data}}

    def values(self) -> dict:
        """What was posted, for showing the form again."""
        return {"has_sro": self.has_sro.data or "", "mou_date": self.mou_date.text[:40],
                "ratings": {cid: self[f"rating_{i}"].data or "" for i, cid in enumerate(self.criterion_ids)},
                "notes": {cid: self[f"notes_{i}"].data or "" for i, cid in enumerate(self.criterion_ids)}}


def _rating_check(cid: str):
    def check(form, field):
        if field.data and field.data not in SRO_RATINGS:
            raise ValidationError(f"Criterion {cid}: unknown rating '{field.data[:40]}' "
                                  f"(use met, partly, not met or not applicable). Nothing was saved.")
    return check


def _notes_check(cid: str, index: int):
    def check(form, field):
        if form[f"rating_{index}"].errors:
            return  # the rating's problem is the one reported for this criterion
        if len(field.data or "") > NOTES_MAX:
            raise ValidationError(f"Criterion {cid}: the notes are longer than {NOTES_MAX} characters.")
        if field.data and not form[f"rating_{index}"].data:
            raise ValidationError(f"Criterion {cid}: choose a rating to keep its notes, or clear the notes.")
    return check


@lru_cache(maxsize=4)
def _sro_form_class(criterion_ids: tuple[str, ...]) -> type:
    fields = {"criterion_ids": criterion_ids}
    for i, cid in enumerate(criterion_ids):
        # an empty rating means "not rated" (for a school, the district-wide rating applies)
        fields[f"rating_{i}"] = RadioField(name=f"rating-{cid}", choices=[""] + list(SRO_RATINGS), default="",
                                           validate_choice=False, filters=[_strip], validators=[_rating_check(cid)])
        fields[f"notes_{i}"] = TextAreaField(name=f"notes-{cid}", default="", filters=[_strip],
                                             validators=[_notes_check(cid, i)])
    return type("SroForm", (_SroFormBase,), fields)


def sro_form(formdata=None):
    """The checklist form for the current guidance's criteria, reading formdata (request.form)."""
    form = _sro_form_class(tuple(c.id for c in default_guidance().criteria()))(formdata=formdata)
    form.posted_keys = list(formdata or ())
    return form
