"""Exports and imports for district staff: de-identified response files (CSV and SPSS .sav) per
respondent group, the stored group results (suppression applied) as CSV, and the import of
responses collected elsewhere (paper forms typed into a CSV in the codebook layout).

Command line: `climate export ADMINISTRATION --group G --format csv|sav|results --output FILE`
and `climate import-responses ADMINISTRATION --group G [--school S] FILE.csv`.

The rules that keep an export de-identified are in surveys.exports and are explained to the
user by `notes_text` (the page and the notes.txt download)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from flask import (Blueprint, Response as FlaskResponse, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import insert, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from surveys.domain import GROUP_LABELS, LEVEL_LABELS
from surveys.exports import (COARSEN_ORDER, MAX_IMPORT_ROWS, SURVEY_LANGUAGE, Column, ImportedRow, ImportProblems,
                             SchoolRef, coarsen, export_columns, measure_label, performance_level_codes,
                             quasi_identifiers, shuffle_order, validate_import)
from surveys.subgroups import subgroup_label

from .access import administration_or_404, district_staff_required
from .administrations import AdministrationError, find_administration, pinned_instrument
from .codes import IN_LIST_CHUNK, unique_codes
from .extensions import csrf, db
from .models import AccessCode, Administration, Answer, PersonScore, Response, School
from .results import cells, current_run
from .scoring import load_answers, score_measures

bp = Blueprint("exports", __name__, url_prefix="/exports", cli_group=None)

IMPORT_MAX_BYTES = 20 * 1024 * 1024
INCOMPLETE_STATUSES = ("submitted", "in_progress", "incomplete")
SAV_STRING_COLUMNS = ("ADMINISTRATION", "SCHOOL", "NCES_ID", "GROUP", "LANGUAGE", "STATUS")


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


def group_label(group: str) -> str:
    return GROUP_LABELS[group]["en"]


# --- the response table ----------------------------------------------------------------------

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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell_text(v) for v in row])
    return buf.getvalue()


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


# --- group results ---------------------------------------------------------------------------

RESULT_COLUMNS = ("school", "nces_id", "group", "measure_kind", "measure", "measure_label", "subgroup",
                  "subgroup_value", "subgroup_label", "status", "n", "mean", "se", "ci_low", "ci_high", "level",
                  "pct_least_favorable", "pct_favorable", "pct_most_favorable", "pct_favourable",
                  "count_1", "count_2", "count_3", "count_4", "pct_1", "pct_2", "pct_3", "pct_4")


def results_csv(administration: Administration, group: str | None = None) -> str:
    """The current scoring run's stored cells: suppressed cells say "suppressed" and carry no numbers."""
    run = current_run(administration.id)
    if run is None:
        raise ExportError(f"{administration.name!r} has not been scored yet, so there are no results to export.")
    schools = {s.id: s for s in administration.schools}
    instruments = {g.respondent_group: pinned_instrument(g)[0] for g in administration.groups}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for cell in cells(run, group=group, subgroup=None):
        school = schools.get(cell["school_id"]) if cell["school_id"] is not None else None
        instrument = instruments.get(cell["group"])
        if cell["measure_kind"] == "item":
            try:
                label = instrument.item(cell["measure"]).text["en"]
            except (KeyError, AttributeError):
                label = cell["measure"]
        else:
            label = measure_label(cell["measure"])
        sub_label = (subgroup_label(instrument, cell["subgroup"], cell["subgroup_value"])
                     if cell["subgroup"] and instrument else "")
        row = {"school": school.name if school else ("District" if cell["school_id"] is None else ""),
               "nces_id": (school.nces_id or "") if school else "", "group": cell["group"],
               "measure_kind": cell["measure_kind"], "measure": cell["measure"], "measure_label": label,
               "subgroup": cell["subgroup"] or "", "subgroup_value": cell["subgroup_value"] or "",
               "subgroup_label": sub_label, "status": "suppressed" if cell["suppressed"] else "reported"}
        if not cell["suppressed"]:
            row.update({k: cell[k] for k in ("n", "mean", "se", "ci_low", "ci_high")})
            row["level"] = LEVEL_LABELS[cell["level"]]["en"] if cell["level"] in LEVEL_LABELS else ""
            for name, value in zip(("pct_least_favorable", "pct_favorable", "pct_most_favorable"),
                                   cell["pct_levels"] or ()):
                row[name] = value
            row["pct_favourable"] = cell["pct_favourable"]
            for i, value in enumerate(cell["counts"] or (), start=1):
                row[f"count_{i}"] = value
            for i, value in enumerate(cell["pct"] or (), start=1):
                row[f"pct_{i}"] = value
        writer.writerow(["" if row.get(k) is None else row.get(k, "") for k in RESULT_COLUMNS])
    return buf.getvalue()


