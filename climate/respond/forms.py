"""The respondent's forms. Each refuses what no page of ours can send (unknown keys, a radio
value sent twice, a value off the scale, text); the routes answer such a post with 400 and store
nothing."""
from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.i18n import messages_path
from wtforms.validators import AnyOf, Length, StopValidation, ValidationError

from surveys.instruments import BackgroundItem, Page

# Keys every respondent form may carry once besides its questions.
FORM_KEYS = ("csrf_token", "action")
ACTIONS = ("next", "back", "review", "leave", "lang-en", "lang-es")


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class RespondentForm(FlaskForm):
    """A form of the respondent pages. WTForms' own messages come from its catalogue loaded once
    per process and language (Flask-WTF loads it from disk on every request that builds a form,
    a good part of a page save's Python)."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "en"))


class CodeForm(RespondentForm):
    code = StringField(validators=[Length(max=40)])


class OneValueField(StringField):
    """A field that a real page posts exactly once."""

    def pre_validate(self, form):
        if len(self.raw_data or ()) != 1:
            raise StopValidation("Send exactly one value.")


class OpenLinkForm(RespondentForm):
    """An open link opened again in a browser that started a survey from it: go on with that
    one, or start a new one for someone else."""
    choice = OneValueField(validators=[AnyOf(("continue", "new"))])


class ConsentForm(RespondentForm):
    """Yes starts the response, No opts the code out: one of the two buttons."""
    choice = OneValueField(validators=[AnyOf(("yes", "no"))])


class SubmitForm(RespondentForm):
    """The review page's Submit button: nothing else may be sent with it."""

    def validate(self, extra_validators=None) -> bool:
        return not set(request.form.keys()) - set(FORM_KEYS) and super().validate(extra_validators)


class AnswerField(Field):
    """One question's posted choice as its stored value: a radio's value, or for a question that
    takes several choices the sum of the checked values (a bit mask). `tampered` is set when the
    values could not have come from our page; a mask a person could tick but that cannot be
    stored ("prefer not to say" with another race) fails validation instead."""
    tampered = False

    def __init__(self, label=None, validators=None, item=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.item = item
        self.multiple = isinstance(item, BackgroundItem) and item.multiple

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        values = []
        for text in valuelist:
            if not (0 < len(text) <= 3 and text.isascii() and text.isdigit()) or int(text) not in self.item.values:
                self.tampered = True
                return
            values.append(int(text))
        if len(set(values)) != len(values) or (len(values) != 1 and not self.multiple):
            self.tampered = True
            return
        self.data = sum(values)

    def pre_validate(self, form):
        if self.multiple and self.data is not None and not self.item.is_valid(self.data):
            raise ValidationError("This combination of choices cannot be stored.")


class PageForm(RespondentForm):
    """One page of questions: an AnswerField per item (named by the item id) and the button
    pressed. Build it with `page_form(page)`. Its CSRF token is checked once, by CSRFProtect
    before the view runs (as for every POST of the app); the form does not check it again or make
    a new one, since a save is never shown with this form object (`display.render_page`)."""
    action = StringField(default="next")

    class Meta:
        csrf = False

    def answer_fields(self) -> list[AnswerField]:
        return [field for field in self if isinstance(field, AnswerField)]

    @property
    def cleared(self) -> str | None:
        """The item whose "Clear my answer" button was pressed, if any."""
        return self.action.data[6:] if self.action.data.startswith("clear-") else None

    @property
    def switch_to(self) -> str | None:
        """The language whose button was pressed, if any."""
        return self.action.data[5:] if self.action.data.startswith("lang-") else None

    def tampered(self) -> bool:
        """True when the post could not have come from this page."""
        items = {field.name for field in self.answer_fields()}
        for key in request.form.keys():
            if key in FORM_KEYS:
                if len(request.form.getlist(key)) != 1:
                    return True
            elif key not in items:
                return True
        if any(field.tampered for field in self.answer_fields()):
            return True
        return self.action.data not in ACTIONS and self.cleared not in items

    def answers(self) -> dict[str, int]:
        """Item id -> stored value of each answered question that can be stored."""
        return {f.name: f.data for f in self.answer_fields() if f.data is not None and not f.errors}

    def problems(self) -> list[str]:
        """Item ids whose posted choice cannot be stored; the page is shown again for them."""
        return [f.name for f in self.answer_fields() if f.errors]


def page_form_class(page: Page) -> type[PageForm]:
    """The form class of one question page (built once per page by the page model)."""
    return type("PageForm", (PageForm,), {item.id: AnswerField(item=item) for item in page.items})
