"""The survey service layer (climate/respond/progress.py), the Spanish catalog and the privacy rules."""
import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import Date, String, Text, inspect, select

from climate.respond import progress as svc
from climate.extensions import db
from climate.models import AccessCode, Answer, Response

from .test_respond import consent, pages_for, response_row, stored_answers

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "climate" / "translations" / "es" / "LC_MESSAGES"


# --- resume rule ------------------------------------------------------------------------------

def test_resume_rule(app, administration):
    pages = pages_for(administration)
    first = pages[0].items[0].id
    third = pages[2].items[0].id
    last = pages[-1].items[0].id
    assert svc.resume_page(pages, {}) == 1
    assert svc.resume_page(pages, {first: 1}) == 2
    assert svc.resume_page(pages, {first: 1, third: 2}) == 4  # the gap on page 2 is left for review
    assert svc.resume_page(pages, {last: 1}) is None  # last page answered: the review page


# --- start, save, submit, close out -----------------------------------------------------------

def test_start_is_idempotent_and_submit_happens_once(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    st = svc.find(code)
    first = svc.start(st)
    again = svc.start(svc.find(code))
    assert first == again
    page = st.model.pages[0].page
    assert svc.save_page(st.code_id, first, 1, {page.items[0].id: 2})
    s = svc.find(code)
    assert svc.submit(s) is True
    assert svc.submit(s) is False  # a replay changes nothing
    assert svc.save_page(st.code_id, first, 1, {page.items[0].id: 4}) is False
    assert stored_answers(code) == {page.items[0].id: 2}
    assert not svc.find(code).usable  # a used code cannot be opened again
    db.session.expire_all()
    assert db.session.scalar(select(AccessCode.status).where(AccessCode.code == code)) == "submitted"


def test_save_page_refuses_items_from_another_page(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    st = svc.find(code)
    response_id = svc.start(st)
    try:
        svc.save_page(st.code_id, response_id, 1, {st.model.pages[1].items[0].id: 1})
    except svc.Tampered:
        pass
    else:
        raise AssertionError("an item of page 2 was accepted on page 1")
    assert stored_answers(code) == {}


def test_a_save_is_refused_for_another_codes_response(app, administration, world, issue):
    """The guard UPDATE matches the response only together with its own code."""
    mine, theirs = issue(administration, world.school_a, n=2)
    me, them = svc.find(mine), svc.find(theirs)
    svc.start(me)
    their_response = svc.start(them)
    item = me.model.pages[0].items[0].id
    assert svc.save_page(me.code_id, their_response, 1, {item: 1}) is False
    assert stored_answers(theirs) == {}


def test_close_out_keeps_answers_and_marks_unfinished_incomplete(client, administration, world, issue):
    started, finished, untouched = issue(administration, world.school_a, n=3)
    for code in (started, finished):
        consent(client, code)
        client.post("/s/p/1", data={"S_CUL_01": "3"})
    client.post("/s/submit")
    assert svc.close_out(administration) == 1
    assert svc.close_out(administration) == 0  # safe to repeat
    assert response_row(started).status == "incomplete"
    assert response_row(finished).status == "submitted"
    assert response_row(untouched) is None
    assert stored_answers(started) == {"S_CUL_01": 3}
    # An incomplete response cannot be changed any more.
    assert client.get(f"/s/{started}").status_code == 404


def test_codes_outside_the_window_are_not_usable(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    st = svc.find(code)
    assert st.usable and st.is_open()
    assert not st.is_open(administration.closes_at)
    assert not st.is_open(administration.opens_at - dt.timedelta(seconds=1))


# --- the Spanish catalog ----------------------------------------------------------------------

def _po():
    from babel.messages.pofile import read_po
    with open(CATALOG / "messages.po", "rb") as handle:
        return read_po(handle, locale="es")


def test_every_respondent_string_has_a_spanish_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = {m.id: m.string for m in _po() if m.id}
    found = {msg for _f, _l, msg, _c, _x in extract_from_dir(str(ROOT), method_map, options_map)}
    assert len(found) > 40
    missing = sorted(m for m in found if not catalog.get(m))
    assert missing == []
    for msgid in found:
        for placeholder in ("%(number)d", "%(total)d", "%(answered)d", "%(questions)d", "%(title)s"):
            assert (placeholder in msgid) == (placeholder in catalog[msgid]), msgid


def test_instrument_texts_exist_in_spanish(app, administration):
    for page in pages_for(administration):
        for item in page.items:
            assert item.text.get("es"), item.id


# --- privacy ----------------------------------------------------------------------------------

AGENT = "Mozilla/5.0 (PrivacyProbe 7.7; Secret-Agent-Marker)"
ADDRESS = "203.0.113.77"


def test_responses_store_no_address_agent_or_time_of_day(app, administration, world, issue, caplog):
    caplog.set_level(logging.DEBUG)
    code = issue(administration, world.school_a)[0]
    client = app.test_client()
    env = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT}
    client.get(f"/s/{code}", environ_base=env)
    client.post("/s/consent", data={"choice": "yes"}, environ_base=env)
    client.post("/s/p/1", data={"S_CUL_01": "3", "S_CUL_02": "4"}, environ_base=env)
    client.post("/s/submit", environ_base=env)
    assert response_row(code).status == "submitted"
    inspector = inspect(db.engine)
    for model in (Response, Answer, AccessCode):
        columns = [c["name"] for c in inspector.get_columns(model.__tablename__)]
        assert not [c for c in columns if any(w in c for w in ("ip", "agent", "name", "student", "email", "addr"))]
        for row in db.session.execute(select(model.__table__)).mappings():
            for value in row.values():
                text = str(value)
                assert ADDRESS not in text and "PrivacyProbe" not in text and "Secret-Agent" not in text
    # Times are dates only.
    for column in ("started_on", "submitted_on"):
        assert isinstance(Response.__table__.c[column].type, Date)
    assert type(response_row(code).started_on) is dt.date
    # Logs carry no answers.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "S_CUL_01" not in logged and AGENT not in logged


def test_item_columns_are_short_codes_not_free_text():
    assert isinstance(Answer.__table__.c.item_id.type, String) and Answer.__table__.c.item_id.type.length <= 40
    assert not any(isinstance(c.type, Text) for c in Response.__table__.c)