# --- notes -------------------------------------------------------------------------------------

def notes_text(administration: Administration, min_n: int | None = None) -> str:
    min_n = current_app.config["SUPPRESSION_MIN"] if min_n is None else min_n
    order = ", ".join("survey language (LANGUAGE)" if n == SURVEY_LANGUAGE else
                      "home language" if n == "language" else n for n in COARSEN_ORDER)
    lines = [
        f"Exports of {administration.name}: how the files are de-identified",
        "",
        "Response files (one per respondent group, CSV or SPSS .sav)",
        "- One row per respondent. By default only submitted responses; the 'including unfinished' files add",
        "  responses that were started but not submitted (STATUS says which).",
        "- No access codes, no database ids and no dates are exported. ROW is the row number in the file and",
        "  nothing else. ADMINISTRATION names the data collection.",
        "- Rows are sorted by school and then in an order fixed by a keyed hash, which does not follow the",
        "  order in which people answered.",
        "- Item columns use the codebook's variable names: core items, the SRO module (when it was on), custom",
        "  items (C01, C02, ...), then the background questions. The multi-select race question is one 0/1",
        "  column per option (S_RACE_<value>). An empty cell means no answer (SPSS: system missing).",
        "- SS_<TOPIC> and SS_<DOMAIN> are the scale scores (100-500) of the current scoring run; PL_<...> their",
        "  performance levels: 1 = Least Favorable (below 300), 2 = Favorable (300-400), 3 = Most Favorable",
        "  (above 400). Empty when the respondent could not be scored or the administration is not scored yet.",
        "",
        f"Coarsening of background answers (minimum group size {min_n})",
        "- Within each school, a row's background answers (grade, sex, Hispanic origin, race, home language,",
        "  survey language; for staff role and years at the school) form its combination.",
        f"- Then, for each background answer in this order: {order}, every row whose combination is",
        f"  shared by fewer than {min_n} rows of its school gets that answer blanked. Afterwards every",
        f"  combination is shared by at least {min_n} rows, or the row's background answers are all blank.",
        "- A blanked answer looks exactly like an unanswered question, so which answers were blanked cannot be",
        "  told from the file. Subgroup counts computed from the file can therefore be smaller than those in",
        "  the reports; the reports use the full answers with small-group suppression.",
        "- Custom items are exported as answered: they are never coarsened.",
        "",
        "Group results file (CSV)",
        "- The stored cells of the current scoring run: school (or District), respondent group, measure, subgroup.",
        f"- Cells with fewer than {min_n} respondents, and cells that would let a hidden cell be recovered by",
        "  subtraction, say 'suppressed' in the status column and carry no numbers.",
        "",
        "Importing responses",
        "- The import reads the response file layout (the same variable names): an export can be loaded into",
        "  another administration with the same questionnaires. ROW, ADMINISTRATION, SS_* and PL_* columns are",
        "  ignored; scores are computed again by scoring.",
        "- Every row is checked first; if any row has a problem nothing is imported.",
        "",
        "Keep these files inside the school system; do not publish response-level files.",
    ]
    return "\n".join(lines) + "\n"


