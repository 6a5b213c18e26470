"""Creating and changing administrations: the rules that keep stored answers meaningful.

An administration pins the instrument version of each respondent group by storing a snapshot of
the questionnaire; later edits to the files make new versions and never touch this one."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import exists, func, select

from surveys.domain import RESPONDENT_GROUPS
from surveys.instruments import Instrument, InstrumentError, validate_custom_items

from .extensions import db
from .models import Administration, AdministrationGroup, District, Response, School

DEFAULT_CONSENT = {
    "en": ("This survey asks what you think about your school. It is not a test: there are no right or "
           "wrong answers. Your answers are private. We never ask your name, and nobody at your school "
           "will see your own answers, only totals for groups of at least ten people. You can skip any "
           "question, and you can stop at any time. Do you want to take the survey?"),
    "es": ("Esta encuesta pregunta qué piensas de tu escuela. No es un examen: no hay respuestas correctas "
           "ni incorrectas. Tus respuestas son privadas. Nunca preguntamos tu nombre, y nadie en tu escuela "
           "verá tus respuestas, solo totales de grupos de al menos diez personas. Puedes saltar cualquier "
           "pregunta y puedes parar cuando quieras. ¿Quieres responder la encuesta?"),
}


class AdministrationError(ValueError):
    """The administration cannot be made or changed that way; the message says why."""


def to_utc(local: dt.datetime, timezone: str) -> dt.datetime:
    """A naive local date-time in the district's time zone, as naive UTC."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdministrationError(f"The district's time zone {timezone!r} is unknown.") from None
    return local.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(utc: dt.datetime, timezone: str) -> dt.datetime:
    """A stored naive UTC date-time in the district's time zone (naive)."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def instruments() -> dict[str, Instrument]:
    return current_app.extensions["instruments"]


def create_administration(district: District, name: str, opens_local: dt.datetime, closes_local: dt.datetime,
                          schools: Sequence[School], groups: Iterable[str], sro_module: bool = False,
                          custom_items: dict[str, list[dict]] | None = None,
                          consent_text: dict[str, str] | None = None) -> Administration:
    """Validate and add an administration (the caller commits). Dates are in the district's time zone.

    custom_items: respondent group -> list of {"text": {"en", "es"}, "options": [{"en", "es"}, ...]}."""
    name = (name or "").strip()
    groups = list(dict.fromkeys(groups))
    problems = []
    if not name:
        problems.append("Give the administration a name.")
    elif db.session.scalar(select(Administration.id).where(
            Administration.district_id == district.id, func.lower(Administration.name) == name.lower())):
        problems.append(f"Your district already has an administration named {name!r}.")
    if opens_local >= closes_local:
        problems.append("The close date must be after the open date.")
    if not schools:
        problems.append("Choose at least one school.")
    if any(s.district_id != district.id for s in schools):
        problems.append("Every school must belong to your district.")
    if not groups:
        problems.append("Choose at least one respondent group.")
    unknown = [g for g in groups if g not in RESPONDENT_GROUPS]
    if unknown:
        problems.append(f"Unknown respondent group(s): {', '.join(unknown)}.")
    consent = dict(DEFAULT_CONSENT)
    for lang, text in (consent_text or {}).items():
        if text and text.strip():
            consent[lang] = text.strip()
    pinned = {}
    custom_items = custom_items or {}
    for group in groups:
        if group not in RESPONDENT_GROUPS:
            continue
        try:
            custom = validate_custom_items(custom_items.get(group, []))
        except InstrumentError as exc:
            problems.append(f"Custom items for {group.replace('_', ' ')}: {exc}")
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


def extend_close(administration: Administration, new_close_local: dt.datetime) -> None:
    """Move the close date later (the caller commits). Closing earlier is not allowed."""
    new_close = to_utc(new_close_local, administration.district.timezone)
    if new_close <= administration.closes_at:
        raise AdministrationError("The new close date must be later than the current one.")
    administration.closes_at = new_close
    administration.closed_processed_at = None


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


def find_administration(ref: str) -> Administration:
    """An administration by id or by exact name (for the command line)."""
    ref = (ref or "").strip()
    found = db.session.get(Administration, int(ref)) if ref.isdigit() else None
    if found is None:
        matches = db.session.scalars(select(Administration).where(Administration.name == ref)).all()
        if len(matches) > 1:
            raise AdministrationError(f"{len(matches)} administrations are named {ref!r}; give its id instead.")
        found = matches[0] if matches else None
    if found is None:
        raise AdministrationError(f"There is no administration {ref!r}; `climate administration list` shows them.")
    return found
