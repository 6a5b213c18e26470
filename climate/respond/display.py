"""How respondent pages are shown: in the respondent's language with a switch to the other one,
friendly messages, and a question page's items with their choices."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from surveys.instruments import BackgroundItem, CustomItem

from ..extensions import db
from ..labels import topic_label
from .forms import PageForm

LANGUAGES = {"en": "English", "es": "Español"}


def lang() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "en"


def _lang_url(target: str) -> str:
    other = "es" if lang() == "en" else "en"
    return f"{target}?{urlencode({'lang': other})}"


def render(template: str, status: int = 200, form_id: str | None = None, lang_target: str | None = None, **context):
    """Render a respondent page with its language and the switch to the other language: a submit
    button of the page's form when there is one (so the choices made are saved first), else a link."""
    current = lang()
    other = "es" if current == "en" else "en"
    if lang_target is None:
        lang_target = request.path if request.method == "GET" else url_for("respond.enter_code")
    return render_template(template, page_lang=current, other_lang=other, other_lang_name=LANGUAGES[other],
                           lang_form_id=form_id, lang_url=_lang_url(lang_target), **context), status


def message(title: str, text: str, status: int, link: bool = True):
    db.session.rollback()
    return render("respond/message.html", status=status, title=title, text=text, show_code_link=link)


def unusable_message(status: int = 404):
    return message(_("This code can't be used"),
                   _("This code can't be used right now. Check it and try again, or ask the person who gave it to you."),
                   status)


def already_submitted():
    return message(_("Your answers are already in"),
                   _("You have already submitted this survey, so the answers can no longer be changed. Thank you!"),
                   200, link=False)


def page_title(page, language: str) -> str:
    if page.kind == "topic":
        return topic_label(page.topic, language)
    return {"sro": _("Police officers at school"), "custom": _("More questions from your school"),
            "background": _("About you")}[page.kind]


def choices(item, language: str) -> list[tuple[int, str]]:
    """(stored value, label) of each choice, in display order."""
    if isinstance(item, BackgroundItem):
        return [(o.value, o.label.get(language) or o.label["en"]) for o in item.options]
    if isinstance(item, CustomItem):
        return [(i, o.get(language) or o["en"]) for i, o in enumerate(item.options, start=1)]
    labels = item.scale.labels.get(language) or item.scale.labels["en"]
    return list(zip(item.values, labels))


def render_page(survey, page, form: PageForm, answers: dict[str, int], problems=()):
    language = lang()
    items = []
    for item in page.items:
        stored = answers.get(item.id)
        multiple = isinstance(item, BackgroundItem) and item.multiple
        if multiple:
            chosen = set(item.selected(stored)) if stored else set()
        else:
            chosen = {stored} if stored is not None else set()
        items.append({"id": item.id, "text": item.text.get(language) or item.text["en"], "multiple": multiple,
                      "choices": choices(item, language), "chosen": chosen, "problem": item.id in problems})
    return render("respond/page.html", form_id="page-form", survey=survey, page=page, items=items,
                  heading=page_title(page, language), form=form, problems=problems,
                  lang_target=url_for("respond.page", code=survey.code.code, number=page.number))