# --- importing -----------------------------------------------------------------------------------

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
        _store(administration, group, rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def _store(administration: Administration, group: str, rows: list[ImportedRow]) -> None:
    """Plain executemany inserts (no RETURNING, which SQLite runs row by row), then the new ids are
    looked up by the unique access code and the unique access code id."""
    today = dt.date.today()
    codes = unique_codes(len(rows))
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
        answers = [{"response_id": response_id[code_id[c]], "item_id": item, "value": value}
                   for c, r in zip(part_codes, part) for item, value in r.answers.items()]
        if answers:
            db.session.execute(insert(Answer.__table__), answers)


# --- pages -------------------------------------------------------------------------------------

class ImportForm(FlaskForm):
    group = SelectField("Respondent group", validators=[InputRequired()])
    school = SelectField("School", validators=[InputRequired()])
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Check and import")


def _import_form(administration: Administration, **kwargs) -> ImportForm:
    form = ImportForm(**kwargs)
    form.group.choices = [(g.respondent_group, group_label(g.respondent_group)) for g in administration.groups]
    form.school.choices = [("", "Each row names its school (SCHOOL or NCES_ID column)")] + [
        (str(s.id), s.name) for s in administration.schools]
    form.school.validators = []
    return form


def _group_or_404(administration: Administration, group: str) -> str:
    if administration.group(group) is None:
        abort(404)
    return group


def _index_page(administration, form, errors=None, total_errors=0, status=200):
    run = current_run(administration.id)
    groups = [g.respondent_group for g in administration.groups]
    return render_template(
        "exports/index.html", administration=administration, groups=groups, group_label=group_label,
        run=run, form=form, errors=errors or [], total_errors=total_errors, notes=notes_text(administration),
        max_mb=current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES) // (1024 * 1024),
        max_rows=MAX_IMPORT_ROWS, min_n=current_app.config["SUPPRESSION_MIN"]), status


@bp.route("/administrations/<int:administration_id>")
@district_staff_required
def index(administration_id):
    administration = administration_or_404(administration_id)
    return _index_page(administration, _import_form(administration, formdata=None))


