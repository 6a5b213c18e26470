"""The respondent's side of an administration as plain service functions: find a usable code,
start (or resume) its one response, save a page, submit, decline, and close out.

Every write is safe to repeat and safe to race, because the database decides:

* one response per access code: ``response.access_code_id`` is UNIQUE; ``start`` INSERTs inside a
  savepoint and, on IntegrityError, re-reads the row the other request made;
* a page save is one transaction that first takes the response row (``UPDATE ... WHERE
  status='in_progress'``), then deletes the page's now-unanswered items and upserts the answered
  ones (``INSERT ... ON CONFLICT DO UPDATE``). After submit that first UPDATE matches nothing, so
  a late or replayed save changes nothing;
* submit is a conditional UPDATE (``in_progress -> submitted``) whose rowcount says whether this
  request did it; replays are harmless.

Writers lock rows in one order (access code, then response) so PostgreSQL cannot deadlock.
Nothing here stores who the respondent is: no IP address, user agent or name, dates only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from surveys.instruments import CustomItem, Instrument, Page, validate_custom_items

from ..codes import normalise_code
from ..extensions import db
from ..models import AccessCode, Administration, AdministrationGroup, Answer, Response

USABLE_CODE_STATUSES = ("issued", "started")


@dataclass
class Survey:
    """Everything a respondent page needs about one access code."""
    code: AccessCode
    administration: Administration
    instrument: Instrument
    custom: tuple[CustomItem, ...]
    pages: list[Page]
    response: Response | None

    @property
    def total(self) -> int:
        return len(self.pages)

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None


# --- instruments ------------------------------------------------------------------------------

_PINNED: dict[tuple, tuple[Instrument, tuple[CustomItem, ...]]] = {}


def _pinned(administration_id: int, group: str, version: str | None = None,
            custom_items: list | None = None) -> tuple[Instrument, tuple[CustomItem, ...]] | None:
    """The pinned questionnaire of an administration group, parsed once per process.

    The snapshot JSON is large, so it is read from the database only on a cache miss: the key
    (version and custom items) changes whenever the snapshot may have changed. Callers that
    already have the version and custom items pass them and save a query."""
    if version is None:
        row = db.session.execute(
            select(AdministrationGroup.instrument_version, AdministrationGroup.custom_items)
            .where(AdministrationGroup.administration_id == administration_id,
                   AdministrationGroup.respondent_group == group)).first()
        if row is None:
            return None
        version, custom_items = row
    key = (administration_id, group, version, repr(custom_items))
    if key not in _PINNED:
        snapshot = db.session.scalar(select(AdministrationGroup.instrument).where(
            AdministrationGroup.administration_id == administration_id,
            AdministrationGroup.respondent_group == group))
        instrument = Instrument.from_dict(snapshot, source=f"administration {administration_id}")
        custom = validate_custom_items([{"text": c["text"], "options": c["options"]} for c in custom_items or []])
        _PINNED[key] = (instrument, custom)
    return _PINNED[key]


@lru_cache(maxsize=256)
def _pages(instrument: Instrument, custom: tuple[CustomItem, ...], sro: bool) -> list[Page]:
    return instrument.pages(sro=sro, custom=custom)


def survey_pages(administration: Administration, instrument: Instrument,
                 custom: tuple[CustomItem, ...]) -> list[Page]:
    """The pages a respondent sees: SRO items only when the administration asks for them and the
    group's questionnaire has them; custom items after the topics; background last."""
    sro = bool(administration.sro_module and (instrument.sro_items or instrument.sro_background))
    return _pages(instrument, tuple(custom), sro)


# --- finding a code ---------------------------------------------------------------------------

def load(code_text: str, now: dt.datetime | None = None) -> Survey | None:
    """The survey behind a typed or linked code, or None when the code cannot be used now:
    unknown, submitted, opted out, or its administration not open. Callers show the same
    message for every one of those, so a stranger learns nothing about which codes exist."""
    code = normalise_code(code_text)
    if code is None:
        return None
    # One query: the code, its administration, its group's pinned version and its response, if any.
    row = db.session.execute(
        select(AccessCode, Administration, Response, AdministrationGroup.instrument_version,
               AdministrationGroup.custom_items)
        .join(Administration, AccessCode.administration_id == Administration.id)
        .join(AdministrationGroup, and_(AdministrationGroup.administration_id == AccessCode.administration_id,
                                        AdministrationGroup.respondent_group == AccessCode.respondent_group))
        .outerjoin(Response, Response.access_code_id == AccessCode.id)
        .options(defer(Administration.consent_text, raiseload=False))
        .where(AccessCode.code == code)).first()
    if row is None:
        return None
    access, administration, response, version, custom_items = row
    if access.status not in USABLE_CODE_STATUSES or not administration.is_open(now):
        return None
    if response is not None and response.status != "in_progress":
        return None
    instrument, custom = _pinned(administration.id, access.respondent_group, version, custom_items)
    return Survey(access, administration, instrument, custom, survey_pages(administration, instrument, custom),
                  response)


