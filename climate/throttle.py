"""Throttling of repeated failures (sign-in, access code entry), stored in the database so every
worker process sees the same counts. Keys are hashed: no e-mail or address is kept in clear."""
import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Throttle, utcnow


def throttle_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{kind}:{value}".encode()).hexdigest()
    return f"{kind}:{digest[:48]}"


def blocked_for(key: str) -> int:
    """Seconds the key is still blocked for (0 when it may try)."""
    row = db.session.get(Throttle, key)
    if row is None or row.blocked_until is None:
        return 0
    remaining = (row.blocked_until - utcnow()).total_seconds()
    return max(0, int(remaining) + 1) if remaining > 0 else 0


def record_failure(key: str, max_failures: int, block_seconds: int) -> None:
    """Count a failure; at max_failures within the block window the key is blocked."""
    now = utcnow()
    window = dt.timedelta(seconds=block_seconds)
    row = db.session.get(Throttle, key)
    if row is None:
        row = Throttle(key=key, failures=0, window_started_at=now)
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:  # another worker made it first
            db.session.rollback()
            row = db.session.get(Throttle, key)
    if now - row.window_started_at > window:
        row.failures, row.window_started_at, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures >= max_failures:
        row.blocked_until = now + window
    db.session.commit()


def clear(key: str) -> None:
    row = db.session.get(Throttle, key)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
