"""The survey's hot path (issue 13): a page view in at most 2 SQL statements and a save in at most
3, no throttle read for a respondent who is in, no read after a save's commit, and the database
and static settings that go with it. Counted with a `before_cursor_execute` listener on the
test's engine (SQLite, and PostgreSQL when DATABASE_URL points at one); nothing is timed."""
from contextlib import contextmanager

from sqlalchemy import event

from climate.config import load_config
from climate.extensions import db

from .test_respond import answers_for, consent, pages_for, stored, stored_answers


@contextmanager
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _verb(statement: str) -> str:
    return statement.split(" ", 1)[0].upper()


def test_a_page_view_is_one_select_and_reads_no_throttle(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post("/s/p/1", data={"S_CUL_01": "2"})
    client.get("/s/p/1")  # the first view of a pinned snapshot builds its page model
    with statements() as seen:
        shown = client.get("/s/p/1")
    assert shown.status_code == 200 and 'value="2" checked' in shown.text
    assert len(seen) <= 2 and [_verb(s) for s in seen] == ["SELECT"], seen
    assert not any("throttle" in s for s in seen)
    with statements() as seen:
        assert client.get("/s/review").status_code == 200
    assert [_verb(s) for s in seen] == ["SELECT"], seen


def _pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_a_page_save_is_at_most_three_statements_with_no_read(client, administration, world, issue):
    """PostgreSQL: one statement (guard, DELETE of blanks and upsert as CTEs); SQLite: the guard
    UPDATE, then the DELETE of the blank items (if any) and the upsert."""
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.get("/s/p/1")
    page = pages_for(administration)[1]
    full = answers_for(page, pick=1)
    with statements() as seen:
        assert client.post("/s/p/2", data={**full, "action": "next"}).status_code == 302
    assert [_verb(s) for s in seen] == (["WITH"] if _pg() else ["UPDATE", "INSERT"]), seen
    assert stored_answers(code) == stored(full, page)
    partial = dict(list(full.items())[:1])
    with statements() as seen:
        assert client.post("/s/p/2", data={**partial, "action": "next"}).status_code == 302
    assert [_verb(s) for s in seen] == (["WITH"] if _pg() else ["UPDATE", "DELETE", "INSERT"]), seen
    assert not any("throttle" in s for s in seen)
    assert stored_answers(code) == stored(partial, page)
    # A page left blank entirely: only the DELETE after the guard (the same statement on PostgreSQL).
    with statements() as seen:
        assert client.post("/s/p/2", data={"action": "next"}).status_code == 302
    assert [_verb(s) for s in seen] == (["WITH"] if _pg() else ["UPDATE", "DELETE"]), seen
    assert stored_answers(code) == {}


def test_a_save_checks_the_pinned_questionnaire_it_was_validated_against(client, administration, world, issue,
                                                                         monkeypatch):
    """The one-statement save writes only when the group's pinned snapshot is the one this process
    knows; otherwise (here: a process that knows another custom item list) it writes nothing and
    the two-step save stores the page. A process that knows nothing yet saves the two-step way."""
    from climate.respond import model

    code = issue(administration, world.school_a)[0]
    consent(client, code)
    page = pages_for(administration)[0]
    full = answers_for(page, pick=2)
    key = (administration.id, "student")
    known = model._PINNED[key]
    monkeypatch.setitem(model._PINNED, key, model.Pinned(known.administration_id, known.group, known.version,
                                                          [], known.sro_module, known.model))
    with statements() as seen:
        assert client.post("/s/p/1", data={**full, "action": "next"}).status_code == 302
    assert [_verb(s) for s in seen] == (["WITH", "UPDATE", "WITH"] if _pg() else ["UPDATE", "INSERT"]), seen
    assert stored_answers(code) == stored(full, page)
    assert model._PINNED[key].custom_items == known.custom_items  # the guard's read put it right
    monkeypatch.delitem(model._PINNED, key)
    with statements() as seen:
        assert client.post("/s/p/1", data={"action": "next"}).status_code == 302
    assert [_verb(s) for s in seen] == (["UPDATE", "WITH"] if _pg() else ["UPDATE", "DELETE"]), seen
    assert stored_answers(code) == {}


def test_a_save_after_submit_changes_nothing(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post("/s/p/1", data={"S_CUL_01": "2"})
    client.post("/s/submit")
    with statements() as seen:
        late = client.post("/s/p/1", data={"S_CUL_01": "4"})
    assert "already submitted" in late.text
    # PostgreSQL: the one statement matches nothing, then the guard says why.
    assert [_verb(s) for s in seen][:2] == (["WITH", "UPDATE"] if _pg() else ["UPDATE", "SELECT"]), seen
    assert "INSERT" not in " ".join(_verb(s) for s in seen)
    assert stored_answers(code) == {"S_CUL_01": 2}


def test_postgresql_pool_has_no_pre_ping_and_matches_the_threads(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:5432/db")
    monkeypatch.setenv("CLIMATE_THREADS", "6")
    monkeypatch.delenv("DATABASE_PRE_PING", raising=False)
    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_pre_ping": False, "pool_recycle": 1800, "pool_size": 6, "max_overflow": 4}
    monkeypatch.setenv("DATABASE_PRE_PING", "1")
    assert load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_static_files_are_cacheable_and_pages_are_not(client):
    css = client.get("/static/climate.css")
    assert css.status_code == 200
    assert "max-age=3600" in css.headers["Cache-Control"] and "public" in css.headers["Cache-Control"]
    assert client.get("/s").headers["Cache-Control"] == "no-store"


def test_a_respondent_request_holds_at_most_one_pool_connection(client, administration, world, issue):
    """The pool has one connection per gunicorn thread and no overflow, so a request that checked
    out a second connection while holding one could leave every thread waiting on the others."""
    from climate.models import OpenLink
    state = {"now": 0, "max": 0}

    def out(*_args):
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])

    def back(*_args):
        state["now"] -= 1

    code, typed = issue(administration, world.school_a, n=2)
    link = OpenLink(token="L" * 20, administration_id=administration.id, school_id=world.school_a.id,
                    respondent_group="student")
    db.session.add(link)
    db.session.commit()
    db.session.close()  # the test's own session holds no connection while the requests run
    event.listen(db.engine, "checkout", out)
    event.listen(db.engine, "checkin", back)
    try:
        steps = [client.get(f"/s/{code}"), client.post("/s/consent", data={"choice": "yes"}),
                 client.get("/s/p/1"), client.post("/s/p/1", data={"S_CUL_01": "2"}), client.get(f"/s/{code}"),
                 client.get("/s/review"), client.post("/s/submit"), client.post("/s", data={"code": typed}),
                 client.post("/s", data={"code": "ZZZZ-ZZZZ-ZZ"}), client.get(f"/o/{'L' * 20}"),
                 client.get(f"/o/{'L' * 20}"), client.post(f"/o/{'L' * 20}", data={"choice": "continue"})]
    finally:
        event.remove(db.engine, "checkout", out)
        event.remove(db.engine, "checkin", back)
    assert all(r.status_code < 500 for r in steps), [r.status_code for r in steps]
    assert state["max"] == 1


def test_survey_pages_do_not_resend_the_session_cookie(client, administration, world, issue):
    """Once the session holds the survey and its CSRF token, a page view, a save and the code
    form send no cookie at all (re-signing the session on every page was a good part of a view)."""
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.get("/s/p/1")
    for response in (client.get("/s/p/1"), client.post("/s/p/1", data={"S_CUL_01": "2"}), client.get("/s/p/2"),
                     client.get("/s/review"), client.get("/s")):
        assert response.status_code in (200, 302)
        assert response.headers.getlist("Set-Cookie") == [], response.request.path


def test_a_cached_page_skeleton_shows_what_a_full_render_shows(client, administration, world, issue):
    """A page view joins the items' fragments inside a skeleton rendered once per page model,
    language and school; it must match the page rendered in full (here forced by a pending
    flash list, which the skeleton is never built with), apart from the signed CSRF token."""
    import re

    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post("/s/p/1", data={"S_CUL_01": "2"})

    def normalised(text):
        text = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "TOKEN", text)
        return re.sub(r"\s+", " ", text)

    for lang in ("en", "es"):
        cached = [client.get(f"/s/p/1?lang={lang}").text for _ in range(2)]
        with client.session_transaction() as sess:
            sess["_flashes"] = []
        full = client.get(f"/s/p/1?lang={lang}").text
        assert 'value="2" checked' in full and "TOKEN" in normalised(full)
        assert normalised(cached[0]) == normalised(cached[1]) == normalised(full)


def test_the_session_cookie_follows_a_changed_secret_key(app):
    """The session's signing serializer is built once per key set (climate.SessionCookies): a
    new SECRET_KEY must refuse the old cookies at once, and a fallback key must accept them."""
    from climate import SessionCookies

    assert isinstance(app.session_interface, SessionCookies)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["lang"] = "es"
    with client.session_transaction() as sess:
        assert sess["lang"] == "es"
    key, fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.secret_key = "another-key-only-for-this-test"
        with client.session_transaction() as sess:
            assert "lang" not in sess
        app.config["SECRET_KEY_FALLBACKS"] = [key]
        with client.session_transaction() as sess:
            assert sess["lang"] == "es"
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = key, fallbacks
