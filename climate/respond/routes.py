"""The respondent's pages: enter a code (or follow an open link), consent, answer page by page,
review, submit, thank you. No JavaScript anywhere; English and Spanish on every page.

Routes
  /s                       code entry form (respond.enter_code); POST opens the survey
  /s/<code>                a printed slip's link: opens the survey like the form does
  /s/consent               consent/assent; "No" opts the code out
  /s/p/<n>                 question page n (GET shows, POST saves then moves; "Save and leave")
  /s/review                every page with its answered count and a link to change it
  /s/submit                POST: submit once
  /s/thanks, /s/declined   closing pages
  /o/<token>               open link: a fresh one-time code per visitor; a browser that started
                           one is asked whether to continue it or start one for someone else

The code leaves the address bar once it is entered: the access code's id (and its response's,
after consent) goes in the signed session cookie, and later pages have code-free addresses, so a
page shows answers only to the visit that entered the code. A session holding a survey is never
throttled.

Every code that cannot be used (unknown, submitted, opted out, outside the window) gets the same
page and status, and counts as a failure for the client's throttle (`climate.throttle`)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_babel import refresh
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from ..codes import normalise_code
from ..extensions import db, login_manager
from ..models import AccessCode, Administration
from .. import throttle
from . import progress as svc
from .consent import consent_for
from .display import (LANGUAGES, already_submitted, closed_message, lang, message, page_title, render, render_page,
                      unusable_message)
from .forms import CodeForm, ConsentForm, SubmitForm

bp = Blueprint("respond", __name__)

OPEN_LINK_COOKIE = "climate_open_{}"
SURVEY_KEY = "respond"  # {"c": access code id, "r": response id, "d": code digest, "a": administration id,
#                         "g": respondent group, "l": open link id}
SUBMITTED_KEY = "respond_submitted"  # access code ids this browser submitted (the last five)
LEFT_KEY = "respond_left"       # set by "Save and leave" for the code form's note


@bp.before_request
def remember_language():
    """?lang=es on any respondent page switches the language for the rest of the visit."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and session.get("lang") != chosen:
        session["lang"] = chosen
    refresh()  # the locale is cached on `g`, which outlives a request when an app context is reused
    # Respondent pages never show a staff account. Without this, Flask-Login's template context
    # loads the user on every page, and its "strong" session protection, finding a session with
    # no sign-in in it, marks the session changed: each page then re-signed the session cookie and
    # sent a remember-me cookie deletion.
    g._login_user = login_manager.anonymous_user()


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


class Blocked(HTTPException):
    code = 429

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


@bp.errorhandler(Blocked)
def too_many(exc):
    seconds = max(1, exc.retry_after)
    page, status = message(_("Please wait"),
                           _("Many codes that do not work were tried from here. Please wait %(seconds)d seconds "
                             "and try again.", seconds=seconds), 429, link=False)
    return page, status, {"Retry-After": str(seconds)}


# --- the session's survey ---------------------------------------------------------------------

def _code_key() -> str:
    return throttle.throttle_key("code", request.remote_addr or "")


def _check_blocked(key: str) -> None:
    """A client that must wait learns nothing about its attempt, right or wrong: 429 first."""
    wait = throttle.wait_for(key)
    if wait:
        raise Blocked(wait)


def _failed(key: str, value: str) -> None:
    """Count a failed attempt (one atomic upsert). Of simultaneous failures beyond the limit only
    the allowed number is counted; the others get the 429 the client would get next."""
    cfg = current_app.config
    wait = throttle.claim(key, cfg["CODE_MAX_FAILURES"], cfg["CODE_BLOCK_SECONDS"], throttle.value_digest(value))
    if wait:
        raise Blocked(wait)


def _session_digest(code: str) -> str:
    """How the session recognises the code it holds, without keeping the code in the cookie."""
    return throttle.value_digest(f"session:{code}")


def _begin(st: svc.State, digest: str, link_id: int | None = None) -> None:
    """The survey now belongs to this visit (replacing any other survey of this browser)."""
    held = {"c": st.code_id, "r": st.response_id, "d": digest, "a": st.administration_id, "g": st.respondent_group}
    if link_id is not None:
        held["l"] = link_id
    session[SURVEY_KEY] = held
    if LEFT_KEY in session:
        del session[LEFT_KEY]


def _submitted_here(code_id: int) -> bool:
    return code_id in session.get(SUBMITTED_KEY, [])


def _where_to(st: svc.State):
    """Consent first, then where the respondent left off."""
    if st.response_id is None:
        return redirect(url_for("respond.consent"))
    full = svc.state(st.code_id)
    number = svc.resume_page(full.model.plain_pages, full.answers)
    return redirect(url_for("respond.review") if number is None else url_for("respond.page", number=number))


