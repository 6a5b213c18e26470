"""Access codes: random, short enough to type, no look-alike characters, grouped for reading.

A code has 10 characters from a 29-letter alphabet (no 0/O, 1/I/L, nor U/V which children
confuse when reading aloud): 29**10 is about 4.2e14, over 48 bits from `secrets`. It is printed
as ``K7QM-4TXD-9R`` and accepted in any case, with or without dashes and spaces."""
import datetime as dt
import math
import secrets

from sqlalchemy import select

from .extensions import db
from .models import AccessCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 10
GROUPS = (4, 4, 2)
BITS = LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(raw[start:start + size])
        start += size
    return "-".join(parts)


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a code at all."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -\t")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")  # look-alikes cannot match
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return format_code(cleaned)


IN_LIST_CHUNK = 900  # values per IN list: under SQLite's bound-parameter limit


def unique_codes(count: int) -> list[str]:
    """`count` new codes that no stored access code has, sorted. Collisions are vanishingly rare;
    they are retried rather than trusted to chance. Checked in chunks, so any count works."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = list({new_code() for _ in range(count - len(codes))} - codes)
        for start in range(0, len(batch), IN_LIST_CHUNK):
            part = batch[start:start + IN_LIST_CHUNK]
            codes |= set(part) - set(db.session.scalars(select(AccessCode.code).where(AccessCode.code.in_(part))))
    return sorted(codes)


def issue_codes(administration_id: int, school_id: int, respondent_group: str, count: int,
                source: str = "issued") -> list[AccessCode]:
    """Make `count` new unique codes (caller commits)."""
    today = dt.date.today()
    rows = [AccessCode(code=c, administration_id=administration_id, school_id=school_id,
                       respondent_group=respondent_group, source=source, status="issued", issued_on=today)
            for c in unique_codes(count)]
    db.session.add_all(rows)
    return rows
