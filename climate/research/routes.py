"""The calibrations pages (district staff): the list, one calibration, its actions and its CSV.

A district's staff see the calibrations shipped with the questionnaires and those made from their
own district's administrations; another district's calibration is a 404, and actions touch only
their own district's administrations."""
from __future__ import annotations


from flask import Response as FlaskResponse, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveys.domain import RESPONDENT_GROUPS

from ..access import district_staff_required
from ..extensions import db
from ..models import Administration, Calibration
from ..jobs import enqueue_scoring
from ..labels import group_label
from . import bp
from .calibrations import (COMPARISON_LABELS, MISFIT_HIGH, MISFIT_LOW, MISFIT_ZSTD, calibration_dif,
                           calibration_instrument, calibration_visible, make_reference_calibration, rescore_targets,
                           scored_with, thresholds_csv, visible_calibrations)
from .forms import ReferenceForm, RescoreForm


def _calibration_or_404(calibration_id: int) -> Calibration:
    calibration = db.session.get(Calibration, calibration_id)
    if not calibration_visible(calibration, current_user.district_id):
        abort(404)
    return calibration


@bp.route("/")
@district_staff_required
def index():
    calibrations = visible_calibrations(current_user.district_id)
    used = scored_with(calibrations, current_user.district_id)
    by_group = {g: [c for c in calibrations if c.respondent_group == g] for g in RESPONDENT_GROUPS}
    return render_template("research/index.html", by_group={g: rows for g, rows in by_group.items() if rows},
                           used=used)


def misfit(msq, zstd) -> str | None:
    """The fit flag of one mean square (docs/scoring.md): noisy, too predictable, or None."""
    if msq is None or zstd is None:
        return None
    if msq > MISFIT_HIGH and zstd > MISFIT_ZSTD:
        return "noisier than the model expects"
    if msq < MISFIT_LOW and zstd < -MISFIT_ZSTD:
        return "more predictable than the model expects"
    return None


def _topics(calibration: Calibration, instrument, dif: dict | None) -> list[dict]:
    """Per topic: its items with thresholds, SEs, counts, fit and DIF, and the topic's statistics."""
    if instrument is None:
        return []
    stats = (calibration.statistics or {}).get("topics", {})
    out = []
    for topic in instrument.scaled_topics:
        items = instrument.scaled_items(topic)
        tstats = stats.get(topic, {})
        dif_rows = (dif or {}).get("topics", {}).get(topic, [])
        rows = []
        for item in items:
            s = tstats.get("items", {}).get(item.id, {})
            flags = [f"{name} {flag}" for name, flag in (
                ("infit", misfit(s.get("infit"), s.get("infit_zstd"))),
                ("outfit", misfit(s.get("outfit"), s.get("outfit_zstd")))) if flag]
            rows.append({"id": item.id, "text": item.text.get("en", item.id),
                         "thresholds": calibration.thresholds.get(item.id, []), "se": s.get("se"),
                         "counts": s.get("counts"), "fit": s, "misfit": flags,
                         "dif": [d for d in dif_rows if d["item"] == item.id]})
        out.append({"id": topic, "items": rows, "stats": tstats,
                    "transform": calibration.transforms.get(topic),
                    "dif_c": [d for d in dif_rows if d["ets_class"] == "C"]})
    return out


def _detail(calibration: Calibration, status=200):
    district_id = current_user.district_id
    instrument = calibration_instrument(calibration, district_id)
    dif, computed_now = calibration_dif(calibration)
    anchored_to = db.session.get(Calibration, calibration.anchored_to_id) if calibration.anchored_to_id else None
    source = db.session.get(Administration, calibration.administration_id) if calibration.administration_id else None
    return render_template(
        "research/calibration.html", calibration=calibration, topics=_topics(calibration, instrument, dif),
        dif=dif, dif_computed_now=computed_now, anchored_to=anchored_to,
        anchored_visible=calibration_visible(anchored_to, district_id), source=source,
        used=scored_with([calibration], district_id)[calibration.id],
        targets=rescore_targets(calibration, district_id), reference_form=ReferenceForm(),
        rescore_form=RescoreForm(), comparison_labels=COMPARISON_LABELS,
        min_n=current_app.config["SUPPRESSION_MIN"], misfit_rule=(MISFIT_LOW, MISFIT_HIGH, MISFIT_ZSTD),
        has_instrument=instrument is not None), status


@bp.route("/calibrations/<int:calibration_id>")
@district_staff_required
def calibration(calibration_id):
    return _detail(_calibration_or_404(calibration_id))


@bp.route("/calibrations/<int:calibration_id>/reference", methods=["POST"])
@district_staff_required
def make_reference(calibration_id):
    """Make this calibration the reference for its group and instrument version (as `climate set-reference`)."""
    calibration = _calibration_or_404(calibration_id)
    if not ReferenceForm().validate_on_submit():
        flash(_("The form had expired; nothing was changed. Please try again."))
    elif calibration.is_reference:
        flash(_("Calibration %(id)s is already the reference.", id=calibration.id))
    else:
        make_reference_calibration(calibration)
        db.session.commit()
        flash(_("Calibration %(id)s is now the reference for %(group)s (%(version)s). Re-score an administration to "
                "apply it to its reports.", id=calibration.id, group=group_label(calibration.respondent_group).lower(),
                version=calibration.instrument_version))
    return redirect(url_for("research.calibration", calibration_id=calibration_id))


@bp.route("/calibrations/<int:calibration_id>/rescore", methods=["POST"])
@district_staff_required
def rescore(calibration_id):
    """Re-score one of the district's administrations with this (reference) calibration, now."""
    calibration = _calibration_or_404(calibration_id)
    form = RescoreForm()
    back = redirect(url_for("research.calibration", calibration_id=calibration_id))
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or _("Nothing was re-scored."))
        return back
    targets = {a.id: a for a in rescore_targets(calibration, current_user.district_id)}
    administration = targets.get(int(form.administration_id.data))
    if administration is None:
        abort(404)
    if not calibration.is_reference:
        flash(_("Re-scoring always uses the reference calibration: make this calibration the reference first. "
                "Nothing was re-scored."))
        return back
    job = enqueue_scoring(administration.id, trigger="manual")
    db.session.commit()
    flash(_("Re-scoring %(name)s with calibration %(id)s is queued (job %(job)s); its progress and result show "
            "below. The reports keep the current results until it is done.", name=administration.name,
            id=calibration.id, job=job.id))
    return redirect(url_for("administer.detail", administration_id=administration.id, _anchor="scoring"))


@bp.route("/calibrations/<int:calibration_id>/thresholds.csv")
@district_staff_required
def thresholds(calibration_id):
    calibration = _calibration_or_404(calibration_id)
    instrument = calibration_instrument(calibration, current_user.district_id)
    if instrument is None:
        abort(404)
    name = f"calibration-{calibration.id}-{calibration.respondent_group}-thresholds.csv"
    return FlaskResponse(thresholds_csv(calibration, instrument), mimetype="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})
