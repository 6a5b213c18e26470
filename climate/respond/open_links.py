"""Open links (`/o/<token>`): each new visitor gets a fresh one-time access code, kept in a cookie
of the link's own; a browser that already started a survey from the link is asked whether to
continue it or start a new one for someone else, never resumed or restarted silently."""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import select

from .. import throttle
from ..codes import issue_codes, normalise_code
from ..extensions import db
from ..models import Administration, OpenLink
from . import progress as svc
from .display import render, unusable_message
from .forms import OpenLinkForm
from .routes import OPEN_LINK_COOKIE, Blocked, _begin, _check_blocked, _code_key, _failed, _session_digest, _where_to, bp


def _open_link_target(token: str):
    """(link, administration) of a usable open link, else (None, None). Counted like a code."""
    key = _code_key()
    _check_blocked(key)
    link = db.session.scalar(select(OpenLink).where(OpenLink.token == token)) if 0 < len(token) <= 32 else None
    administration = db.session.get(Administration, link.administration_id) if link else None
    if link is None or administration is None or not administration.is_open() \
            or administration.group(link.respondent_group) is None:
        _failed(key, f"open:{token}")
        return None, None
    return link, administration


def _kept(link: OpenLink) -> svc.State | None:
    """The survey this browser started from the link, from the link's cookie."""
    kept = request.cookies.get(OPEN_LINK_COOKIE.format(link.id))
    st = svc.find(kept) if kept else None
    if st is None or (st.administration_id, st.school_id, st.respondent_group) != (
            link.administration_id, link.school_id, link.respondent_group):
        return None
    return st


def _fresh(link: OpenLink, administration: Administration):
    """A new one-time code from the link for this visitor, kept in the link's cookie."""
    # Each fresh code counts against the client, so a script cannot inflate "codes issued"
    # without limit; a family or a library computer stays far below it.
    cfg = current_app.config
    wait = throttle.claim(throttle.throttle_key("open-link", request.remote_addr or ""),
                          cfg["OPEN_LINK_MAX_CODES"], cfg["OPEN_LINK_WINDOW_SECONDS"])
    if wait:
        raise Blocked(wait)
    row = issue_codes(administration.id, link.school_id, link.respondent_group, 1, source="open_link")[0]
    code = row.code
    db.session.commit()
    st = svc.find(code)
    _begin(st, _session_digest(code), link.id)
    response = redirect(url_for("respond.consent"))
    response.set_cookie(OPEN_LINK_COOKIE.format(link.id), code,
                        expires=administration.closes_at.replace(tzinfo=dt.timezone.utc), path="/", httponly=True,
                        samesite="Lax", secure=bool(cfg["SESSION_COOKIE_SECURE"]))
    return response


@bp.route("/o/<token>", methods=["GET", "POST"])
def open_link(token):
    """An open link: each new visitor gets a fresh one-time code. A browser that started a survey
    from the link is asked whether to continue it or start a new one for someone else, and is
    told when the survey it started was submitted; it never resumes or restarts silently."""
    link, administration = _open_link_target(token)
    if link is None:
        return unusable_message()
    g.school_name = link.school.name
    kept = _kept(link)
    form = OpenLinkForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        if form.choice.data == "continue" and kept is not None and kept.usable:
            _begin(kept, _session_digest(normalise_code(request.cookies[OPEN_LINK_COOKIE.format(link.id)])), link.id)
            return _where_to(kept)
        if form.choice.data == "new":
            return _fresh(link, administration)
        return redirect(url_for("respond.open_link", token=token))
    if kept is None or not (kept.usable or kept.submitted):
        return _fresh(link, administration)
    return render("respond/open_link.html", form=form, token=token, submitted=kept.submitted)
