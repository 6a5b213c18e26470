"""The respondent's side of an administration as plain service functions: find a usable code,
start its one response, read a respondent's state, save a page, submit, decline, and close out.

The survey pages are the hot path (thousands of respondents at once on a small server), so they
use SQLAlchemy Core, and a fixed, small number of statements:

* a page view or the review page: one SELECT of the respondent's state and answers (`state`);
* a page save on PostgreSQL, once this process knows the group's pinned questionnaire: one
  autocommit statement (`save_pinned`) whose CTEs are the guard UPDATE (response in progress,
  administration open, the pinned questionnaire the form was checked against), the DELETE of the
  page's blanks and the upsert of its answers;
* otherwise (SQLite, or a group's first save in a process): the guard ``UPDATE ... RETURNING``
  (`lock_for_save`), then the page's write (`store_page`; SQLite sends the DELETE and upsert apart);
* the statements are built once (per dialect), so a request only binds its values.

Every write is safe to repeat and safe to race, because the database decides:

* one response per access code: ``response.access_code_id`` is UNIQUE; ``start`` INSERTs inside a
  savepoint and, on IntegrityError, uses the row the other request made;
* a page save takes the response row first (the guard UPDATE); after submit it matches nothing,
  so a late or replayed save changes nothing;
* submit is a conditional UPDATE (``in_progress -> submitted``); its rowcount says whether this
  request did it. Writers lock rows in one order (access code, then response): no deadlock.

Nothing here stores who the respondent is: no IP address, user agent or name, dates only."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import JSON, and_, bindparam, delete, exists, func, select, text, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from surveys.instruments import Page

from ..codes import normalise_code
from ..extensions import db
from ..models import AccessCode, Administration, AdministrationGroup, Answer, Response, School, utcnow
from . import hot_sql
from .model import Pinned, SurveyModel, pinned, survey_model

USABLE_CODE_STATUSES = ("issued", "started")

_code = AccessCode.__table__
_admin = Administration.__table__
_group = AdministrationGroup.__table__
_school = School.__table__
_response = Response.__table__
_answer = Answer.__table__


@dataclass
class State:
    """One access code as its respondent pages see it, read in one statement."""
    code_id: int
    code_status: str
    source: str
    administration_id: int
    respondent_group: str
    school_id: int
    school_name: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    sro_module: bool
    instrument_version: str
    custom_items: list
    response_id: int | None
    response_status: str | None
    answers: dict[str, int] = field(default_factory=dict)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    @property
    def usable(self) -> bool:
        """May the respondent go on: code not used up, window open, response (if any) in progress."""
        return (self.code_status in USABLE_CODE_STATUSES and self.is_open()
                and self.response_status in (None, "in_progress"))

    @property
    def submitted(self) -> bool:
        return self.response_status == "submitted"

    @property
    def model(self) -> SurveyModel:
        return survey_model(self.administration_id, self.respondent_group, self.instrument_version,
                            self.custom_items, self.sro_module)


def _dialect() -> str:
    """The database's dialect name, without making the request's ORM session (the hot path has none)."""
    return db.engine.dialect.name


def _answers_json():
    """The response's answers as one JSON object {item id: value} (NULL when there are none)."""
    agg = func.json_object_agg if _dialect() == "postgresql" else func.json_group_object
    return type_coerce(select(agg(_answer.c.item_id, _answer.c.value))
                       .where(_answer.c.response_id == _response.c.id).scalar_subquery(), JSON)


_STATE_COLUMNS = (_code.c.id, _code.c.status, _code.c.source, _code.c.administration_id, _code.c.respondent_group,
                  _code.c.school_id, _school.c.name, _admin.c.opens_at, _admin.c.closes_at, _admin.c.sro_module,
                  _group.c.instrument_version, _group.c.custom_items, _response.c.id, _response.c.status)


def _state_select(with_answers: bool):
    columns = _STATE_COLUMNS + ((_answers_json(),) if with_answers else ())
    return (select(*columns)
            .select_from(_code.join(_admin, _admin.c.id == _code.c.administration_id)
                         .join(_group, and_(_group.c.administration_id == _code.c.administration_id,
                                            _group.c.respondent_group == _code.c.respondent_group))
                         .join(_school, _school.c.id == _code.c.school_id)
                         .outerjoin(_response, _response.c.access_code_id == _code.c.id)))


_BY_ID: dict[tuple[str, bool], object] = {}


def _state_by_id(with_answers: bool):
    """The state SELECT by access code id, built once per dialect (statement building is a good
    part of a page view's Python)."""
    key = (_dialect(), with_answers)
    if key not in _BY_ID:
        _BY_ID[key] = _state_select(with_answers).where(_code.c.id == bindparam("code_id"))
    return _BY_ID[key]


def _to_state(row) -> State | None:
    if row is None:
        return None
    answers = (row[14] or {}) if len(row) > 14 else {}
    return State(*row[:14], answers=answers)


