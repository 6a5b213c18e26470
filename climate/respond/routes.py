"""The respondent's pages: enter a code (or follow an open link), consent, answer page by page,
review, submit, thank you. No JavaScript anywhere; English and Spanish on every page.

Routes
  /s                       code entry form (respond.enter_code)
  /s/<code>                opens the survey: consent, or where the respondent left off
  /s/<code>/consent        consent/assent; "No" opts the code out
  /s/<code>/p/<n>          question page n (GET shows, POST saves then moves)
  /s/<code>/review         every page with its answered count and a link to change it
  /s/<code>/submit         POST: submit once
  /s/thanks, /s/declined   closing pages (no code in the address)
  /o/<token>               open link: a fresh one-time code per visitor, kept in a cookie

Every code that cannot be used (unknown, submitted, opted out, outside the window) gets the same
page and status, and counts as a failure for the client's throttle."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_babel import refresh
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from ..codes import issue_codes, normalise_code
from ..extensions import db
from ..models import Administration, OpenLink
from ..throttle import blocked_for, record_failure, throttle_key
from . import progress as svc
from .display import LANGUAGES, already_submitted, lang, message, page_title, render, render_page, unusable_message
from .forms import CodeForm, ConsentForm, SubmitForm, page_form

bp = Blueprint("respond", __name__)

OPEN_LINK_COOKIE = "climate_open_{}"
SUBMITTED_KEY = "respond_submitted"


@bp.before_request
def remember_language():
    """?lang=es on any respondent page switches the language for the rest of the visit."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and session.get("lang") != chosen:
        session["lang"] = chosen
    refresh()  # the locale is cached on `g`, which outlives a request when an app context is reused


# --- errors: friendly, in the respondent's language -------------------------------------------

@bp.errorhandler(CSRFError)
def csrf_failed(_exc):
    return message(_("Please try again"),
                   _("This page was open too long or was not sent from this site, so nothing was saved. "
                     "Go back, reload the page and try again."), 400)


@bp.errorhandler(413)
def too_large(_exc):
    return message(_("Too much was sent"), _("What was sent is too large, so nothing was saved. Go back and try again."),
                   413)


@bp.errorhandler(400)
def bad_request(exc):
    text = exc.description if isinstance(exc, HTTPException) and exc.description != type(exc).description else None
    return message(_("Nothing was saved"),
                   text or _("This form could not be read, so nothing was saved. Go back, reload the page and try again."),
                   400)


@bp.errorhandler(429)
def too_many(exc):
    page, status = message(_("Please wait"), _("Too many codes were tried from here. Please wait a few minutes "
                                               "and try again."), 429, link=False)
    return page, status, {"Retry-After": str(getattr(exc, "retry_after", 600) or 600)}


class Blocked(HTTPException):
    code = 429

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


def _throttle_key() -> str:
    return throttle_key("code", request.remote_addr or "")


def _check_blocked() -> None:
    seconds = blocked_for(_throttle_key())
    if seconds:
        raise Blocked(seconds)


def _failed_attempt():
    cfg = current_app.config
    record_failure(_throttle_key(), cfg["CODE_MAX_FAILURES"], cfg["CODE_BLOCK_SECONDS"])
    return unusable_message()


def _submitted_here(code: str | None) -> bool:
    return bool(code) and code in session.get(SUBMITTED_KEY, [])


def _survey(code_text: str):
    """(survey, None) for a usable code, else (None, the page to show)."""
    _check_blocked()
    survey = svc.load(code_text)
    if survey is not None:
        return survey, None
    if _submitted_here(normalise_code(code_text)):
        return None, already_submitted()
    return None, _failed_attempt()


def _consented(code_text: str):
    """Like `_survey`, but a respondent who has not consented yet is sent to the consent page."""
    survey, shown = _survey(code_text)
    if survey is not None and survey.response is None:
        return None, redirect(url_for("respond.consent", code=survey.code.code))
    return survey, shown