def answers_of(response: Response | None) -> dict[str, int]:
    if response is None:
        return {}
    return dict(db.session.execute(select(Answer.item_id, Answer.value)
                                   .where(Answer.response_id == response.id)).all())


def resume_page(pages: list[Page], answers: dict[str, int]) -> int | None:
    """Where a returning respondent continues: the first page after the last page that has any
    answer (page 1 when nothing is answered yet); None when the last page has answers, which
    means the review page. Skipped pages before that point are left for the review page."""
    last = 0
    for page in pages:
        if any(it.id in answers for it in page.items):
            last = page.number
    return last + 1 if last < len(pages) else None


class Tampered(ValueError):
    """The posted form cannot have come from our page: nothing is stored."""


# --- writes -----------------------------------------------------------------------------------

def _insert(model):
    """INSERT for the session's dialect, so ON CONFLICT works on PostgreSQL and SQLite alike."""
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def _move_code(survey: Survey, statuses: tuple[str, ...], status: str) -> bool:
    """Move the survey's access code from one of `statuses` to `status`, taking its row lock
    first (see the module docstring); False, with the transaction rolled back, when another
    request moved it already."""
    moved = db.session.execute(
        update(AccessCode).where(AccessCode.id == survey.code.id, AccessCode.status.in_(statuses))
        .values(status=status).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return False
    return True


def start(survey: Survey, language: str = "en") -> Response | None:
    """The code's one response, made now if it does not exist yet (consent given).

    Returns None when the code stopped being usable meanwhile (opted out or submitted)."""
    if not _move_code(survey, USABLE_CODE_STATUSES, "started"):
        return None
    try:
        with db.session.begin_nested():
            db.session.execute(_insert(Response).values(
                access_code_id=survey.code.id, administration_id=survey.administration.id,
                school_id=survey.code.school_id, respondent_group=survey.code.respondent_group,
                language=language, status="in_progress", started_on=dt.date.today(), simulated=False, imported=False))
    except IntegrityError:
        pass  # another request (a second tab, a double click) made it first: use theirs
    db.session.commit()
    response = db.session.scalar(select(Response).where(Response.access_code_id == survey.code.id)
                                 .execution_options(populate_existing=True))
    if response is None or response.status != "in_progress":
        return None
    survey.response = response
    return response


def save_page(response_id: int, page: Page, answers: dict[str, int], language: str = "en") -> bool:
    """Replace one page's stored answers with `answers` in one transaction: items of the page
    not in `answers` lose their stored answer. Returns False (storing nothing) when the response
    is no longer in progress (submitted, closed out, opted out)."""
    page_ids = [it.id for it in page.items]
    if any(k not in page_ids for k in answers):
        raise Tampered("answer for an item that is not on this page")
    locked = db.session.execute(
        update(Response).where(Response.id == response_id, Response.status == "in_progress")
        .values(language=language).execution_options(synchronize_session=False))
    if locked.rowcount != 1:
        db.session.rollback()
        return False
    unanswered = [i for i in page_ids if i not in answers]
    if unanswered:
        db.session.execute(delete(Answer).where(Answer.response_id == response_id, Answer.item_id.in_(unanswered))
                           .execution_options(synchronize_session=False))
    if answers:
        stmt = _insert(Answer).values([{"response_id": response_id, "item_id": k, "value": int(v)}
                                       for k, v in answers.items()])
        stmt = stmt.on_conflict_do_update(index_elements=["response_id", "item_id"],
                                          set_={"value": stmt.excluded.value})
        db.session.execute(stmt)
    db.session.commit()
    return True


def submit(survey: Survey) -> bool:
    """Mark the response submitted, once. True when this call did it; a replay returns False
    and changes nothing. The code is used up with it."""
    if survey.response is None:
        return False
    if not _move_code(survey, ("started",), "submitted"):
        return False
    done = db.session.execute(
        update(Response).where(Response.id == survey.response.id, Response.status == "in_progress")
        .values(status="submitted", submitted_on=dt.date.today()).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def decline(survey: Survey) -> bool:
    """The respondent said no at the consent page: the code is opted out and stops working, and
    any response it had started (with its answers) is deleted."""
    if not _move_code(survey, USABLE_CODE_STATUSES, "opted_out"):
        return False
    db.session.execute(delete(Response).where(Response.access_code_id == survey.code.id,
                                              Response.status == "in_progress")
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return True


def close_out(administration: Administration, commit: bool = True) -> int:
    """When an administration closes, keep the answers of unfinished surveys but mark them
    'incomplete'. Returns how many responses were marked. Safe to call more than once."""
    result = db.session.execute(
        update(Response).where(Response.administration_id == administration.id, Response.status == "in_progress")
        .values(status="incomplete").execution_options(synchronize_session=False))
    if commit:
        db.session.commit()
    return result.rowcount

