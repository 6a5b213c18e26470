"""Response-level exports and imports, free of Flask: the column layout, the coding of the
shareable tier's generalised background values (surveys.anonymise makes them k-anonymous), a row
order that reveals nothing, and the validation of files typed in elsewhere.

Column layout of a response export (one respondent group):

    ROW, ADMINISTRATION, SCHOOL, NCES_ID, GROUP, LANGUAGE, STATUS,
    <codebook variables: core items, SRO module, custom items C01.., background (S_RACE_<v> 0/1)>,
    SS_<MEASURE>... (scale scores: topics, then domains), PL_<MEASURE>... (1/2/3)

An empty cell means no answer (in the shareable tier also: withheld or blanked), or unscored. The import
reads exactly this layout back (ROW, ADMINISTRATION, SS_* and PL_* are ignored: scores are
recomputed), so an export can be loaded into another administration with the same questionnaires.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from surveys.codebook import codebook
from surveys.domain import DOMAIN_LABELS, GROUP_LABELS, LEVEL_LABELS, PERFORMANCE_LEVELS, TOPIC_LABELS
from surveys.instruments import BackgroundItem, CustomItem, Instrument, Item
from surveys.scales import performance_levels

META_COLUMNS = (
    ("ROW", "Row number in this file (sequential; not an identifier)"),
    ("ADMINISTRATION", "Administration"),
    ("SCHOOL", "School"),
    ("NCES_ID", "School NCES id"),
    ("GROUP", "Respondent group"),
    ("LANGUAGE", "Language the survey was taken in (en, es)"),
    ("STATUS", "Response status"),
)
META_NAMES = tuple(name for name, _ in META_COLUMNS)
LEVEL_VALUES = {level: i for i, level in enumerate(PERFORMANCE_LEVELS, start=1)}  # 1, 2, 3
MAX_IMPORT_ROWS = 50_000
MAX_LISTED_ERRORS = 200


# --------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str                      # meta | item | race | score | level
    value_labels: tuple = ()       # ((value, label_en), ...)
    item_id: str | None = None     # stored item id (race columns: the race item's id)
    bit: int | None = None         # race columns: the option value (a bit of the stored mask)
    measure: str | None = None     # score and level columns
    missing: tuple = ()            # SPSS user-missing codes ("Prefer not to say", blanks)
    blank_code: int | None = None  # SPSS: the code an empty cell is written as (declared missing)


def measure_variable(measure: str, prefix: str = "SS") -> str:
    return f"{prefix}_{measure.upper()}"


def measure_label(measure: str) -> str:
    labels = TOPIC_LABELS.get(measure) or DOMAIN_LABELS.get(measure) or {"en": measure}
    return labels["en"]


def export_columns(instrument: Instrument, sro: bool, custom: Sequence[CustomItem],
                   measures: Sequence[str]) -> list[Column]:
    """Every column of a response export of one respondent group, in file order."""
    cols = [Column(name, label, "meta") for name, label in META_COLUMNS]
    multi = {b.id: b for b in list(instrument.background) + list(instrument.sro_background) if b.multiple}
    prefer_not = {b.id: b.prefer_not_value for b in list(instrument.background) + list(instrument.sro_background)
                  if not b.multiple and b.prefer_not_value is not None}
    for row in codebook(instrument, sro=sro, custom=custom):
        labels = tuple((v, en) for v, en, _es in row.value_labels)
        base = row.variable.rsplit("_", 1)[0]
        if base in multi and row.variable not in multi and row.variable.rsplit("_", 1)[1].isdigit():
            cols.append(Column(row.variable, row.text_en, "race", labels, item_id=base,
                               bit=int(row.variable.rsplit("_", 1)[1])))
        else:
            prefer = prefer_not.get(row.variable)
            cols.append(Column(row.variable, row.text_en, "item", labels, item_id=row.variable,
                               missing=(prefer,) if prefer is not None else ()))
    level_labels = tuple((LEVEL_VALUES[lv], LEVEL_LABELS[lv]["en"]) for lv in PERFORMANCE_LEVELS)
    for m in measures:
        cols.append(Column(measure_variable(m, "SS"), f"Scale score: {measure_label(m)}", "score", measure=m))
    for m in measures:
        cols.append(Column(measure_variable(m, "PL"), f"Performance level: {measure_label(m)}", "level",
                           level_labels, measure=m))
    return cols


def performance_level_codes(scores: np.ndarray) -> np.ndarray:
    """Scale scores (n, m), NaN = unscored -> float (n, m) of 1/2/3, NaN where unscored, by the
    platform's one level rule (surveys.scales.performance_levels)."""
    levels = performance_levels(scores).astype(np.float64) + 1.0
    levels[levels == 0] = np.nan
    return levels


# --------------------------------------------------------------------------- the shareable tier

SHAREABLE_BLANK = 999       # no answer, "Prefer not to say", or withheld (declared missing in SPSS)
MORE_THAN_ONE_RACE = 64     # the race column's code for "more than one race" (single races keep their bit)
GENERALISED_FROM = 101      # codes of generalised categories (grade bands, grouped races, ...)