def _not_saved(survey):
    """The page for a save or submit that found the response no longer in progress."""
    return already_submitted() if _submitted_here(survey.code.code) else unusable_message()


# --- code entry -------------------------------------------------------------------------------

@bp.route("/s", methods=["GET", "POST"])
def enter_code():
    """Ask for the access code. A wrong code gets the same friendly message whatever the reason."""
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        _check_blocked()
        survey = svc.load(form.code.data or "")
        if survey is not None:
            return redirect(url_for("respond.open_code", code=survey.code.code))
        cfg = current_app.config
        record_failure(_throttle_key(), cfg["CODE_MAX_FAILURES"], cfg["CODE_BLOCK_SECONDS"])
        error = _("This code can't be used right now. Check it and try again, or ask the person who gave it to you.")
    elif request.method == "POST":
        error = _("Type the code you were given.")
    return render("respond/enter_code.html", status=200 if error is None else 404 if form.code.data else 400,
                  form=form, error=error, lang_target=url_for("respond.enter_code"))


@bp.route("/s/<code>")
def open_code(code):
    """Open a survey: consent first, then where the respondent left off."""
    survey, shown = _consented(code)
    if survey is None:
        return shown
    number = svc.resume_page(survey.pages, svc.answers_of(survey.response))
    if number is None:
        return redirect(url_for("respond.review", code=survey.code.code))
    return redirect(url_for("respond.page", code=survey.code.code, number=number))


