"""Importing responses collected elsewhere (paper forms typed into a CSV in the codebook layout):
read and check the file, then store every row or none (the storing is storage.py)."""
from __future__ import annotations

import csv
import io

from surveys.exports import MAX_IMPORT_ROWS, ImportProblems, SchoolRef, validate_import

from ..administer.service import pinned_instrument
from ..extensions import db
from ..models import Administration, School
from ..scoring import score_measures
from .storage import store_rows

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
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFailed([f"The file is not a readable CSV file ({exc})."]) from None
    if not rows:
        raise ImportFailed(["The file is empty."])
    return rows[0], rows[1:]


def import_responses(administration: Administration, group: str, data: bytes, school: School | None = None,
                     max_rows: int = MAX_IMPORT_ROWS) -> int:
    """Validate a CSV file and store its rows as submitted, imported responses in one transaction.
    Returns how many were imported; ImportFailed lists every problem and nothing is stored."""
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
        store_rows(administration, group, rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)