def recode_shareable(published: Sequence, originals: Mapping[str, str]) -> tuple[list, tuple]:
    """The published values of one quasi-identifier as codes for the file.

    published : (n,) str | None, as surveys.anonymise.shareable leaves them; originals : the
    variable's own categories, code text -> label ("multiple" for more than one race).  An
    original category keeps its code and label; each generalised category gets a code from
    GENERALISED_FROM on, labelled with its name; None stays None.  Returns (codes (n,) int | None,
    value labels ((code, label), ...) including SHAREABLE_BLANK)."""
    generalised = sorted({str(v) for v in published if v is not None and str(v) not in originals})
    code_of = {text: (MORE_THAN_ONE_RACE if text == "multiple" else int(text)) for text in originals}
    code_of.update({text: GENERALISED_FROM + i for i, text in enumerate(generalised)})
    labels = [(code_of[t], originals[t]) for t in originals] + [(code_of[t], t) for t in generalised]
    labels.append((SHAREABLE_BLANK, "No answer, prefer not to say, or withheld"))
    codes = [None if v is None else code_of[str(v)] for v in published]
    return codes, tuple(sorted(labels))


def shuffle_order(schools: Sequence[str], response_ids: Sequence[int], key: bytes) -> np.ndarray:
    """A row order that reveals nothing about the order of submission: by school, then by a keyed
    hash (HMAC-SHA256) of the response id. The same key gives the same order every time."""
    digests = [hmac.new(key, str(int(r)).encode(), hashlib.sha256).hexdigest() for r in response_ids]
    return np.array(sorted(range(len(digests)), key=lambda i: (schools[i], digests[i])), dtype=np.int64)


# --------------------------------------------------------------------------- import

@dataclass
class ImportedRow:
    line: int                       # the row number as a spreadsheet shows it (the header is row 1)
    school_id: int
    language: str
    answers: dict[str, int] = field(default_factory=dict)   # stored item id -> value (no zeros)


@dataclass(frozen=True)
class SchoolRef:
    id: int
    name: str
    nces_id: str | None = None


class ImportProblems(ValueError):
    """The file cannot be imported; .errors lists every problem (row and column)."""

    def __init__(self, errors: Sequence[str], total: int | None = None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))


_INT_RE = re.compile(r"^[+-]?\d+(\.0*)?$")


def _int(text: str) -> int | None:
    text = text.strip()
    return int(float(text)) if _INT_RE.match(text) else None


def _values_text(values: Iterable[int]) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else "".join(values)


def import_columns(instrument: Instrument, sro: bool, custom: Sequence[CustomItem],
                   measures: Sequence[str]) -> dict[str, Column]:
    """The columns an import accepts: the export's, plus the race item's own bitmask variable."""
    cols = {c.name: c for c in export_columns(instrument, sro, custom, measures)}
    for b in list(instrument.background) + (list(instrument.sro_background) if sro else []):
        if b.multiple:
            cols[b.id] = Column(b.id, b.text["en"], "mask", item_id=b.id)
    return cols