def _download(body, filename: str, mimetype: str) -> FlaskResponse:
    return FlaskResponse(body, mimetype=mimetype,
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _slug(administration: Administration) -> str:
    keep = "".join(ch if ch.isalnum() else "-" for ch in administration.name.lower())
    return "-".join(part for part in keep.split("-") if part) or f"administration-{administration.id}"


@bp.route("/administrations/<int:administration_id>/<group>/responses.<fmt>")
@district_staff_required
def responses(administration_id, group, fmt):
    administration = administration_or_404(administration_id)
    _group_or_404(administration, group)
    if fmt not in ("csv", "sav"):
        abort(404)
    incomplete = request.args.get("incomplete") == "1"
    table = response_table(administration, group, include_incomplete=incomplete)
    name = f"{_slug(administration)}-{group}-responses{'-all' if incomplete else ''}.{fmt}"
    if fmt == "csv":
        return _download(responses_csv(table), name, "text/csv; charset=utf-8")
    return _download(responses_sav(table), name, "application/x-spss-sav")


@bp.route("/administrations/<int:administration_id>/results.csv")
@district_staff_required
def results(administration_id):
    administration = administration_or_404(administration_id)
    group = request.args.get("group") or None
    if group:
        _group_or_404(administration, group)
    try:
        body = results_csv(administration, group)
    except ExportError as exc:
        flash(str(exc))
        return redirect(url_for("exports.index", administration_id=administration.id))
    name = f"{_slug(administration)}-{group or 'all-groups'}-results.csv"
    return _download(body, name, "text/csv; charset=utf-8")


@bp.route("/administrations/<int:administration_id>/notes.txt")
@district_staff_required
def notes(administration_id):
    administration = administration_or_404(administration_id)
    return _download(notes_text(administration), f"{_slug(administration)}-export-notes.txt",
                     "text/plain; charset=utf-8")


@bp.route("/administrations/<int:administration_id>/import", methods=["POST"])
@csrf.exempt  # the form checks its own CSRF token, after the upload limit for this route is set
@district_staff_required
def import_upload(administration_id):
    administration = administration_or_404(administration_id)
    limit = current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    too_large = (f"The file is too large: at most {limit // (1024 * 1024)} MB and {MAX_IMPORT_ROWS:,} rows can be "
                 "imported at once. Split it into smaller files. Nothing was imported.")
    if request.content_length is not None and request.content_length > limit:
        flash(too_large)
        return redirect(url_for("exports.index", administration_id=administration.id), code=303)
    request.max_content_length = limit
    try:
        form = _import_form(administration)
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        flash(too_large)
        return redirect(url_for("exports.index", administration_id=administration.id), code=303)
    if not valid:
        if "csrf_token" in form.errors:
            abort(400, "This form has expired or was not sent from this site, so nothing was saved. "
                       "Go back, reload the page and try again.")
        return _index_page(administration, form, status=422)
    school = None
    if form.school.data:
        school = next((s for s in administration.schools if str(s.id) == form.school.data), None)
        if school is None:
            abort(404)
    try:
        count = import_responses(administration, form.group.data, form.file.data.read(), school)
    except ImportFailed as exc:
        return _index_page(administration, form, exc.errors, exc.total, status=422)
    where = school.name if school else "the schools named in the file"
    flash(f"Imported {count:,} {group_label(form.group.data).lower()} responses for {where}. "
          "Score the administration again to include them in the results.")
    return redirect(url_for("exports.index", administration_id=administration.id), code=303)


# --- command line ------------------------------------------------------------------------------

def _administration(ref: str) -> Administration:
    try:
        return find_administration(ref)
    except AdministrationError as exc:
        raise click.ClickException(str(exc)) from None


def _group_arg(administration: Administration, text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = {"students": "student", "parents": "parent"}.get(key, key)
    if administration.group(key) is None:
        raise click.ClickException(f"{administration.name!r} does not survey {text!r}; it surveys "
                                   f"{', '.join(g.respondent_group for g in administration.groups)}.")
    return key


def _school_arg(administration: Administration, text: str) -> School:
    text = text.strip()
    for s in administration.schools:
        if text in (str(s.id), s.nces_id or "\0") or s.name.lower() == text.lower():
            return s
    raise click.ClickException(f"{text!r} is not a school of {administration.name!r}.")


@bp.cli.command("export")
@click.argument("administration")
@click.option("--group", help="Respondent group (required for response files).")
@click.option("--format", "fmt", type=click.Choice(["csv", "sav", "results"]), default="csv", show_default=True,
              help="csv/sav: de-identified responses; results: the group results (suppression applied).")
@click.option("--include-incomplete", is_flag=True, help="Also export started but unsubmitted responses.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="The file to write.")
def export_command(administration, group, fmt, include_incomplete, output):
    """Export ADMINISTRATION's responses (de-identified) or group results to a file."""
    admin = _administration(administration)
    the_group = _group_arg(admin, group) if group else None
    try:
        if fmt == "results":
            Path(output).write_text(results_csv(admin, the_group), encoding="utf-8")
            click.echo(f"Wrote the group results of {admin.name!r} to {output}.", err=True)
            return
        if the_group is None:
            raise click.ClickException("Give the respondent group with --group.")
        table = response_table(admin, the_group, include_incomplete=include_incomplete)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        Path(output).write_text(responses_csv(table), encoding="utf-8")
    else:
        Path(output).write_bytes(responses_sav(table))
    blanked = sum(table.coarsened.values())
    click.echo(f"Wrote {len(table.rows):,} {the_group} responses to {output}"
               f"{f'; {blanked:,} background answers blanked (see the export notes)' if blanked else ''}.", err=True)


@bp.cli.command("import-responses")
@click.argument("administration")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", required=True, help="Respondent group of every row.")
@click.option("--school", default=None, help="School (name, NCES id or id) of every row; otherwise a SCHOOL "
                                             "or NCES_ID column names each row's school.")
def import_command(administration, file, group, school):
    """Import responses collected elsewhere from FILE (CSV in the codebook layout): all rows or none."""
    admin = _administration(administration)
    the_group = _group_arg(admin, group)
    the_school = _school_arg(admin, school) if school else None
    limit = current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if os.path.getsize(file) > limit:
        raise click.ClickException(f"{file} is larger than {limit // (1024 * 1024)} MB; split it into smaller files.")
    try:
        count = import_responses(admin, the_group, Path(file).read_bytes(), the_school)
    except ImportFailed as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        more = exc.total - len(exc.errors)
        if more > 0:
            click.echo(f"... and {more:,} more problems.", err=True)
        raise click.ClickException("Nothing was imported.") from None
    click.echo(f"Imported {count:,} {the_group} responses into {admin.name!r}. "
               f"Run `climate score {admin.id}` to include them in the results.")