def state(code_id: int, with_answers: bool = True) -> State | None:
    """The state of the code behind a respondent's session, in one statement: on its own
    autocommit connection (`hot_sql`; it sees what other requests committed, as a new transaction
    would), or on the session's when this request holds one already, so that a request never
    holds two of the pool's connections (one per thread) at once."""
    params = {"code_id": code_id}
    if db.session.registry.has() and db.session().in_transaction():
        return _to_state(db.session.execute(_state_by_id(with_answers), params).first())
    return _to_state(hot_sql.first(_state_by_id(with_answers), params))


def find(code_text: str) -> State | None:
    """The state behind a typed or linked code, or None when it cannot be a code or no code has
    that text. Callers treat an unusable code like an unknown one (see `State.usable`)."""
    code = normalise_code(code_text)
    if code is None:
        return None
    return _to_state(db.session.execute(_state_select(False).where(_code.c.code == code)).first())


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

def _insert(table):
    """INSERT for the session's dialect, so ON CONFLICT works on PostgreSQL and SQLite alike."""
    return (postgresql.insert if _dialect() == "postgresql" else sqlite.insert)(table)


def _move_code(code_id: int, statuses: tuple[str, ...], status: str) -> bool:
    """Move an access code from one of `statuses` to `status`, taking its row lock first (see
    the module docstring); False, with the transaction rolled back, when another request moved
    it already."""
    moved = db.session.execute(update(_code).where(_code.c.id == code_id, _code.c.status.in_(statuses))
                               .values(status=status))
    if moved.rowcount != 1:
        db.session.rollback()
        return False
    return True


def start(st: State, language: str = "en") -> int | None:
    """The id of the code's one response, made now if it does not exist yet (consent given).

    Returns None when the code stopped being usable meanwhile (opted out or submitted)."""
    if not _move_code(st.code_id, USABLE_CODE_STATUSES, "started"):
        return None
    try:
        with db.session.begin_nested():
            db.session.execute(_insert(_response).values(
                access_code_id=st.code_id, administration_id=st.administration_id, school_id=st.school_id,
                respondent_group=st.respondent_group, language=language, status="in_progress",
                started_on=dt.date.today(), simulated=False, imported=False))
    except IntegrityError:
        pass  # another request (a second tab, a double click) made it first: use theirs
    row = db.session.execute(select(_response.c.id, _response.c.status)
                             .where(_response.c.access_code_id == st.code_id)).first()
    db.session.commit()
    if row is None or row.status != "in_progress":
        return None
    st.response_id, st.response_status = row
    return row.id


_GUARDS: dict[str, object] = {}


def _guard():
    """The save's guard UPDATE, built once per dialect."""
    name = _dialect()
    if name not in _GUARDS:
        open_now = exists().where(_admin.c.id == _response.c.administration_id,
                                  _admin.c.opens_at <= bindparam("now"), _admin.c.closes_at > bindparam("now"))
        group = and_(_group.c.administration_id == _response.c.administration_id,
                     _group.c.respondent_group == _response.c.respondent_group)
        _GUARDS[name] = (
            update(_response)
            .where(_response.c.id == bindparam("response_id"), _response.c.access_code_id == bindparam("code_id"),
                   _response.c.status == "in_progress", open_now)
            .values(language=bindparam("language"))
            .returning(_response.c.administration_id, _response.c.respondent_group,
                       select(_group.c.instrument_version).where(group).scalar_subquery(),
                       type_coerce(select(_group.c.custom_items).where(group).scalar_subquery(), JSON),
                       select(_admin.c.sro_module).where(_admin.c.id == _response.c.administration_id)
                       .scalar_subquery()))
    return _GUARDS[name]


def lock_for_save(code_id: int, response_id: int, language: str, now: dt.datetime | None = None) -> SurveyModel | None:
    """Take the response row for a page save: one conditional UPDATE (its language) that matches
    only a response of this code still in progress in an open administration, returning what
    the page model needs. None (transaction rolled back) when it matched nothing."""
    row = db.session.execute(_guard(), {"response_id": response_id, "code_id": code_id, "language": language,
                                        "now": now or utcnow()}).first()
    if row is None:
        db.session.rollback()
        return None
    return survey_model(*row)


# Writing a page is one fixed statement on PostgreSQL: the answers travel as one JSON object and
# the blank items as an array, and the DELETE of the blanks runs in a CTE of the upsert. SQLite
# has no DML in a CTE, so it sends the DELETE (when there are blanks) and the upsert apart.
_PG_STORE = text(
    "WITH gone AS (DELETE FROM answer WHERE response_id = :response_id"
    " AND item_id = ANY(CAST(:blank AS varchar[])) RETURNING 1)"
    " INSERT INTO answer (response_id, item_id, value)"
    " SELECT :response_id, key, CAST(value AS integer) FROM json_each_text(CAST(:answers AS json))"
    " ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value")
_SQLITE_DELETE = text("DELETE FROM answer WHERE response_id = :response_id"
                      " AND item_id IN (SELECT value FROM json_each(:blank))")
_SQLITE_UPSERT = text(
    "INSERT INTO answer (response_id, item_id, value)"
    " SELECT :response_id, key, value FROM json_each(:answers) WHERE true"
    " ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value")


