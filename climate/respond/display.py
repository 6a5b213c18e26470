"""How respondent pages are shown: in the respondent's language with a switch to the other one,
the school's name, friendly messages, and a question page from its pre-built page model."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import g, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

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


# A question page around its items is the same for every respondent of a page model, language and
# school: it is rendered once per process with these marks where the CSRF token and the items go.
_CSRF_MARK, _ITEMS_MARK = "\x00csrf\x00", "\x00items\x00"
_SKELETONS: dict[tuple, tuple[str, str, str]] = {}


def render_page(model, page, answers: dict[str, int], problems=()):
    """A question page: the items' cached fragments with the stored (or posted) choices checked,
    inside the page's cached skeleton. It needs no form object: the CSRF token is generated for
    the session as the template's `csrf_token()` would. A page shown again with problems (rare)
    is rendered in full."""
    language = lang()
    items = [item.html(language, n, item.chosen(answers.get(item.id)), item.id in problems)
             for n, item in enumerate(page.items, start=1)]

    def full(**extra):
        return render("respond/page.html", form_id="page-form", page=page, total=model.total, items=items,
                      heading=page_title(page, language), problems=problems,
                      lang_target=url_for("respond.page", number=page.number), **extra)

    if problems or "_flashes" in session:
        return full()
    key = (model, page.number, language, g.get("school_name"))
    skeleton = _SKELETONS.get(key)
    if skeleton is None:
        items = [Markup(_ITEMS_MARK)]
        html, _status = full(csrf_token=lambda: _CSRF_MARK)
        head, rest = html.split(_CSRF_MARK)
        middle, tail = rest.split(_ITEMS_MARK)
        skeleton = _SKELETONS[key] = (head, middle, tail)
        items = [item.html(language, n, item.chosen(answers.get(item.id)))
                 for n, item in enumerate(page.items, start=1)]
    head, middle, tail = skeleton
    return "".join((head, generate_csrf(), middle, "\n  ".join(items), tail)), 200
