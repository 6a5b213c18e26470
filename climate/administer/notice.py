"""The parent notice (PPRA) of an administration and the parental opt-outs a school records.

Student surveys touch areas the Protection of Pupil Rights Amendment protects (mental health,
substance use, anti-social behavior), so parents get a printed notice, in English and Spanish,
with the dates, the topics of the pinned questionnaire, how answers are kept private and how to
opt their child out. A school records only how many students were opted out, never who: that many
access codes are withheld, and response rates divide by enrollment less the opt-outs."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from surveys.domain import TOPICS

from .. import results
from ..extensions import db
from ..labels import group_label
from ..models import AccessCode, Administration, OptOut, School, utcnow
from .service import AdministrationError, pinned_instrument, to_local

NOTICE_LANGUAGES = ("en", "es")
NOTICE_GROUP = "student"  # PPRA protects students; adults answer for themselves
# Topics whose questions touch a PPRA-protected area, with the area in words.
PPRA_AREAS = {
    "mental_health": {"en": "mental or psychological problems", "es": "problemas mentales o psicológicos"},
    "substance_abuse": {"en": "illegal or anti-social behavior (alcohol, tobacco and drug use)",
                        "es": "conducta ilegal o antisocial (consumo de alcohol, tabaco y drogas)"},
    "bullying": {"en": "anti-social behavior (bullying)", "es": "conducta antisocial (acoso escolar)"},
}
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")


def long_date(when: dt.datetime, timezone: str, lang: str) -> str:
    """A stored UTC date-time as a date in words: "March 2, 2026" / "2 de marzo de 2026"."""
    d = to_local(when, timezone)
    if lang == "es":
        return f"{d.day} de {MONTHS_ES[d.month - 1]} de {d.year}"
    return f"{d:%B} {d.day}, {d.year}"


def notice(administration: Administration, school: School, lang: str) -> dict:
    """What the letter says for one school: dates, topics of the pinned student questionnaire (in
    reporting order), the PPRA areas among them, the SRO module, custom questions, the smallest
    group shown. ValueError when the administration has no student survey or lang is unknown."""
    if lang not in NOTICE_LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; the notice is in English (en) or Spanish (es).")
    group = administration.group(NOTICE_GROUP)
    if group is None:
        raise ValueError("This administration has no student survey, so no parent notice is needed.")
    instrument, custom = pinned_instrument(group)
    asked = {item.topic for item in instrument.items}
    topics = [t for t in TOPICS if t in asked]
    tz = administration.district.timezone
    return {"lang": lang, "administration": administration, "school": school, "topics": topics,
            "ppra": [PPRA_AREAS[t][lang] for t in topics if t in PPRA_AREAS],
            "sro": administration.sro_module and bool(instrument.sro_items), "custom": len(custom),
            "opens": long_date(administration.opens_at, tz, lang),
            "closes": long_date(administration.closes_at, tz, lang),
            "min_n": current_app.config["SUPPRESSION_MIN"], "district": administration.district.name,
            "today": long_date(utcnow(), tz, lang)}


def record_opt_outs(administration: Administration, school: School, group: str, count: int) -> OptOut:
    """Store how many students of the school were opted out by their parents (the caller commits).
    The count may not exceed the enrollment less the codes already handed out."""
    if school.id not in {s.id for s in administration.schools}:
        raise AdministrationError(_("%(school)s is not part of this administration.", school=school.name))
    if administration.group(group) is None:
        raise AdministrationError(_("This administration has no survey for that respondent group."))
    enrollment = school.enrollment(group)
    if count < 0:
        raise AdministrationError(_("The number of opt-outs cannot be negative."))
    if enrollment and count > enrollment:
        raise AdministrationError(f"{school.name} has {enrollment:,} enrolled, so at most {enrollment:,} can be "
                                  f"opted out; {count:,} were entered. Nothing was saved.")
    row = db.session.get(OptOut, (administration.id, school.id, group))
    if row is None:
        row = OptOut(administration_id=administration.id, school_id=school.id, respondent_group=group)
        db.session.add(row)
    row.opted_out = count
    return row


def issued_count(administration: Administration, school_id: int, group: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AccessCode).where(
        AccessCode.administration_id == administration.id, AccessCode.school_id == school_id,
        AccessCode.respondent_group == group, AccessCode.source == "issued")) or 0


def codes_left(administration: Administration, school: School, group: str) -> int | None:
    """How many more codes may be handed out: enrollment less parental opt-outs less codes already
    issued; None when the school records no enrollment for the group (nothing to count against)."""
    if not school.enrollment(group):
        return None
    base = results.rate_base(school, group, results.opt_out_counts(administration.id))
    return max(base - issued_count(administration, school.id, group), 0)


def check_codes_allowed(administration: Administration, school: School, group: str, count: int) -> None:
    """AdministrationError when issuing count more codes would hand out more than enrollment less opt-outs."""
    left = codes_left(administration, school, group)
    if left is None or count <= left:
        return
    opted = results.opt_out_counts(administration.id).get((school.id, group), 0)
    raise AdministrationError(
        f"Only {left:,} more codes can be issued for {group_label(group).lower()} of {school.name}: "
        f"{school.enrollment(group):,} enrolled, {opted:,} opted out by their parents, "
        f"{issued_count(administration, school.id, group):,} codes already issued. No codes were made.")