@bp.route("/o/<token>")
def open_link(token):
    """An open link: each new visitor gets a fresh one-time code, kept in a cookie until the
    administration closes so the same browser resumes it."""
    _check_blocked()
    link = None
    if 0 < len(token) <= 32:
        link = db.session.scalar(select(OpenLink).where(OpenLink.token == token))
    administration = db.session.get(Administration, link.administration_id) if link else None
    if link is None or administration is None or not administration.is_open():
        return _failed_attempt()
    cookie = OPEN_LINK_COOKIE.format(link.id)
    kept = request.cookies.get(cookie)
    if kept:
        survey = svc.load(kept)
        if (survey is not None and survey.code.administration_id == link.administration_id
                and survey.code.school_id == link.school_id and survey.code.respondent_group == link.respondent_group):
            return redirect(url_for("respond.open_code", code=survey.code.code))
    if administration.group(link.respondent_group) is None:
        return _failed_attempt()
    # Each fresh code from an open link counts against the client, so a script cannot inflate
    # "codes issued" without limit; a family or a library computer stays far below it.
    fresh_key = throttle_key("open-link", request.remote_addr or "")
    seconds = blocked_for(fresh_key)
    if seconds:
        raise Blocked(seconds)
    row = issue_codes(administration.id, link.school_id, link.respondent_group, 1, source="open_link")[0]
    cfg = current_app.config
    record_failure(fresh_key, cfg["OPEN_LINK_MAX_CODES"], cfg["OPEN_LINK_WINDOW_SECONDS"])  # commits the code too
    response = redirect(url_for("respond.open_code", code=row.code))
    response.set_cookie(cookie, row.code, expires=administration.closes_at.replace(tzinfo=dt.timezone.utc),
                        path="/", httponly=True, samesite="Lax", secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
    return response


# --- consent ----------------------------------------------------------------------------------

@bp.route("/s/<code>/consent", methods=["GET", "POST"])
def consent(code):
    """Consent/assent before any question. Yes starts the response; No opts the code out."""
    survey, page = _survey(code)
    if survey is None:
        return page
    form = ConsentForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        if form.choice.data == "no":
            svc.decline(survey)
            return redirect(url_for("respond.declined"))
        if svc.start(survey, lang()) is None:
            return unusable_message()
        return redirect(url_for("respond.page", code=survey.code.code, number=1))
    texts = survey.administration.consent_text or {}
    text = texts.get(lang()) or texts.get("en") or ""
    return render("respond/consent.html", survey=survey, form=form, consent_text=text,
                  title=survey.instrument.title.get(lang()) or survey.instrument.title.get("en"))


@bp.route("/s/declined")
def declined():
    return message(_("Thank you"), _("You chose not to take the survey. This code will not be used again. "
                                     "You can close this page."), 200, link=False)


# --- question pages ---------------------------------------------------------------------------

def _page_number(survey, number: str):
    if not (number.isascii() and number.isdigit() and len(number) <= 4):
        abort(400, _("This page is not part of the survey."))
    page = survey.page(int(number))
    if page is None:
        abort(400, _("This page is not part of the survey."))
    return page


@bp.route("/s/<code>/p/<number>", methods=["GET", "POST"])
def page(code, number):
    """One page of questions. POST replaces the page's stored answers, then moves on."""
    survey, shown = _survey(code)
    if survey is None:
        return shown
    page = _page_number(survey, number)
    if survey.response is None:
        if request.method == "POST":
            abort(400, _("Please answer the first question about taking part before the survey questions."))
        return redirect(url_for("respond.consent", code=survey.code.code))
    form = page_form(page)
    if request.method == "GET":
        return render_page(survey, page, form, svc.answers_of(survey.response))
    if form.tampered():
        abort(400)
    form.validate()
    answers, problems, cleared = form.answers(), form.problems(), form.cleared
    if cleared:
        # "Clear my answer": a chosen radio cannot be unchosen without JavaScript, so the page
        # is saved without that question and shown again.
        answers.pop(cleared, None)
    if problems:
        posted = answers | {field.name: field.data for field in form.answer_fields() if field.name in problems}
        return render_page(survey, page, form, posted, problems=problems)
    switch_to = form.switch_to
    if not svc.save_page(survey.response.id, page, answers, switch_to or lang()):
        return _not_saved(survey)
    code = survey.code.code
    if cleared:
        return redirect(url_for("respond.page", code=code, number=page.number) + f"#{cleared}")
    if switch_to:
        session["lang"] = switch_to
        return redirect(url_for("respond.page", code=code, number=page.number, lang=switch_to))
    if form.action.data == "back":
        return redirect(url_for("respond.page", code=code, number=page.number - 1) if page.number > 1
                        else url_for("respond.consent", code=code))
    if form.action.data == "review" or page.number == survey.total:
        return redirect(url_for("respond.review", code=code))
    return redirect(url_for("respond.page", code=code, number=page.number + 1))


# --- review, submit, thanks -------------------------------------------------------------------

@bp.route("/s/<code>/review")
def review(code):
    """Every page with how many of its questions are answered, a link to change it, and Submit."""
    survey, shown = _consented(code)
    if survey is None:
        return shown
    answers = svc.answers_of(survey.response)
    rows = [{"number": p.number, "title": page_title(p, lang()), "total": len(p.items),
             "answered": sum(1 for it in p.items if it.id in answers)} for p in survey.pages]
    return render("respond/review.html", survey=survey, rows=rows, form=SubmitForm(),
                  answered=sum(r["answered"] for r in rows), questions=sum(r["total"] for r in rows))


@bp.route("/s/<code>/submit", methods=["POST"])
def submit(code):
    """Submit once; a repeated click or replayed request lands on the same thank-you page."""
    survey, shown = _consented(code)
    if survey is None:
        return redirect(url_for("respond.thanks")) if _submitted_here(normalise_code(code)) else shown
    if not SubmitForm().validate():
        abort(400)
    if not svc.submit(survey):
        return _not_saved(survey)
    done = [c for c in session.get(SUBMITTED_KEY, []) if c != survey.code.code][-4:]
    session[SUBMITTED_KEY] = done + [survey.code.code]
    return redirect(url_for("respond.thanks"))


@bp.route("/s/thanks")
def thanks():
    return render("respond/thanks.html")