def store_page(response_id: int, page: Page, answers: dict[str, int]) -> None:
    """Replace one page's stored answers with `answers` and commit, after `lock_for_save`: items
    of the page not in `answers` lose their stored answer."""
    page_ids = [it.id for it in page.items]
    if any(k not in page_ids for k in answers):
        db.session.rollback()
        raise Tampered("answer for an item that is not on this page")
    blank = [i for i in page_ids if i not in answers]
    values = json.dumps({k: int(v) for k, v in answers.items()})
    if _dialect() == "postgresql":
        db.session.execute(_PG_STORE, {"response_id": response_id, "blank": blank, "answers": values})
    else:
        if blank:
            db.session.execute(_SQLITE_DELETE, {"response_id": response_id, "blank": json.dumps(blank)})
        if answers:
            db.session.execute(_SQLITE_UPSERT, {"response_id": response_id, "answers": values})
    db.session.commit()


# The whole save in one statement (PostgreSQL): the guard UPDATE matches only a response of this
# code still in progress, in an open administration whose group's pinned questionnaire is the one
# the posted form was checked against; the DELETE of the blank items and the upsert of the answers
# write only for the response the guard took. All CTEs see one snapshot; the DELETE and the INSERT
# touch different items (blank or answered), and the guard's row lock orders this save with a
# submit or another save of the same response, as in the two-statement save.
_PG_SAVE = text(
    "WITH guard AS ("
    " UPDATE response SET language = :language"
    " WHERE id = :response_id AND access_code_id = :code_id AND status = 'in_progress'"
    " AND EXISTS (SELECT 1 FROM administration a JOIN administration_group g"
    " ON g.administration_id = a.id AND g.respondent_group = response.respondent_group"
    " WHERE a.id = response.administration_id AND a.opens_at <= :now AND a.closes_at > :now"
    " AND a.sro_module = :sro_module AND g.instrument_version = :version"
    " AND CAST(g.custom_items AS jsonb) IS NOT DISTINCT FROM CAST(:custom_items AS jsonb))"
    " RETURNING id),"
    " gone AS (DELETE FROM answer WHERE response_id IN (SELECT id FROM guard)"
    " AND item_id = ANY(CAST(:blank AS varchar[]))),"
    " put AS (INSERT INTO answer (response_id, item_id, value)"
    " SELECT guard.id, key, CAST(value AS integer) FROM guard, json_each_text(CAST(:answers AS json))"
    " ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value)"
    " SELECT count(*) FROM guard")


def save_pinned(code_id: int, response_id: int, language: str, known: Pinned, page: Page,
                answers: dict[str, int], now: dt.datetime | None = None) -> bool:
    """Save one page in one statement on its own autocommit connection (PostgreSQL). False, with
    nothing written, when the response is no longer in progress, the administration closed, or
    the group's pinned questionnaire is not `known` any more: the caller then saves the two-step
    way (`lock_for_save`, `store_page`), which tells these apart."""
    page_ids = [it.id for it in page.items]
    if any(k not in page_ids for k in answers):
        raise Tampered("answer for an item that is not on this page")
    params = {"response_id": response_id, "code_id": code_id, "language": language, "now": now or utcnow(),
              "sro_module": known.sro_module, "version": known.version,
              "custom_items": None if known.custom_items is None else json.dumps(known.custom_items),
              "blank": [i for i in page_ids if i not in answers],
              "answers": json.dumps({k: int(v) for k, v in answers.items()})}
    return hot_sql.first(_PG_SAVE, params)[0] == 1


def pinned_for_save(administration_id: int | None, group: str | None) -> Pinned | None:
    """The pinned questionnaire a one-statement save can check against, or None (SQLite, or a
    group this process has not read yet)."""
    return pinned(administration_id, group) if _dialect() == "postgresql" else None


def save_page(code_id: int, response_id: int, page_number: int, answers: dict[str, int],
              language: str = "en") -> bool:
    """`lock_for_save` then `store_page` for a page given by number: the whole save, for callers
    that have the answers already (the routes validate the posted form in between). False,
    storing nothing, when the response is no longer in progress or its administration closed."""
    model = lock_for_save(code_id, response_id, language)
    if model is None:
        return False
    page = model.page(page_number)
    if page is None:
        db.session.rollback()
        raise Tampered("no such page")
    store_page(response_id, page.page, answers)
    return True


def submit(st: State) -> bool:
    """Mark the response submitted, once. True when this call did it; a replay returns False
    and changes nothing. The code is used up with it."""
    if st.response_id is None:
        return False
    if not _move_code(st.code_id, ("started",), "submitted"):
        return False
    done = db.session.execute(
        update(_response).where(_response.c.id == st.response_id, _response.c.status == "in_progress")
        .values(status="submitted", submitted_on=dt.date.today()))
    if done.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def decline(st: State) -> bool:
    """The respondent said no at the consent page: the code is opted out and stops working, and
    any response it had started (with its answers) is deleted."""
    if not _move_code(st.code_id, USABLE_CODE_STATUSES, "opted_out"):
        return False
    db.session.execute(delete(_response).where(_response.c.access_code_id == st.code_id,
                                               _response.c.status == "in_progress"))
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
