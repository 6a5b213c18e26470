"""The exports page of an administration (district staff): response files in two tiers (shareable:
k-anonymous; restricted: the full file, every download recorded), the group results CSV, the
notes, and the import of responses collected elsewhere.
The same on the command line: climate.commands.exports."""
from __future__ import annotations

from flask import (Blueprint, Response as FlaskResponse, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from surveys.exports import MAX_IMPORT_ROWS

from ..access import administration_or_404, district_staff_required
from ..extensions import csrf, db
from ..labels import group_label
from ..models import Administration, ExportDownload, ImportRecord
from ..results import current_run
from .forms import import_form
from .group_results import results_csv
from .importing import IMPORT_MAX_BYTES, ImportFailed, import_responses, imports_of, undo_import, undo_refusal, who
from .notes import notes_text
from .responses import TIERS, ExportError, response_table, responses_csv, responses_sav

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _group_or_404(administration: Administration, group: str) -> str:
    if administration.group(group) is None:
        abort(404)
    return group


def _index_page(administration, form, errors=None, total_errors=0, status=200):
    run = current_run(administration.id)
    groups = [g.respondent_group for g in administration.groups]
    return render_template(
        "exports/index.html", administration=administration, groups=groups,
        run=run, form=form, errors=errors or [], total_errors=total_errors, notes=notes_text(administration),
        imports=imports_of(administration), undo_refusal=undo_refusal, who=who,
        downloads=downloads_of(administration),
        max_mb=current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES) // (1024 * 1024),
        max_rows=MAX_IMPORT_ROWS, min_n=current_app.config["SUPPRESSION_MIN"]), status


@bp.route("/administrations/<int:administration_id>")
@district_staff_required
def index(administration_id):
    administration = administration_or_404(administration_id)
    return _index_page(administration, import_form(administration, formdata=None))


def _download(body, filename: str, mimetype: str) -> FlaskResponse:
    return FlaskResponse(body, mimetype=mimetype,
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _slug(administration: Administration) -> str:
    keep = "".join(ch if ch.isalnum() else "-" for ch in administration.name.lower())
    return "-".join(part for part in keep.split("-") if part) or f"administration-{administration.id}"


def downloads_of(administration: Administration) -> list[ExportDownload]:
    """The recorded downloads of the administration's restricted files, newest first."""
    return db.session.scalars(select(ExportDownload).where(ExportDownload.administration_id == administration.id)
                              .order_by(ExportDownload.downloaded_at.desc(), ExportDownload.id.desc())).all()


def _table(administration_id, group, tier):
    administration = administration_or_404(administration_id)
    _group_or_404(administration, group)
    if tier not in TIERS:
        abort(404)
    incomplete = request.args.get("incomplete") == "1"
    try:
        table = response_table(administration, group, tier, include_incomplete=incomplete)
    except ExportError as exc:
        flash(str(exc))
        return administration, None, redirect(url_for("exports.index", administration_id=administration.id))
    return administration, table, f"{_slug(administration)}-{group}-{tier}-responses{'-all' if incomplete else ''}"


@bp.route("/administrations/<int:administration_id>/<group>/<tier>/responses.<fmt>")
@district_staff_required
def responses(administration_id, group, tier, fmt):
    """A response file; a restricted one is recorded (who, when, which file) before it is sent."""
    if fmt not in ("csv", "sav"):
        abort(404)
    administration, table, name = _table(administration_id, group, tier)
    if table is None:
        return name
    name = f"{name}.{fmt}"
    if tier == "restricted":
        db.session.add(ExportDownload(user_id=current_user.id, user_email=current_user.email,
                                      administration_id=administration.id, filename=name))
        db.session.commit()
    if fmt == "csv":
        return _download(responses_csv(table), name, "text/csv; charset=utf-8")
    return _download(responses_sav(table, notes_text(administration, table)), name, "application/x-spss-sav")


@bp.route("/administrations/<int:administration_id>/<group>/<tier>/notes.txt")
@district_staff_required
def file_notes(administration_id, group, tier):
    """The notes of one response file: its tier, information loss and l-diversity."""
    administration, table, name = _table(administration_id, group, tier)
    if table is None:
        return name
    return _download(notes_text(administration, table), f"{name}-notes.txt", "text/plain; charset=utf-8")


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
    too_large = _("The file is too large: at most %(mb)s MB and %(rows)s rows can be imported at once. Split it "
                  "into smaller files. Nothing was imported.", mb=limit // (1024 * 1024), rows="{:,}".format(MAX_IMPORT_ROWS))
    if request.content_length is not None and request.content_length > limit:
        flash(too_large)
        return redirect(url_for("exports.index", administration_id=administration.id), code=303)
    request.max_content_length = limit
    try:
        form = import_form(administration)
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        flash(too_large)
        return redirect(url_for("exports.index", administration_id=administration.id), code=303)
    if not valid:
        if "csrf_token" in form.errors:
            abort(400, _("This form has expired or was not sent from this site, so nothing was saved. "
                         "Go back, reload the page and try again."))
        return _index_page(administration, form, status=422)
    school = None
    if form.school.data:
        school = next((s for s in administration.schools if str(s.id) == form.school.data), None)
        if school is None:
            abort(404)
    try:
        count = import_responses(administration, form.group.data, form.file.data.read(), school, user=current_user)
    except ImportFailed as exc:
        return _index_page(administration, form, exc.errors, exc.total, status=422)
    where = school.name if school else _("the schools named in the file")
    flash(ngettext("Imported %(n)s response from %(group)s for %(where)s. Score the administration again to include "
                   "them in the results.",
                   "Imported %(n)s responses from %(group)s for %(where)s. Score the administration again to include "
                   "them in the results.", count, n="{:,}".format(count), group=group_label(form.group.data).lower(),
                   where=where))
    return redirect(url_for("exports.index", administration_id=administration.id), code=303)


@bp.route("/administrations/<int:administration_id>/imports/<int:import_id>/undo", methods=["POST"])
@district_staff_required
def undo(administration_id, import_id):
    """Undo an import not yet included in a scoring: its responses are deleted."""
    administration = administration_or_404(administration_id)
    record = db.session.get(ImportRecord, import_id)
    if record is None or record.administration_id != administration.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("This form has expired or was not sent from this site, so nothing was changed. "
                     "Go back, reload the page and try again."))
    try:
        deleted = undo_import(record)
    except ImportFailed as exc:
        flash(_("The import was not undone: %(reason)s", reason=exc))
    else:
        flash(_("The import was undone: %(n)s %(group)s responses were deleted.", n="{:,}".format(deleted),
                group=group_label(record.respondent_group).lower()))
    return redirect(url_for("exports.index", administration_id=administration.id) + "#imports", code=303)
