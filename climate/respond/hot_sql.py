"""One statement of the respondent hot path (a page view's state read, a page save), sent on a
pool connection of its own in autocommit mode, not in the request's ORM session: no BEGIN,
COMMIT or ROLLBACK round trips around a statement that is its own transaction.

On PostgreSQL the statement goes straight to the pool connection's psycopg connection. SQLAlchemy's
Connection around one statement (execution context, result object, transaction bookkeeping, the
isolation level set and reset on every checkout) cost more CPU than sending the statement itself:
0.30 against 0.13 ms for a page view's state read. The SQL is SQLAlchemy's own compilation of the
statement for the engine's dialect, made once; the engine's `before_cursor_execute` listeners (the
statement-count tests, bench/profile_survey_load.py) still see every statement, with no
SQLAlchemy connection or execution context (None). A connection that breaks is invalidated, so
the pool never hands it out again. Other databases (SQLite) use an autocommit SQLAlchemy
connection."""
from __future__ import annotations

import weakref

from ..extensions import db

_AUTOCOMMIT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_COMPILED: dict[tuple[int, int], tuple[object, object, str]] = {}


def _autocommit(engine):
    reader = _AUTOCOMMIT.get(engine)
    if reader is None:
        reader = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return reader


def _sql(engine, statement) -> str:
    """`statement` compiled for `engine`'s dialect, once (the hot path's statements are built once)."""
    key = (id(engine.dialect), id(statement))
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not engine.dialect or entry[1] is not statement:
        entry = _COMPILED[key] = (engine.dialect, statement, str(statement.compile(dialect=engine.dialect)))
    return entry[2]


def first(statement, params: dict):
    """The first row of `statement` (built once, with bind parameters named as in `params`), or None."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        with _autocommit(engine).connect() as conn:
            return conn.execute(statement, params).first()
    sql = _sql(engine, statement)
    fairy = engine.raw_connection()
    dbapi = fairy.driver_connection
    try:
        dbapi.autocommit = True
        cursor = dbapi.cursor()
        if engine.dispatch.before_cursor_execute:
            engine.dispatch.before_cursor_execute(None, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        dbapi.autocommit = False
        return row
    except Exception as exc:
        if dbapi.closed or dbapi.broken:
            fairy.invalidate(exc)
        else:
            dbapi.autocommit = False  # in autocommit mode a failed statement leaves no transaction open
        raise
    finally:
        fairy.close()