def _open(code_text: str):
    """Open a typed or linked code: the redirect into the survey, or None (counted as a failure)
    when the code cannot be used. A browser that holds this very code is not throttled."""
    code = normalise_code(code_text) or code_text
    digest = _session_digest(code)
    held = session.get(SURVEY_KEY)
    key = None if held and held.get("d") == digest else _code_key()
    if key is not None:
        _check_blocked(key)
    st = svc.find(code)
    if st is not None and (st.usable or (st.submitted and _submitted_here(st.code_id))):
        if not st.usable:
            return already_submitted()
        _begin(st, digest, held.get("l") if held and held.get("c") == st.code_id else None)
        return _where_to(st)
    if key is not None:
        _failed(key, code)
    return None


def _current(with_answers: bool = False, saving: bool = False):
    """(state, None) for the survey this visit holds, else (None, the page to show)."""
    held = session.get(SURVEY_KEY)
    if not held:
        if saving:
            return None, message(_("Please enter your code again"),
                                 _("This visit has ended, so what you sent could not be saved. Enter your code to go on "
                                   "where you left off: the answers you saved before are kept."), 409)
        return None, redirect(url_for("respond.enter_code"))
    st = svc.state(held["c"], with_answers)
    if st is None:
        session.pop(SURVEY_KEY, None)
        return None, unusable_message()
    g.school_name = st.school_name
    if st.response_id != held.get("r"):  # consent given in another tab or browser holding the code
        session[SURVEY_KEY] = {**held, "r": st.response_id}
    if st.usable:
        return st, None
    if st.submitted:
        return None, already_submitted()
    if st.code_status == "opted_out":
        return None, unusable_message()
    return None, closed_message(saving)


def _consented(with_answers: bool = False, saving: bool = False):
    st, shown = _current(with_answers, saving)
    if st is not None and st.response_id is None:
        return None, redirect(url_for("respond.consent"))
    return st, shown


# --- code entry -------------------------------------------------------------------------------

@bp.route("/s", methods=["GET", "POST"])
def enter_code():
    """Ask for the access code. A wrong code gets the same friendly message whatever the reason."""
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        opened = _open(form.code.data or "")
        if opened is not None:
            return opened
        error = _("This code can't be used right now. Check it and try again, or ask the person who gave it to you.")
    elif request.method == "POST":
        error = _("Type the code you were given.")
    # (popping a missing key would still mark the session changed and re-send its cookie)
    left = session.pop(LEFT_KEY) if request.method == "GET" and LEFT_KEY in session else None
    return render("respond/enter_code.html", status=200 if error is None else 404 if form.code.data else 400,
                  form=form, error=error, left=left, lang_target=url_for("respond.enter_code"))


@bp.route("/s/<code>")
def open_code(code):
    """A slip's link: opens the survey and moves to a code-free address."""
    opened = _open(code)
    return opened if opened is not None else unusable_message()


# --- consent ----------------------------------------------------------------------------------

@bp.route("/s/consent", methods=["GET", "POST"])
def consent():
    """Consent/assent before any question, in the respondent group's own text. Yes starts the
    response; No opts the code out."""
    st, shown = _current()
    if st is None:
        return shown
    form = ConsentForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        if form.choice.data == "no":
            svc.decline(st)
            session.pop(SURVEY_KEY, None)
            return redirect(url_for("respond.declined"))
        if st.response_id is None:
            if svc.start(st, lang()) is None:
                return unusable_message()
            session[SURVEY_KEY] = {**session[SURVEY_KEY], "r": st.response_id}
        return redirect(url_for("respond.page", number=1))
    texts = db.session.scalar(select(Administration.consent_text).where(Administration.id == st.administration_id))
    title = st.model.instrument.title
    return render("respond/consent.html", form=form, consent_text=consent_for(texts, st.respondent_group, lang()),
                  title=title.get(lang()) or title.get("en"))


@bp.route("/s/declined")
def declined():
    return message(_("Thank you"), _("You chose not to take the survey. This code will not be used again. "
                                     "You can close this page."), 200, link=False)


# --- question pages ---------------------------------------------------------------------------

def _page_number(model, number: str):
    if not (number.isascii() and number.isdigit() and len(number) <= 4):
        abort(400, _("This page is not part of the survey."))
    page = model.page(int(number))
    if page is None:
        abort(400, _("This page is not part of the survey."))
    return page


def _posted_language() -> str:
    action = request.form.get("action", "")
    return action[5:] if action.startswith("lang-") and action[5:] in LANGUAGES else lang()