def validate_import(header: Sequence[str], rows: Iterable[Sequence[str]], *, instrument: Instrument,
                    sro: bool, custom: Sequence[CustomItem], measures: Sequence[str], group: str,
                    schools: Sequence[SchoolRef], school_id: int | None = None,
                    max_rows: int = MAX_IMPORT_ROWS) -> list[ImportedRow]:
    """Check a whole file in the response export layout; return its rows or raise ImportProblems
    listing every problem as "row 14, column S_REL_03: 7 is not one of 1, 2, 3 or 4".

    header: the first row. rows: the rest, as lists of cell texts. Rows whose cells are all empty
    are skipped. school_id: the school every row belongs to; None = each row names its school in a
    SCHOOL (name) or NCES_ID column."""
    cols = import_columns(instrument, sro, custom, measures)
    items: dict[str, Item | BackgroundItem | CustomItem] = {it.id: it for it in instrument.items}
    items.update({b.id: b for b in instrument.background})
    if sro:
        items.update({it.id: it for it in instrument.sro_items})
        items.update({b.id: b for b in instrument.sro_background})
    items.update({c.id: c for c in custom})
    header = [h.strip() for h in header]
    errors: list[str] = []
    seen = Counter(header)
    for name, count in seen.items():
        if not name:
            errors.append("header: a column has no name")
        elif count > 1:
            errors.append(f"header, column {name}: appears {count} times")
        elif name not in cols:
            errors.append(f"header, column {name}: not a variable of the {GROUP_LABELS[group]['en'].lower()} "
                          f"questionnaire of this administration (the codebook lists them)")
    masks = [n for n in header if cols.get(n) and cols[n].kind == "mask"]
    for mask in masks:
        split = [n for n in header if cols.get(n) and cols[n].kind == "race" and cols[n].item_id == mask]
        if split:
            errors.append(f"header, column {mask}: give either {mask} or {', '.join(split)}, not both")
    if not any(cols.get(n) and cols[n].kind in ("item", "race", "mask") for n in header):
        errors.append("header: no question columns; the header must use the codebook's variable names")
    if school_id is None and "SCHOOL" not in header and "NCES_ID" not in header:
        errors.append("header: add a SCHOOL column (or NCES_ID), or choose the school the whole file is for")
    if errors:
        raise ImportProblems(errors)

    by_id = {s.id: s for s in schools}
    by_name = {s.name.strip().lower(): s for s in schools}
    by_nces = {s.nces_id.strip(): s for s in schools if s.nces_id}
    group_names = {group, GROUP_LABELS[group]["en"].lower()}
    meta_at = {name: header.index(name) for name in META_NAMES if name in header}
    # one plan per answer column: the accepted cell texts, looked up without parsing
    plans = []
    for j, name in enumerate(header):
        col = cols[name]
        if col.kind == "item":
            allowed = items[col.item_id].values
        elif col.kind == "race":
            allowed = (0, 1)
        elif col.kind == "mask":
            item = items[col.item_id]
            allowed = tuple(v for v in range(1, sum(item.values) + 1) if item.is_valid(v))
        else:
            continue
        accepted = {}
        for v in allowed:
            accepted[str(v)] = accepted[f"{v}.0"] = v
        plans.append((j, name, col.kind, col.item_id, col.bit, accepted))
    out: list[ImportedRow] = []
    n_errors = 0

    def bad(message):
        nonlocal n_errors
        n_errors += 1
        if len(errors) < MAX_LISTED_ERRORS:
            errors.append(message)

    def cell(cells, name):
        return cells[meta_at[name]].strip() if name in meta_at else ""

    n_rows = 0
    for line, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        n_rows += 1
        if n_rows > max_rows:
            raise ImportProblems([f"The file has more than {max_rows:,} rows; split it into smaller files."])
        if len(cells) != len(header):
            bad(f"row {line}: has {len(cells)} cells, the header has {len(header)}")
            continue
        # school
        school = by_id.get(school_id) if school_id is not None else None
        named = None
        nces, school_name = cell(cells, "NCES_ID"), cell(cells, "SCHOOL")
        if nces:
            named = by_nces.get(nces)
            if named is None and school_id is None:
                bad(f"row {line}, column NCES_ID: {nces} is not a school of this administration")
                continue
        if named is None and school_name:
            named = by_name.get(school_name.lower())
            if named is None:
                bad(f"row {line}, column SCHOOL: {school_name!r} is not a school of this administration")
                continue
        if school is None:
            if named is None:
                bad(f"row {line}, column SCHOOL: empty; every row needs its school")
                continue
            school = named
        elif named is not None and named.id != school.id:
            bad(f"row {line}, column SCHOOL: {named.name!r} is not {school.name!r}, the school chosen for this file")
            continue
        ok = True
        text = cell(cells, "GROUP")
        if text and text.lower() not in group_names:
            bad(f"row {line}, column GROUP: {text!r} is not {group}")
            ok = False
        text = cell(cells, "LANGUAGE")
        language = (text or "en").lower()
        if language not in ("en", "es"):
            bad(f"row {line}, column LANGUAGE: {text!r} is not en or es")
            ok = False
        text = cell(cells, "STATUS")
        if text and text.lower() != "submitted":
            bad(f"row {line}, column STATUS: {text!r}; only submitted responses can be imported")
            ok = False
        answers: dict[str, int] = {}
        race_bits: dict[str, int] = {}
        for j, name, kind, item_id, bit, accepted in plans:
            text = cells[j]
            if not text:
                continue
            number = accepted.get(text)
            if number is None:
                text = text.strip()
                if not text:
                    continue
                number = accepted.get(text)
                if number is None:
                    parsed = _int(text)
                    number = accepted.get(str(parsed)) if parsed is not None else None
                if number is None:
                    if kind == "race":
                        bad(f"row {line}, column {name}: {text} is not 0 or 1")
                    elif kind == "mask":
                        bad(f"row {line}, column {name}: {text} is not a valid combination of "
                            f"{_values_text(items[item_id].values)}")
                    else:
                        bad(f"row {line}, column {name}: {text} is not one of {_values_text(items[item_id].values)}")
                    ok = False
                    continue
            if kind == "race":
                if number:
                    race_bits[item_id] = race_bits.get(item_id, 0) | bit
            else:
                answers[item_id] = number
        for item_id, mask in race_bits.items():
            item = items[item_id]
            if not item.is_valid(mask):
                bad(f"row {line}, column {item_id}_{item.prefer_not_value}: "
                    f"'{item.option(item.prefer_not_value).label['en']}' cannot be chosen together with another option")
                ok = False
            else:
                answers[item_id] = mask
        if ok and not answers:
            bad(f"row {line}: no answers")
            ok = False
        if ok:
            out.append(ImportedRow(line, school.id, language, answers))
    if errors:
        raise ImportProblems(errors, n_errors)
    if not out:
        raise ImportProblems(["The file has no rows to import."])
    return out
