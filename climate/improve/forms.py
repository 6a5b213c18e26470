"""The improvement pages' forms: the SECURe checklist (one rating and notes field per criterion of
the guidance), a plan item's owner, due date, status and notes, and adding to the plan.

Every message names what is wrong; a form with any problem saves nothing."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
            raise ValidationError(_("The %(what)s '%(text)s' is not a date; use the form YYYY-MM-DD.", what=self.what,
                                    text=self.text[:40]))
        if not 1950 <= value.year <= 2100:
            raise ValidationError(_("The %(what)s %(date)s is out of range.", what=self.what, date=value.isoformat()))
        self.data = value


def _required(message):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)
    return check


def _one_of(allowed, message):
    def check(form, field):
        if field.data not in allowed:
            raise ValidationError(str(message) % {"value": str(field.data or "")[:40]})
    return check


class PlanItemForm(FlaskForm):
    owner = StringField(filters=[_strip], validators=[
        Length(max=OWNER_MAX, message=_l("The owner is longer than %(n)s characters.", n=OWNER_MAX))])
    notes = TextAreaField(filters=[_strip], validators=[
        Length(max=NOTES_MAX, message=_l("The notes are longer than %(n)s characters.", n=NOTES_MAX))])
    status = StringField(validators=[_one_of(STATUS_LABELS, _l("Unknown status '%(value)s'; choose planned, in progress, "
                                                               "done or dropped."))])
    due_on = IsoDateField(_l("due date"))

    def problems(self) -> list[str]:
        return [str(e) for name in ("owner", "notes", "status", "due_on") for e in self[name].errors]

    def values(self) -> dict:
        """What was posted, for showing the form again."""
        return {"owner": self.owner.data or "", "notes": self.notes.data or "", "status": self.status.data or "",
                "due_on": self.due_on.text}


class OwnItemForm(FlaskForm):
    """An item the school writes itself: what, which topic and respondent group it should move
    (so monitoring can follow it), who, by when, and notes."""
    title = StringField(filters=[_strip], validators=[_required(_l("Say what the item is (a title).")), Length(
        max=TITLE_MAX, message=_l("The title is longer than %(n)s characters.", n=TITLE_MAX))])
    topic = StringField(validators=[_one_of(TOPICS, _l("Choose the survey topic this item should move."))])
    group = StringField(validators=[_one_of(RESPONDENT_GROUPS, _l("Choose whose answers should show the change "
                                                                  "(a respondent group)."))])
    owner = PlanItemForm.owner
    due_on = IsoDateField(_l("due date"))
    notes = PlanItemForm.notes
    administration = IntegerField(validators=[Optional()])

    def problems(self) -> list[str]:
        return [str(e) for name in ("administration", "title", "topic", "group", "owner", "due_on", "notes") for e in self[name].errors]

    def values(self) -> dict:
        """What was posted, for showing the form again."""
        return {"title": self.title.data or "", "topic": self.topic.data or "", "group": self.group.data or "",
                "owner": self.owner.data or "", "due_on": self.due_on.text, "notes": self.notes.data or ""}


class AddToPlanForm(FlaskForm):
    ref = StringField(filters=[_strip])  # a recommendation key, or "sro:<criterion>"


class _SroFormBase(FlaskForm):
    has_sro = StringField(validators=[_one_of(("yes", "no"), _l("Say whether school resource officers work here "
                                                                "(yes or no)."))])
    mou_date = IsoDateField(_l("MOU date"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.unknown = [_("Unknown SECURe criterion '%(key)s'. Nothing was saved.", key=key.split("-", 1)[1][:40])
                        for key in self.posted_keys if key.startswith(("rating-", "notes-"))
                        and key.split("-", 1)[1] not in self.criterion_ids]
        return ok and not self.unknown

    def problems(self) -> list[str]:
        found = list(self.unknown)
        for field in self:
            if field.name != "csrf_token":
                found.extend(str(e) for e in field.errors[:1])  # one problem per criterion, as it is read
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
            raise ValidationError(_("Criterion %(id)s: unknown rating '%(rating)s' (use met, partly, not met or not "
                                    "applicable). Nothing was saved.", id=cid, rating=field.data[:40]))
    return check


def _notes_check(cid: str, index: int):
    def check(form, field):
        if form[f"rating_{index}"].errors:
            return  # the rating's problem is the one reported for this criterion
        if len(field.data or "") > NOTES_MAX:
            raise ValidationError(_("Criterion %(id)s: the notes are longer than %(n)s characters.", id=cid, n=NOTES_MAX))
        if field.data and not form[f"rating_{index}"].data:
            raise ValidationError(_("Criterion %(id)s: choose a rating to keep its notes, or clear the notes.", id=cid))
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