@bp.route("/s/p/<number>", methods=["GET", "POST"])
def page(number):
    """One page of questions. POST replaces the page's stored answers, then moves on.

    A view is one statement (`svc.state`); a save is one statement on PostgreSQL
    (`svc.save_pinned`), else the guard UPDATE (`svc.lock_for_save`) and the page's write
    (`svc.store_page`); nothing is read after it."""
    if request.method == "GET":
        st, shown = _consented(with_answers=True)
        if st is None:
            return shown
        model = st.model
        page = _page_number(model, number)
        return render_page(model, page, st.answers)
    held = session.get(SURVEY_KEY)
    if not held:
        return _current(saving=True)[1]
    if not held.get("r"):
        abort(400, _("Please answer the first question about taking part before the survey questions."))
    return _save(number, held, svc.pinned_for_save(held.get("a"), held.get("g")))


def _save(number: str, held: dict, known):
    """Save the posted page: in one statement when this process knows the group's pinned
    questionnaire (`known`), else (or when that statement wrote nothing) the guard UPDATE first."""
    language = _posted_language()
    model = known.model if known is not None else svc.lock_for_save(held["c"], held["r"], language)
    if model is None:
        st, shown = _current(saving=True)
        return shown if st is None else unusable_message()
    page = _page_number(model, number)
    form = page.form_class()
    if form.tampered():
        abort(400)
    form.validate()
    answers, problems, cleared = form.answers(), form.problems(), form.cleared
    if cleared:
        # "Clear my answer": a chosen radio cannot be unchosen without JavaScript, so the page
        # is saved without that question and shown again.
        answers.pop(cleared, None)
    if problems:
        db.session.rollback()
        st, shown = _current()
        if st is None:
            return shown
        posted = answers | {field.name: field.data for field in form.answer_fields() if field.name in problems}
        return render_page(model, page, posted, problems=problems)
    if known is None:
        svc.store_page(held["r"], page.page, answers)
    elif not svc.save_pinned(held["c"], held["r"], language, known, page.page, answers):
        return _save(number, held, None)  # nothing was written: the two-step save says why
    action, switch_to = form.action.data, form.switch_to
    if action == "leave":
        return _leave(held)
    if cleared:
        return redirect(url_for("respond.page", number=page.number) + f"#{cleared}")
    if switch_to:
        session["lang"] = switch_to
        return redirect(url_for("respond.page", number=page.number, lang=switch_to))
    if action == "back":
        return redirect(url_for("respond.page", number=page.number - 1) if page.number > 1
                        else url_for("respond.consent"))
    if action == "review" or page.number == model.total:
        return redirect(url_for("respond.review"))
    return redirect(url_for("respond.page", number=page.number + 1))


def _leave(held: dict):
    """"Save and leave" (the page is saved): the visit ends, so the next person at this device
    sees nothing of it; the code form says how to come back. A code from an open link was never
    printed, so it is shown once for the respondent to write down."""
    code, source = db.session.execute(select(AccessCode.code, AccessCode.source)
                                      .where(AccessCode.id == held["c"])).one()
    session.pop(SURVEY_KEY, None)
    session[LEFT_KEY] = {"code": code if source == "open_link" else None}
    response = redirect(url_for("respond.enter_code"))
    if held.get("l"):
        response.delete_cookie(OPEN_LINK_COOKIE.format(held["l"]), path="/", httponly=True, samesite="Lax",
                               secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
    return response


# --- review, submit, thanks -------------------------------------------------------------------

@bp.route("/s/review")
def review():
    """Every page with how many of its questions are answered, a link to change it, and Submit."""
    st, shown = _consented(with_answers=True)
    if st is None:
        return shown
    rows = [{"number": p.number, "title": page_title(p, lang()), "total": len(p.items),
             "answered": sum(1 for it in p.items if it.id in st.answers)} for p in st.model.pages]
    return render("respond/review.html", rows=rows, form=SubmitForm(), total=st.model.total,
                  answered=sum(r["answered"] for r in rows), questions=sum(r["total"] for r in rows))


@bp.route("/s/submit", methods=["POST"])
def submit():
    """Submit once; a repeated click from the browser that submitted lands on the thank-you page."""
    held = session.get(SURVEY_KEY)
    if held and _submitted_here(held["c"]):
        return redirect(url_for("respond.thanks"))
    st, shown = _consented(saving=True)
    if st is None:
        return shown
    if not SubmitForm().validate():
        abort(400)
    if not svc.submit(st):
        st, shown = _current()
        return shown if st is None else unusable_message()
    done = [c for c in session.get(SUBMITTED_KEY, []) if c != st.code_id][-4:]
    session[SUBMITTED_KEY] = done + [st.code_id]
    return redirect(url_for("respond.thanks"))


@bp.route("/s/thanks")
def thanks():
    return render("respond/thanks.html")
