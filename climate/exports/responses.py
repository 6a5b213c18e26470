"""The de-identified response file of one respondent group: the table, as CSV and as SPSS .sav.
The rules that keep it de-identified are in surveys.exports and explained by notes.py."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import select

from surveys.exports import (SURVEY_LANGUAGE, Column, coarsen, export_columns, performance_level_codes,
                             quasi_identifiers, shuffle_order)

from ..administer.service import pinned_instrument
from ..csvsafe import csv_text
from ..extensions import db
from ..models import Administration, PersonScore, Response
from ..results import current_run
from ..scoring import load_answers, score_measures

INCOMPLETE_STATUSES = ("submitted", "in_progress", "incomplete")
SAV_STRING_COLUMNS = ("ADMINISTRATION", "SCHOOL", "NCES_ID", "GROUP", "LANGUAGE", "STATUS")


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass
class ResponseTable:
    columns: list[Column]
    rows: list[list]              # one list per respondent, None = empty cell
    coarsened: dict[str, int]     # quasi-identifier -> how many values were blanked
    n_submitted: int
    n_other: int


def response_table(administration: Administration, group: str, include_incomplete: bool = False,
                   min_n: int | None = None) -> ResponseTable:
    """The de-identified response rows of one respondent group (see surveys.exports)."""
    agroup = administration.group(group)
    if agroup is None:
        raise ExportError(f"{administration.name!r} does not survey {group}.")
    min_n = current_app.config["SUPPRESSION_MIN"] if min_n is None else min_n
    instrument, custom = pinned_instrument(agroup)
    measures = score_measures(instrument)
    columns = export_columns(instrument, administration.sro_module, custom, measures)
    statuses = INCOMPLETE_STATUSES if include_incomplete else ("submitted",)
    answers = load_answers(administration.id, group, statuses)
    n = len(answers.response_ids)
    meta = {rid: (lang, status) for rid, lang, status in db.session.execute(
        select(Response.id, Response.language, Response.status).where(
            Response.administration_id == administration.id, Response.respondent_group == group,
            Response.status.in_(statuses)))}
    schools = {s.id: s for s in administration.schools}
    school_names = [schools[int(s)].name for s in answers.school_ids]
    languages = [meta[int(r)][0] for r in answers.response_ids]
    statuses_of = [meta[int(r)][1] for r in answers.response_ids]

    # scale scores of the current scoring run
    scores = np.full((n, len(measures)), np.nan)
    run = current_run(administration.id)
    if run is not None and measures and n:
        position = {int(r): i for i, r in enumerate(answers.response_ids)}
        for rid, stored in db.session.execute(select(PersonScore.response_id, PersonScore.scores).where(
                PersonScore.scoring_run_id == run.id, PersonScore.response_id.in_(select(Response.id).where(
                    Response.administration_id == administration.id, Response.respondent_group == group)))):
            if rid in position and stored and stored.get("scale"):
                scores[position[rid]] = [np.nan if v is None else v for v in stored["scale"]]
    levels = performance_level_codes(scores)

    # background values, coarsened
    quasi = quasi_identifiers(instrument)
    qmatrix = np.empty((n, len(quasi)), dtype=object)
    for j, (_name, item_id) in enumerate(quasi):
        if item_id == SURVEY_LANGUAGE:
            qmatrix[:, j] = languages
        else:
            col = answers.column(item_id)
            qmatrix[:, j] = [int(v) if v else None for v in col]
    coarse = coarsen(answers.school_ids.tolist(), qmatrix, min_n)
    blanked = np.not_equal(qmatrix, None) & np.equal(coarse, None)
    coarsened = {name: int(blanked[:, j].sum()) for j, (name, _item) in enumerate(quasi)}
    replaced = {item_id: coarse[:, j] for j, (_name, item_id) in enumerate(quasi)}

    values: list[np.ndarray] = []
    for col in columns:
        if col.kind == "meta":
            values.append(np.empty(n, dtype=object))
        elif col.kind == "race":
            mask = replaced.get(col.item_id)
            mask = answers.column(col.item_id).tolist() if mask is None else [m or 0 for m in mask]
            values.append(np.array([None if not m else int(bool(m & col.bit)) for m in mask], dtype=object))
        elif col.kind == "item":
            if col.item_id in replaced:
                values.append(np.array(replaced[col.item_id], dtype=object))
            else:
                raw = answers.column(col.item_id)
                values.append(np.array([int(v) if v else None for v in raw], dtype=object))
        elif col.kind == "score":
            j = measures.index(col.measure)
            values.append(np.array([None if np.isnan(v) else float(v) for v in scores[:, j]], dtype=object))
        elif col.kind == "level":
            j = measures.index(col.measure)
            values.append(np.array([None if np.isnan(v) else int(v) for v in levels[:, j]], dtype=object))
    survey_language = coarse[:, [name for name, _ in quasi].index(SURVEY_LANGUAGE)] if quasi else languages
    key = hashlib.sha256(f"{current_app.config['SECRET_KEY']}|export|{administration.id}|{group}".encode()).digest()
    order = shuffle_order(school_names, answers.response_ids.tolist(), key)
    names = [c.name for c in columns]
    rows = []
    for number, i in enumerate(order.tolist(), start=1):
        school = schools[int(answers.school_ids[i])]
        row = [values[k][i] for k in range(len(columns))]
        row[names.index("ROW")] = number
        row[names.index("ADMINISTRATION")] = administration.name
        row[names.index("SCHOOL")] = school.name
        row[names.index("NCES_ID")] = school.nces_id
        row[names.index("GROUP")] = group
        row[names.index("LANGUAGE")] = survey_language[i]
        row[names.index("STATUS")] = statuses_of[i]
        rows.append(row)
    n_submitted = sum(1 for s in statuses_of if s == "submitted")
    return ResponseTable(columns, rows, coarsened, n_submitted, n - n_submitted)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def responses_csv(table: ResponseTable) -> str:
    rows = [[c.name for c in table.columns]]
    rows += [[_cell_text(v) for v in row] for row in table.rows]
    return csv_text(rows)


def responses_sav(table: ResponseTable) -> bytes:
    """The table as an SPSS .sav file: variable labels = the English item text, value labels from
    the codebook, empty cells as system missing."""
    import pandas as pd
    import pyreadstat

    data = {}
    for k, col in enumerate(table.columns):
        cells_ = [row[k] for row in table.rows]
        if col.name in SAV_STRING_COLUMNS:
            data[col.name] = pd.Series(["" if v is None else str(v) for v in cells_], dtype=object)
        else:
            data[col.name] = pd.Series([np.nan if v is None else float(v) for v in cells_], dtype="float64")
    frame = pd.DataFrame(data, columns=[c.name for c in table.columns])
    labels = {c.name: c.label[:255] for c in table.columns}
    value_labels = {c.name: {float(v): str(lab)[:120] for v, lab in c.value_labels}
                    for c in table.columns if c.value_labels}
    measure = {c.name: ("scale" if c.kind == "score" or c.name == "ROW" else
                        "ordinal" if c.kind in ("item", "level") and c.name.split("_")[0] != "C" else "nominal")
               for c in table.columns}
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(frame, path, column_labels=labels, variable_value_labels=value_labels,
                             variable_measure=measure)
        return Path(path).read_bytes()
    finally:
        os.unlink(path)
