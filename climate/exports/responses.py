"""The response files of one respondent group, in two tiers, as CSV and SPSS .sav.

- restricted: every answer as given, scale scores to two decimals; it contains small groups, so it
  is for district staff only and every download is recorded (routes.py).
- shareable: the quasi-identifiers (school, respondent group, grade, sex, race, Hispanic origin,
  home language, staff role, years at the school, and the survey's language) k-anonymous with
  k = SUPPRESSION_MIN by surveys.anonymise.shareable, the categories the published reports hide
  withheld first, scale scores at whole points.  notes.py states its information loss."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import select

from surveys.anonymise import WITHHELD_SCHOOL, l_diversity, role_groups, shareable, withheld_masks
from surveys.exports import (SHAREABLE_BLANK, Column, export_columns, performance_level_codes, recode_shareable,
                             shuffle_order)
from surveys.instruments import Instrument
from surveys.subgroups import MULTIPLE, subgroup_label, subgroup_values

from ..administer.service import pinned_instrument
from ..csvsafe import csv_text
from ..disclosure import stored_decision
from ..extensions import db
from ..labels import group_label
from ..models import Administration, PersonScore, Response
from ..results import current_run
from ..scoring import load_answers, score_measures

TIERS = ("shareable", "restricted")
INCOMPLETE_STATUSES = ("submitted", "in_progress", "incomplete")
SAV_STRING_COLUMNS = ("ADMINISTRATION", "SCHOOL", "NCES_ID", "GROUP", "LANGUAGE", "STATUS")
# the background questions that are quasi-identifiers (surveys.anonymise.QUASI_IDENTIFIERS)
QUASI_SUBGROUPS = ("grade", "sex", "race", "hispanic", "language", "role", "years")
SURVEY_LANGUAGE = "survey_language"


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass
class ResponseTable:
    """tier: shareable | restricted.  loss: quasi-identifier -> {"generalised", "blanked",
    "withheld"} % of the rows that had a value (shareable only); diversity: measure -> the l of
    its performance-level bands over the published equivalence classes (shareable only)."""
    tier: str
    group: str
    columns: list[Column]
    rows: list[list]              # one list per respondent, None = empty cell
    n_submitted: int
    n_other: int
    k: int
    loss: dict = field(default_factory=dict)
    diversity: dict = field(default_factory=dict)


def _originals(instrument: Instrument, var: str) -> dict:
    """The categories of a background question, code text -> label (race: single races and more than one)."""
    item = next(b for b in instrument.background if b.subgroup == var)
    values = [v for v in item.values if v != item.prefer_not_value]
    out = {str(v): subgroup_label(instrument, var, str(v)) for v in values}
    if item.multiple:
        out[MULTIPLE] = subgroup_label(instrument, var, MULTIPLE)
    return out


def response_table(administration: Administration, group: str, tier: str = "shareable",
                   include_incomplete: bool = False, min_n: int | None = None) -> ResponseTable:
    """The response rows of one respondent group in the given tier."""
    if tier not in TIERS:
        raise ExportError(f"{tier!r} is not an export tier (shareable or restricted).")
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
    school_names = np.array([schools[int(s)].name for s in answers.school_ids], dtype=object)
    languages = np.array([meta[int(r)][0] for r in answers.response_ids], dtype=object)
    statuses_of = [meta[int(r)][1] for r in answers.response_ids]

    # scale scores of the current (published) scoring run
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

    values: dict[str, np.ndarray] = {}
    for col in columns:
        if col.kind == "race":
            mask = answers.column(col.item_id).tolist()
            values[col.name] = np.array([None if not m else int(bool(m & col.bit)) for m in mask], dtype=object)
        elif col.kind == "item":
            values[col.name] = np.array([int(v) if v else None for v in answers.column(col.item_id)], dtype=object)
        elif col.kind == "score":
            j = measures.index(col.measure)
            values[col.name] = np.array([None if np.isnan(v) else float(v) for v in scores[:, j]], dtype=object)
        elif col.kind == "level":
            j = measures.index(col.measure)
            values[col.name] = np.array([None if np.isnan(v) else int(v) for v in levels[:, j]], dtype=object)
    values["SCHOOL"] = school_names
    values["NCES_ID"] = np.array([schools[int(s)].nces_id for s in answers.school_ids], dtype=object)
    values["LANGUAGE"] = languages
    loss, diversity = {}, {}
    if tier == "shareable" and n:
        columns, loss, diversity = _make_shareable(columns, values, instrument, answers, group, run, min_n, levels,
                                                   measures)

    key = hashlib.sha256(f"{current_app.config['SECRET_KEY']}|export|{administration.id}|{group}".encode()).digest()
    order = shuffle_order([str(s) for s in values["SCHOOL"]], answers.response_ids.tolist(), key)
    rows = []
    for number, i in enumerate(order.tolist(), start=1):
        fixed = {"ROW": number, "ADMINISTRATION": administration.name, "GROUP": group, "STATUS": statuses_of[i]}
        rows.append([fixed[c.name] if c.name in fixed else values[c.name][i] for c in columns])
    n_submitted = sum(1 for s in statuses_of if s == "submitted")
    return ResponseTable(tier, group, columns, rows, n_submitted, n - n_submitted, min_n, loss, diversity)


def _make_shareable(columns, values, instrument, answers, group, run, k, levels, measures):
    """Replace the quasi-identifiers in values by their k-anonymous published values (one race
    column instead of the 0/1 columns), scale scores by whole points.  Returns (columns, loss, diversity)."""
    items = {b.subgroup: b for b in instrument.background if b.subgroup in QUASI_SUBGROUPS}
    subgroups = {var: subgroup_values(item, answers.column(item.id)) for var, item in items.items()}
    n = len(answers.response_ids)
    quasi = {"school": values["SCHOOL"], "group": np.full(n, group, dtype=object), **subgroups,
             SURVEY_LANGUAGE: values["LANGUAGE"]}
    withheld = (withheld_masks(answers.school_ids, group, subgroups, stored_decision(run))
                if run is not None else {})
    if n < k:
        raise ExportError(f"The {group_label(group).lower()} group has {n} respondents, fewer than {k}: too small for "
                          "a shareable file. District staff can use the restricted file.")
    try:
        hierarchies = {"role": role_groups(_originals(instrument, "role"))} if "role" in items else {}
        published = shareable(quasi, k, withheld=withheld, hierarchies=hierarchies)
    except ValueError as exc:
        raise ExportError(f"No shareable file can be made for this respondent group: {exc}.") from None
    out = published.columns
    school_withheld = np.array([v == WITHHELD_SCHOOL for v in out["school"]], dtype=bool)
    values["SCHOOL"] = out["school"]
    values["NCES_ID"] = np.where(school_withheld, None, values["NCES_ID"])
    values["LANGUAGE"] = out[SURVEY_LANGUAGE]
    new_columns, race_done = [], False
    for col in columns:
        var = next((v for v, item in items.items() if item.id == col.item_id), None)
        if col.kind == "race":
            if race_done:
                continue
            race_done = True
            codes, labels = recode_shareable(out["race"], _originals(instrument, "race"))
            name = col.item_id
            values[name] = np.array(codes, dtype=object)
            new_columns.append(Column(name, items["race"].text["en"], "item", labels, item_id=col.item_id,
                                      missing=(SHAREABLE_BLANK,), blank_code=SHAREABLE_BLANK))
            continue
        if col.kind == "item" and var is not None:
            codes, labels = recode_shareable(out[var], _originals(instrument, var))
            values[col.name] = np.array(codes, dtype=object)
            col = dataclasses.replace(col, value_labels=labels, missing=(SHAREABLE_BLANK,), blank_code=SHAREABLE_BLANK)
        elif col.kind == "score":
            values[col.name] = np.array([None if v is None else int(np.round(v)) for v in values[col.name]],
                                        dtype=object)
        new_columns.append(col)
    bands = {m: np.where(np.isnan(levels[:, j]), "unscored", levels[:, j].astype(str)) for j, m in enumerate(measures)}
    diversity = {m: l_diversity(out, bands[m]) for m in measures}
    return new_columns, published.loss, diversity


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


def responses_sav(table: ResponseTable, notes: str = "") -> bytes:
    """The table as an SPSS .sav file: variable labels = the English item text, value labels from
    the codebook, "Prefer not to say" (and in the shareable tier every blank background answer,
    written as its code) declared user-missing, other empty cells system missing; the notes go
    into the file's documents and the tier into its label."""
    import pandas as pd
    import pyreadstat

    data = {}
    for k, col in enumerate(table.columns):
        cells_ = [row[k] for row in table.rows]
        if col.name in SAV_STRING_COLUMNS:
            data[col.name] = pd.Series(["" if v is None else str(v) for v in cells_], dtype=object)
        else:
            blank = np.nan if col.blank_code is None else float(col.blank_code)
            data[col.name] = pd.Series([blank if v is None else float(v) for v in cells_], dtype="float64")
    frame = pd.DataFrame(data, columns=[c.name for c in table.columns])
    labels = {c.name: c.label[:255] for c in table.columns}
    value_labels = {c.name: {float(v): str(lab)[:120] for v, lab in c.value_labels}
                    for c in table.columns if c.value_labels}
    missing = {c.name: [float(v) for v in c.missing] for c in table.columns if c.missing}
    measure = {c.name: ("scale" if c.kind == "score" or c.name == "ROW" else
                        "ordinal" if c.kind in ("item", "level") and c.name.split("_")[0] != "C" else "nominal")
               for c in table.columns}
    file_label = ("RESTRICTED: contains small groups; district staff only" if table.tier == "restricted"
                  else f"Shareable: {table.k}-anonymous background answers")
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(frame, path, file_label=file_label, column_labels=labels,
                             variable_value_labels=value_labels, missing_ranges=missing, variable_measure=measure,
                             note=[line[:80] for line in notes.splitlines()] or None)
        return Path(path).read_bytes()
    finally:
        os.unlink(path)
