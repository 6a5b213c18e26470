"""Importing responses collected elsewhere (paper forms typed into a CSV in the codebook layout):
read and check the file, then store every row or none (the storing is storage.py). Each import is
recorded by the SHA-256 of its bytes: the same file is refused a second time in an administration
(a unique key inserted in the same transaction as the rows, so concurrent imports of it store it
once), and an import can be undone until the administration is scored again."""
from __future__ import annotations

import csv
import hashlib
import io

from surveys.exports import MAX_IMPORT_ROWS, ImportProblems, SchoolRef, validate_import

from ..administer.service import pinned_instrument
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Administration, ImportRecord, School, ScoringRun, User
from ..scoring import score_measures
from .storage import delete_responses, store_rows

IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ImportFailed(ValueError):
    """The file was not imported; .errors lists why (row and column)."""

    def __init__(self, errors, total=None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))


def parse_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(["The file is not UTF-8 text; save it as 'CSV UTF-8' and try again."]) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, line = [], 0
    try:
        for row in reader:
            rows.append(row)
            line = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            raise ImportFailed([f"line {line + 1}: a quoted cell is never closed (a '\"' is missing), so the rest "
                                "of the file would be read as one cell. Close the quote and try again."]) from None
        raise ImportFailed([f"line {line + 1}: the file is not a readable CSV file ({exc})."]) from None
    if not rows:
        raise ImportFailed(["The file is empty."])
    return rows[0], rows[1:]


def who(record: ImportRecord) -> str:
    return record.user.email if record.user else "the command line"


def _already_imported(record: ImportRecord) -> ImportFailed:
    return ImportFailed([
        f"This file was already imported into {record.administration.name!r} on "
        f"{record.created_at:%Y-%m-%d at %H:%M} UTC by {who(record)} ({record.n_rows:,} "
        f"{record.respondent_group.replace('_', ' ')} responses). Nothing was imported again; undo that import "
        "first to replace it."])


def _earlier(administration: Administration, digest: str) -> ImportRecord | None:
    return db.session.scalar(select(ImportRecord).where(
        ImportRecord.administration_id == administration.id, ImportRecord.sha256 == digest))


def import_responses(administration: Administration, group: str, data: bytes, school: School | None = None,
                     max_rows: int = MAX_IMPORT_ROWS, user: User | None = None) -> int:
    """Validate a CSV file and store its rows as submitted, imported responses in one transaction,
    with the record of the import. Returns how many were imported; ImportFailed lists every
    problem (or names the earlier import of the same file) and nothing is stored."""
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier(administration, digest)
    if earlier is not None and earlier.state == "imported":
        raise _already_imported(earlier)
    agroup = administration.group(group)
    if agroup is None:
        raise ImportFailed([f"{administration.name!r} does not survey {group}."])
    if school is not None and school.id not in {s.id for s in administration.schools}:
        raise ImportFailed([f"{school.name} is not part of {administration.name!r}."])
    instrument, custom = pinned_instrument(agroup)
    header, body = parse_csv(data)
    try:
        rows = validate_import(
            header, body, instrument=instrument, sro=administration.sro_module, custom=custom,
            measures=score_measures(instrument), group=group,
            schools=[SchoolRef(s.id, s.name, s.nces_id) for s in administration.schools],
            school_id=school.id if school else None, max_rows=max_rows)
    except ImportProblems as exc:
        raise ImportFailed(exc.errors, exc.total) from None
    try:
        if earlier is not None:  # an undone import of this file: it may be imported again
            db.session.execute(delete(ImportRecord).where(ImportRecord.id == earlier.id,
                                                          ImportRecord.state == "undone"))
        record = ImportRecord(administration_id=administration.id, respondent_group=group,
                              school_id=school.id if school else None, sha256=digest, n_rows=len(rows),
                              user_id=user.id if user else None, state="imported", response_ids=[])
        db.session.add(record)
        db.session.flush()  # a concurrent import of the same file waits here, then fails on the unique key
        record.response_ids = store_rows(administration, group, rows)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = _earlier(administration, digest)
        if earlier is None:
            raise
        raise _already_imported(earlier) from None
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def imports_of(administration: Administration) -> list[ImportRecord]:
    """The administration's imports, newest first."""
    return db.session.scalars(select(ImportRecord).where(ImportRecord.administration_id == administration.id)
                              .order_by(ImportRecord.id.desc())).all()


def undo_refusal(record: ImportRecord) -> str | None:
    """Why an import can no longer be undone, or None: once the administration has been scored
    since the import, its responses are in published results."""
    if record.state != "imported":
        return "This import was already undone."
    scored = db.session.scalar(select(ScoringRun.created_at).where(
        ScoringRun.administration_id == record.administration_id, ScoringRun.created_at >= record.created_at)
        .order_by(ScoringRun.created_at).limit(1))
    if scored is not None:
        return (f"The administration was scored on {scored:%Y-%m-%d at %H:%M} UTC, after this import, so its "
                "responses are in published results and it cannot be undone.")
    return None


def undo_import(record: ImportRecord) -> int:
    """Delete exactly the responses (and answers and access codes) of an import not yet scored, and
    mark it undone, in one transaction. Returns how many responses were deleted; ImportFailed says why not."""
    reason = undo_refusal(record)
    if reason:
        raise ImportFailed([reason])
    try:
        deleted = delete_responses(record.administration_id, record.response_ids)
        record.state = "undone"
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return deleted
