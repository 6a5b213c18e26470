"""Handing out access codes and open links: the printable slips, the CSV file, the codes not used
yet, and one open link per school and respondent group. (The code format itself is climate.codes.)"""
from __future__ import annotations

import secrets

from flask import current_app, render_template
from sqlalchemy import func, select

from ..csvsafe import csv_text
from ..extensions import db
from ..models import AccessCode, Administration, OpenLink, School

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """Where survey links point: PUBLIC_BASE_URL, else the embedded server's address (the demo sets
    the port it serves). Never the request's Host header, which the client chooses."""
    return current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL


def survey_url(base: str, code: str) -> str:
    return base.rstrip("/") + "/s/" + code


def open_link_url(base: str, token: str) -> str:
    return base.rstrip("/") + "/o/" + token


def codes_csv(codes: list[str], base: str, school: School, group: str) -> str:
    rows = [["code", "link", "school", "group"]]
    rows += [[code, survey_url(base, code), school.name, group] for code in codes]
    return csv_text(rows)


def codes_sheet(codes: list[str], base: str, administration: Administration, school: School, group: str,
                standalone: bool = False) -> str:
    """The printable sheet of slips. standalone=True embeds the stylesheet (a file opened from disk)."""
    css = render_template("administer/slips.css") if standalone else None
    return render_template("administer/slips.html", codes=codes, base=base.rstrip("/"), administration=administration,
                           school=school, group=group, inline_css=css, survey_url=survey_url)


def unused_codes(administration: Administration, school_id: int, group: str) -> list[str]:
    return list(db.session.scalars(select(AccessCode.code).where(
        AccessCode.administration_id == administration.id, AccessCode.school_id == school_id,
        AccessCode.respondent_group == group, AccessCode.source == "issued", AccessCode.status == "issued")
        .order_by(AccessCode.code)))


def unused_code_counts(administration: Administration) -> dict[tuple[int, str], int]:
    """(school id, group) -> how many handed-out codes nobody has used yet (one GROUP BY)."""
    rows = db.session.execute(
        select(AccessCode.school_id, AccessCode.respondent_group, func.count())
        .where(AccessCode.administration_id == administration.id, AccessCode.source == "issued",
               AccessCode.status == "issued")
        .group_by(AccessCode.school_id, AccessCode.respondent_group)).all()
    return {(school_id, group): n for school_id, group, n in rows}


def get_or_create_open_link(administration: Administration, school_id: int, group: str) -> tuple[OpenLink, bool]:
    link = db.session.scalar(select(OpenLink).where(
        OpenLink.administration_id == administration.id, OpenLink.school_id == school_id,
        OpenLink.respondent_group == group))
    if link is not None:
        return link, False
    link = OpenLink(token=secrets.token_urlsafe(16), administration_id=administration.id, school_id=school_id,
                    respondent_group=group)
    db.session.add(link)
    db.session.flush()
    return link, True
