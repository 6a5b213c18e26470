"""Storing validated imported rows as submitted, imported responses (bulk inserts in chunks), and
deleting them again when an import is undone."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select

from surveys.exports import ImportedRow

from ..codes import IN_LIST_CHUNK, unique_codes
from ..extensions import db
from ..models import AccessCode, Administration, Answer, Response


def store_rows(administration: Administration, group: str, rows: list[ImportedRow]) -> list[int]:
    """Plain executemany inserts (no RETURNING, which SQLite runs row by row), then the new ids are
    looked up by the unique access code and the unique access code id. Returns the response ids."""
    today = dt.date.today()
    codes = unique_codes(len(rows))
    stored = []
    for start in range(0, len(rows), IN_LIST_CHUNK):
        part, part_codes = rows[start:start + IN_LIST_CHUNK], codes[start:start + IN_LIST_CHUNK]
        db.session.execute(insert(AccessCode.__table__), [
            {"code": c, "administration_id": administration.id, "school_id": r.school_id,
             "respondent_group": group, "source": "imported", "status": "submitted", "issued_on": today}
            for c, r in zip(part_codes, part)])
        code_id = dict(db.session.execute(select(AccessCode.code, AccessCode.id).where(
            AccessCode.code.in_(part_codes))).all())
        db.session.execute(insert(Response.__table__), [
            {"access_code_id": code_id[c], "administration_id": administration.id, "school_id": r.school_id,
             "respondent_group": group, "language": r.language, "status": "submitted", "started_on": today,
             "submitted_on": today, "simulated": False, "imported": True}
            for c, r in zip(part_codes, part)])
        response_id = dict(db.session.execute(select(Response.access_code_id, Response.id).where(
            Response.access_code_id.in_(list(code_id.values())))).all())
        stored += [response_id[code_id[c]] for c in part_codes]
        answers = [{"response_id": response_id[code_id[c]], "item_id": item, "value": value}
                   for c, r in zip(part_codes, part) for item, value in r.answers.items()]
        if answers:
            db.session.execute(insert(Answer.__table__), answers)
    return stored


def delete_responses(administration_id: int, response_ids: list[int]) -> int:
    """Delete imported responses of an administration with their answers and access codes (the
    caller commits). Returns how many responses were deleted."""
    deleted = 0
    for start in range(0, len(response_ids), IN_LIST_CHUNK):
        part = response_ids[start:start + IN_LIST_CHUNK]
        code_ids = db.session.scalars(select(Response.access_code_id).where(
            Response.id.in_(part), Response.administration_id == administration_id, Response.imported.is_(True))).all()
        db.session.execute(delete(Answer).where(Answer.response_id.in_(part)))
        deleted += db.session.execute(delete(Response).where(
            Response.id.in_(part), Response.administration_id == administration_id,
            Response.imported.is_(True))).rowcount
        if code_ids:
            db.session.execute(delete(AccessCode).where(AccessCode.id.in_(code_ids)))
    return deleted
