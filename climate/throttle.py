"""Throttling of repeated failures (sign-in, access-code entry, fresh codes from an open link),
stored in the database so every worker process sees the same counts. Keys are hashed: no e-mail,
address or code is kept in clear.

A key may fail `limit` times within `window` seconds freely. After its Nth failure (N >= limit)
no attempt is evaluated for 2**(N - limit) seconds (at most `window`): a guesser slows down
exponentially, while a classroom's typos behind one school address cost its students a few
seconds, not ten minutes. A window starts at a key's first failure; when it is over, the count
starts again. The same value failing again within `REPEAT_SECONDS` (a double-clicked Submit)
counts once.

Every count is one INSERT ... ON CONFLICT DO UPDATE evaluated by the database, so concurrent
requests cannot overrun a limit. A caller reads `wait_for` before an attempt (a waiting client
learns nothing about it) and counts a failure with `claim`, which refuses the count once the
key must wait: of many simultaneous failures exactly the allowed number are counted and shown,
and a success costs no write at all. `record_failure` counts unconditionally (sign-in)."""
from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app
from sqlalchemy import and_, case, delete, false, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import Throttle

REPEAT_SECONDS = 5

_table = Throttle.__table__
_c = _table.c


def throttle_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{kind}:{value}".encode()).hexdigest()
    return f"{kind}:{digest[:48]}"


def value_digest(value: str) -> str:
    """A keyed digest of an attempted value (a typed code), to recognise a repeat without storing it."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


def delay(failures: int, limit: int, window: int) -> float:
    """Seconds no attempt is evaluated after a key's `failures`-th failure within its window."""
    if failures < limit:
        return 0.0
    return float(min(2 ** (failures - limit), window))


def _blocked_until(failures: int, limit: int, window: int, now: float) -> float:
    """When the key may try again after its `failures`-th failure at `now` (0: at once, so that
    requests whose clocks read a moment earlier are not refused)."""
    wait = delay(failures, limit, window)
    return now + wait if wait else 0.0


def _blocked_until_sql(failures, limit: int, window: int, now: float):
    """`_blocked_until` as a SQL expression of a failures expression (no pow() in SQLite)."""
    steps = math.ceil(math.log2(window)) + 1 if window > 1 else 1
    return case((failures < limit, 0.0),
                *[(failures == limit + i, now + delay(limit + i, limit, window)) for i in range(steps)],
                else_=now + float(window))


def _insert():
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(_table)


def _relaxed_commit() -> None:
    """A throttle count lost in a crash is harmless: on PostgreSQL its commit does not wait for
    the WAL flush, so the row a school's students share is locked only briefly."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _count(key: str, limit: int, window: int, value: str | None, now: float, only_if_allowed: bool):
    """One atomic upsert counting an attempt; returns the new failure count, or None when the key
    was blocked (then nothing changed)."""
    fresh = _c.window_start <= now - window
    repeat = (and_(_c.last_value == value, _c.last_at >= now - REPEAT_SECONDS) if value is not None
              else false())
    first = _blocked_until(1, limit, window, now)
    stmt = _insert().values(key=key, failures=1, window_start=now, blocked_until=first, last_value=value, last_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_c.key],
        set_={"failures": case((fresh, 1), (repeat, _c.failures), else_=_c.failures + 1),
              "window_start": case((fresh, now), else_=_c.window_start),
              "blocked_until": case((fresh, first), (repeat, _c.blocked_until),
                                    else_=_blocked_until_sql(_c.failures + 1, limit, window, now)),
              "last_value": value, "last_at": now},
        where=or_(_c.blocked_until <= now, repeat) if only_if_allowed else None)
    _relaxed_commit()
    counted = db.session.execute(stmt.returning(_c.failures)).scalar()
    db.session.commit()
    return counted


def wait_for(key: str, now: float | None = None) -> int:
    """Whole seconds before the key's next attempt is evaluated (0: it may try now)."""
    until = db.session.scalar(select(_c.blocked_until).where(_c.key == key))
    remaining = (until or 0.0) - (time.time() if now is None else now)
    return math.ceil(remaining) if remaining > 0 else 0


def claim(key: str, limit: int, window: int, value: str | None = None, now: float | None = None) -> int:
    """Count a failed attempt unless the key must wait. 0: counted (the attempt's result may be
    shown); otherwise the whole seconds to wait, and nothing was counted. Of any number of
    simultaneous claims exactly the allowed ones return 0."""
    now = time.time() if now is None else now
    if _count(key, limit, window, value, now, only_if_allowed=True) is not None:
        return 0
    return max(1, wait_for(key, now))


def record_failure(key: str, limit: int, window: int, value: str | None = None, now: float | None = None) -> None:
    """Count a failure of an attempt that was evaluated."""
    _count(key, limit, window, value, time.time() if now is None else now, only_if_allowed=False)


def clear(key: str) -> None:
    db.session.execute(delete(_table).where(_c.key == key))
    db.session.commit()
