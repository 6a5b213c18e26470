"""The hot path's single statements (climate/respond/hot_sql.py, issue 13): on PostgreSQL they go
to the pool connection's psycopg connection directly, which must come back to the pool as it left
(not in autocommit mode) and must leave the pool when it breaks; and a page save, whose form no
longer checks the CSRF token a second time, is still refused without the session's token."""
import re

import pytest
from sqlalchemy import event

from climate.extensions import db

from .test_respond import consent, stored_answers

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _token(client, path):
    return TOKEN.search(client.get(path).text).group(1)


def test_a_page_save_needs_the_sessions_csrf_token(csrf_app, world, administration, issue):
    code = issue(administration, world.school_a)[0]
    student, other = csrf_app.test_client(), csrf_app.test_client()
    assert student.get(f"/s/{code}").status_code == 302
    assert student.post("/s/consent", data={"choice": "yes", "csrf_token": _token(student, "/s/consent")}
                        ).status_code == 302
    mine = _token(student, "/s/p/1")
    theirs = _token(other, "/s")
    for refused in ({}, {"csrf_token": theirs}, {"csrf_token": mine[:-2] + "xx"}):
        reply = student.post("/s/p/1", data={"S_CUL_01": "2", **refused})
        assert reply.status_code == 400 and "nothing was saved" in reply.text
    assert stored_answers(code) == {}
    assert student.post("/s/p/1", data={"S_CUL_01": "2", "csrf_token": mine}).status_code == 302
    assert stored_answers(code) == {"S_CUL_01": 2}


def _pg():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the direct psycopg path is PostgreSQL's")


def test_pool_connections_come_back_out_of_autocommit_mode(client, administration, world, issue):
    _pg()
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.get("/s/p/1")
    modes = []

    def back(dbapi_connection, _record):
        modes.append(dbapi_connection.autocommit)

    event.listen(db.engine, "checkin", back)
    try:
        assert client.get("/s/p/1").status_code == 200
        assert client.post("/s/p/1", data={"S_CUL_01": "3"}).status_code == 302
        assert client.post("/s/p/1", data={"S_CUL_01": "9"}).status_code == 400  # off the scale: nothing sent
    finally:
        event.remove(db.engine, "checkin", back)
    assert modes and not any(modes), modes
    assert stored_answers(code) == {"S_CUL_01": 3}


def test_a_connection_that_breaks_leaves_the_pool(client, administration, world, issue):
    """The pool has no pre-ping: a dead connection handed back would fail every request it serves."""
    _pg()
    import psycopg

    code = issue(administration, world.school_a)[0]
    consent(client, code)
    assert client.get("/s/p/1").status_code == 200
    db.session.close()
    db.engine.dispose()  # from here the pool holds only the connection of the next view
    assert client.get("/s/p/1").status_code == 200
    url = db.engine.url
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1
    assert client.get("/s/p/1").status_code == 500  # the request that found it dead
    assert client.get("/s/p/1").status_code == 200
    assert client.post("/s/p/1", data={"S_CUL_01": "4"}).status_code == 302
    assert stored_answers(code) == {"S_CUL_01": 4}
