"""Administrations: creating, extending and deleting them by the rules that keep stored answers
meaningful, their pinned questionnaires, and their live response status. Pages and commands share it.

An administration pins the instrument version of each respondent group by storing a snapshot of
the questionnaire; later edits to the files make new versions and never touch this one."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select

from surveys.domain import RESPONDENT_GROUPS
from surveys.instruments import Instrument, InstrumentError, validate_custom_items

from .. import results
from ..extensions import db
from ..models import AccessCode, Administration, AdministrationGroup, District, Job, Response, School
from ..respond.consent import consent_texts

class AdministrationError(ValueError):
    """The administration cannot be made or changed that way; the message says why."""


def to_utc(local: dt.datetime, timezone: str) -> dt.datetime:
    """A naive local date-time in the district's time zone, as naive UTC."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdministrationError(_("The district's time zone %(zone)r is unknown.", zone=timezone)) from None
    return local.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(utc: dt.datetime, timezone: str) -> dt.datetime:
    """A stored naive UTC date-time in the district's time zone (naive)."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def local(administration: Administration, when: dt.datetime) -> str:
    """A stored date-time as the district reads it: "2026-03-02 08:00"."""
    return to_local(when, administration.district.timezone).strftime("%Y-%m-%d %H:%M")


def instruments() -> dict[str, Instrument]:
    return current_app.extensions["instruments"]


def create_administration(district: District, name: str, opens_local: dt.datetime, closes_local: dt.datetime,
                          schools: Sequence[School], groups: Iterable[str], sro_module: bool = False,
                          custom_items: dict[str, list[dict]] | None = None,
                          consent_text: dict[str, dict[str, str]] | None = None) -> Administration:
    """Validate and add an administration (the caller commits). Dates are in the district's time zone.

    consent_text: respondent group -> {"en", "es"}; a blank or missing text is the group's default.

    custom_items: respondent group -> list of {"text": {"en", "es"}, "options": [{"en", "es"}, ...]}."""
    name = (name or "").strip()
    groups = list(dict.fromkeys(groups))
    problems = []
    if not name:
        problems.append(_("Give the administration a name."))
    elif db.session.scalar(select(Administration.id).where(
            Administration.district_id == district.id, func.lower(Administration.name) == name.lower())):
        problems.append(_("Your district already has an administration named %(name)r.", name=name))
    if opens_local >= closes_local:
        problems.append(_("The close date must be after the open date."))
    if not schools:
        problems.append(_("Choose at least one school."))
    if any(s.district_id != district.id for s in schools):
        problems.append(_("Every school must belong to your district."))
    if not groups:
        problems.append(_("Choose at least one respondent group."))
    unknown = [g for g in groups if g not in RESPONDENT_GROUPS]
    if unknown:
        problems.append(_("Unknown respondent group(s): %(groups)s.", groups=", ".join(unknown)))
    consent = consent_texts([g for g in groups if g in RESPONDENT_GROUPS], consent_text)
    pinned = {}
    custom_items = custom_items or {}
    for group in groups:
        if group not in RESPONDENT_GROUPS:
            continue
        try:
            custom = validate_custom_items(custom_items.get(group, []))
        except InstrumentError as exc:
            problems.append(_("Custom items for %(group)s: %(problem)s", group=group.replace("_", " "), problem=exc))
            continue
        pinned[group] = (instruments()[group], [c.to_dict() for c in custom])
    if problems:
        raise AdministrationError(" ".join(problems))
    administration = Administration(
        district_id=district.id, name=name, sro_module=bool(sro_module), consent_text=consent,
        opens_at=to_utc(opens_local, district.timezone), closes_at=to_utc(closes_local, district.timezone))
    administration.schools = list(schools)
    for group, (instrument, custom) in pinned.items():
        administration.groups.append(AdministrationGroup(
            respondent_group=group, instrument_version=instrument.version,
            instrument=instrument.to_dict(), custom_items=custom))
    db.session.add(administration)
    db.session.flush()
    return administration


def has_answers(administration: Administration) -> bool:
    """Once anyone has answered, the questions of an administration are fixed."""
    return bool(db.session.scalar(select(exists().where(Response.administration_id == administration.id))))


def delete_administration(administration: Administration) -> None:
    """Delete an administration nobody has answered yet (the caller commits)."""
    if has_answers(administration):
        raise AdministrationError(_("This administration has responses, so it cannot be deleted."))
    db.session.delete(administration)


def extend_close(administration: Administration, new_close_local: dt.datetime) -> None:
    """Move the close date later (the caller commits). Closing earlier is not allowed."""
    new_close = to_utc(new_close_local, administration.district.timezone)
    if new_close <= administration.closes_at:
        raise AdministrationError(_("The new close date must be later than the current one."))
    administration.closes_at = new_close
    administration.closed_processed_at = None


def scoring_job(administration: Administration) -> Job | None:
    """The administration's latest scoring job (its state, progress and last error), or None."""
    return db.session.scalar(select(Job).where(Job.administration_id == administration.id, Job.kind == "score")
                             .order_by(Job.id.desc()).limit(1))


