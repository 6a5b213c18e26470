"""How respondent pages are shown: in the respondent's language with a switch to the other one,
the school's name, friendly messages, and a question page from its pre-built page model."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import db
from ..labels import topic_label

LANGUAGES = {"en": "English", "es": "Español"}


def lang() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "en"


def render(template: str, status: int = 200, form_id: str | None = None, lang_target: str | None = None, **context):
    """Render a respondent page with its language and the switch to the other language: a submit
    button of the page's form when there is one (so the choices made are saved first), else a link.
    The school is named when the request knows it (`g.school_name`)."""
    current = lang()
    other = "es" if current == "en" else "en"
    if lang_target is None:
        lang_target = request.path if request.method == "GET" else url_for("respond.enter_code")
    context.setdefault("school_name", g.get("school_name"))
    return render_template(template, page_lang=current, other_lang=other, other_lang_name=LANGUAGES[other],
                           lang_form_id=form_id, lang_url=f"{lang_target}?{urlencode({'lang': other})}",
                           **context), status


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


def closed_message(saving: bool):
    """The administration closed (or the code stopped working) while the respondent was in it."""
    text = _("This survey is closed now, so the answers on this page could not be saved. The answers you saved "
             "on earlier pages are kept.") if saving else _("This survey is closed now. The answers you saved are kept.")
    return message(_("This survey is closed"), text, 409 if saving else 404, link=False)


def page_title(page, language: str) -> str:
    if page.kind == "topic":
        return topic_label(page.topic, language)
    return {"sro": _("Police officers at school"), "custom": _("More questions from your school"),
            "background": _("About you")}[page.kind]


def render_page(model, page, answers: dict[str, int], problems=()):
    """A question page: the items' cached fragments with the stored (or posted) choices checked.
    It needs no form object: the CSRF token is the template's `csrf_token()`."""
    language = lang()
    items = [item.html(language, n, item.chosen(answers.get(item.id)), item.id in problems)
             for n, item in enumerate(page.items, start=1)]
    return render("respond/page.html", form_id="page-form", page=page, total=model.total, items=items,
                  heading=page_title(page, language), problems=problems,
                  lang_target=url_for("respond.page", number=page.number))