_SNAPSHOT_CACHE: dict[tuple, tuple[Instrument, tuple]] = {}


def pinned_instrument(group: AdministrationGroup) -> tuple[Instrument, tuple]:
    """The pinned questionnaire and custom items of an administration group (parsed once per process)."""
    key = (group.administration_id, group.respondent_group, group.instrument_version,
           repr(group.custom_items), group.instrument.get("version"))
    if key not in _SNAPSHOT_CACHE:
        instrument = Instrument.from_dict(group.instrument, source=f"administration {group.administration_id}")
        custom = validate_custom_items([{"text": c["text"], "options": c["options"]} for c in group.custom_items])
        _SNAPSHOT_CACHE[key] = (instrument, custom)
    return _SNAPSHOT_CACHE[key]


def status_table(administration: Administration, school_ids: set[int] | None = None) -> tuple[list[dict], dict]:
    """Per school and group: codes issued, started, submitted, opted out, response rate; and totals.

    Issued counts every code handed out (not the one-time codes made by open links); started counts
    responses begun and not submitted (in progress or incomplete); opted out counts codes whose holder
    declined at the consent page, parent_opt_outs the parental opt-outs (PPRA) the school recorded.
    Three queries (access codes, responses, opt-outs); rates are submitted / base, the base being
    enrollment(group) less parental opt-outs."""
    schools = [s for s in administration.schools if school_ids is None or s.id in school_ids]
    ids = [s.id for s in schools]
    code_counts = {(s, g): (issued, opted) for s, g, issued, opted in db.session.execute(
        select(AccessCode.school_id, AccessCode.respondent_group,
               func.sum(case((AccessCode.source != "open_link", 1), else_=0)),
               func.sum(case((AccessCode.status == "opted_out", 1), else_=0)))
        .where(AccessCode.administration_id == administration.id, AccessCode.school_id.in_(ids))
        .group_by(AccessCode.school_id, AccessCode.respondent_group))}
    response_counts: dict = {}
    for s, g, status, n in db.session.execute(
            select(Response.school_id, Response.respondent_group, Response.status, func.count())
            .where(Response.administration_id == administration.id, Response.school_id.in_(ids))
            .group_by(Response.school_id, Response.respondent_group, Response.status)):
        response_counts[(s, g, status)] = n
    opt_outs = results.opt_out_counts(administration.id)
    rows = []
    totals = {"issued": 0, "started": 0, "submitted": 0, "opted_out": 0, "enrollment": 0, "parent_opt_outs": 0,
              "base": 0}
    for school in schools:
        for g in sorted((ag.respondent_group for ag in administration.groups), key=RESPONDENT_GROUPS.index):
            issued, opted = code_counts.get((school.id, g), (0, 0))
            started = response_counts.get((school.id, g, "in_progress"), 0) + \
                response_counts.get((school.id, g, "incomplete"), 0)
            submitted = response_counts.get((school.id, g, "submitted"), 0)
            enrollment = school.enrollment(g)
            base = results.rate_base(school, g, opt_outs)
            row = {"school": school, "group": g, "issued": int(issued or 0), "started": started,
                   "submitted": submitted, "opted_out": int(opted or 0), "enrollment": enrollment,
                   "parent_opt_outs": opt_outs.get((school.id, g), 0), "base": base,
                   "rate": submitted / base if base else None}
            rows.append(row)
            for key in totals:
                totals[key] += row[key]
    totals["rate"] = totals["submitted"] / totals["base"] if totals["base"] else None
    return rows, totals
