"""Calibrations for the research office: making them from an administration's answers, choosing
the reference, the statistics a district's analyst reads (fit, reliability, the link to the
reference, empty categories, DIF) and the thresholds CSV.

The science is in surveys.calibration, surveys.fit and surveys.dif; this module moves data
between the database and those functions. Scoring runs themselves are climate.scoring."""
from __future__ import annotations

import csv
import io
import math

import numpy as np
from flask import current_app
from sqlalchemy import or_, select, update

from surveys.calibration import calibrate, link_mean_mean
from surveys.dif import topic_dif
from surveys.instruments import Instrument
from surveys.scales import INDIVIDUAL_MAX, INDIVIDUAL_MIN
from surveys.subgroups import subgroup_label, subgroup_vectors

from ..administer.service import pinned_instrument
from ..extensions import db
from ..models import Administration, Calibration, Response, ScoringRun, utcnow
from ..scoring import ScoringError, _transforms, load_answers, reference_calibration

MIN_CALIBRATION_RESPONSES = 100
# Fit flags (docs/scoring.md, section 4): a mean square outside [0.7, 1.3] together with |ZSTD| > 2.
MISFIT_LOW, MISFIT_HIGH, MISFIT_ZSTD = 0.7, 1.3, 2.0
LANGUAGE_LABELS = {"en": "English form", "es": "Spanish form"}
COMPARISON_LABELS = {"language": "Language of the form", "sex": "Sex", "grade_band": "Grade band"}
# Grade bands for DIF: stored grade answers (5..12; 13 = ungraded is left out).
GRADE_BANDS = (("grades 5-8", range(5, 9)), ("grades 9-12", range(9, 13)))


def _finite(x) -> float | None:
    """A float for JSON storage, None for NaN or infinity."""
    return float(x) if x is not None and math.isfinite(float(x)) else None


# --- making calibrations -------------------------------------------------------------------------

def calibrate_administration(administration: Administration, make_reference: bool = False,
                             notes: list[str] | None = None) -> list[Calibration]:
    """New calibrations from an administration's submitted answers, on the reference scale.

    Per topic, items with an empty category are held at the reference calibration's thresholds
    (surveys.calibration's rule 1); the topic is then anchored on those items. A topic without
    such an item is calibrated freely and shifted onto the reference by mean-mean linking over
    all its items. Groups with too few responses are skipped with a note; if no group can be
    calibrated, ScoringError. DIF is computed and stored with each calibration."""
    made, skipped = [], []
    for agroup in administration.groups:
        instrument, _ = pinned_instrument(agroup)
        if not instrument.scaled_topics:
            continue
        reference = reference_calibration(agroup.respondent_group, instrument)
        answers = load_answers(administration.id, agroup.respondent_group)
        if len(answers.response_ids) < MIN_CALIBRATION_RESPONSES:
            skipped.append(f"{agroup.respondent_group.replace('_', ' ')}: only {len(answers.response_ids)} "
                           f"submitted responses; a calibration needs at least {MIN_CALIBRATION_RESPONSES}.")
            continue
        thresholds, stats = {}, {"topics": {}}
        for topic in instrument.scaled_topics:
            ids = [i.id for i in instrument.scaled_items(topic)]
            codes = instrument.score_codes(ids, answers.columns(ids))
            ref = np.array([reference.thresholds[i] for i in ids], dtype=np.float64)
            result = calibrate(codes, reference=ref)
            held = [ids[n.item] for n in result.notes if n.rule == "reference"]
            if held:
                linked, shift, common, link = result.thresholds, 0.0, held, "anchored"
            else:
                linked, shift = link_mean_mean(result.thresholds, ref, list(range(len(ids))))
                common, link = ids, "mean-mean"
            for item, row in zip(ids, linked):
                thresholds[item] = [float(x) for x in row]
            stats["topics"][topic] = _topic_statistics(ids, result, shift, common, link)
        stats["dif"] = compute_dif(administration, instrument, agroup.respondent_group)
        row = Calibration(
            respondent_group=agroup.respondent_group, instrument_version=instrument.version,
            source="administration", provisional=False, administration_id=administration.id,
            anchored_to_id=reference.id, is_reference=False, thresholds=thresholds,
            label=f"{agroup.respondent_group} {instrument.version} from {administration.name}",
            transforms=_transforms(instrument, thresholds), statistics=stats)
        db.session.add(row)
        db.session.flush()
        if make_reference:
            make_reference_calibration(row)
        made.append(row)
    if notes is not None:
        notes.extend(skipped)
    if not made:
        raise ScoringError(" ".join(skipped) or "This administration has no respondent group with scale scores.")
    return made


def _topic_statistics(ids, result, shift, common, link) -> dict:
    """One topic's stored statistics: everything the calibration page shows."""
    counts = result.category_counts
    items = {}
    for j, item in enumerate(ids):
        items[item] = {
            "infit": _finite(result.infit[j]), "outfit": _finite(result.outfit[j]),
            "infit_zstd": _finite(result.infit_zstd[j]), "outfit_zstd": _finite(result.outfit_zstd[j]),
            "se": [_finite(x) for x in result.threshold_se[j]], "counts": [int(c) for c in counts[j]]}
    return {
        "reliability": _finite(result.reliability),
        "reliability_with_extremes": _finite(result.reliability_with_extremes),
        "alpha": _finite(result.alpha), "link": link, "link_shift": float(shift), "common_items": list(common),
        "n_persons": int(result.n_persons), "converged": bool(result.converged), "items": items,
        "notes": [{"item": ids[n.item], "empty_categories": list(n.empty_categories), "rule": n.rule,
                   "message": n.message.replace(f"item {n.item}:", f"{ids[n.item]}:", 1)} for n in result.notes]}


def make_reference_calibration(calibration: Calibration) -> None:
    """Make a calibration the reference for its group and instrument version (explicit choice)."""
    db.session.execute(update(Calibration).where(
        Calibration.respondent_group == calibration.respondent_group,
        Calibration.instrument_version == calibration.instrument_version).values(is_reference=False))
    calibration.is_reference = True


# --- DIF -------------------------------------------------------------------------------------------

def _grade_bands(grades) -> list[str | None]:
    out = []
    for g in grades:
        value = int(g) if g is not None else None
        out.append(next((name for name, span in GRADE_BANDS if value in span), None))
    return out


def dif_groups(administration: Administration, instrument: Instrument, group: str, answers) -> dict[str, list]:
    """The DIF grouping variables of every respondent in `answers`: form language, sex, grade band
    (labels in words; None = unknown)."""
    language = dict(db.session.execute(select(Response.id, Response.language).where(
        Response.administration_id == administration.id, Response.respondent_group == group)).all())
    background = subgroup_vectors(instrument, {b.id: answers.column(b.id) for b in instrument.background})
    groups = {"language": [LANGUAGE_LABELS.get(language.get(int(r)), None) for r in answers.response_ids]}
    if "sex" in background:
        groups["sex"] = [subgroup_label(instrument, "sex", v) if v else None for v in background["sex"]]
    if "grade" in background:
        groups["grade_band"] = _grade_bands(background["grade"])
    return groups


def compute_dif(administration: Administration, instrument: Instrument, group: str) -> dict:
    """Mantel-Haenszel DIF of every scaled item by form language, sex and grade band, from the
    administration's submitted answers. Comparisons with a group below the disclosure minimum
    keep no statistics and no counts. Stored as Calibration.statistics["dif"]."""
    min_n = current_app.config["SUPPRESSION_MIN"]
    answers = load_answers(administration.id, group)
    groups = dif_groups(administration, instrument, group, answers)
    topics = {}
    for topic in instrument.scaled_topics:
        ids = [i.id for i in instrument.scaled_items(topic)]
        rows = topic_dif(instrument.score_codes(ids, answers.columns(ids)), groups, min_group=min_n) \
            if len(answers.response_ids) else []
        topics[topic] = [{
            "item": ids[d.item], "comparison": d.comparison, "reference": d.reference, "focal": d.focal,
            "suppressed": d.suppressed,
            "n_reference": None if d.suppressed else d.n_reference, "n_focal": None if d.suppressed else d.n_focal,
            "delta": _finite(d.delta), "se": _finite(d.se), "p_value": _finite(d.p_value),
            "ets_class": d.ets_class, "favours": d.favours} for d in rows]
    return {"min_group": min_n, "computed_at": utcnow().isoformat(timespec="seconds"),
            "n_respondents": int(len(answers.response_ids)), "topics": topics}


def calibration_dif(calibration: Calibration) -> tuple[dict | None, bool]:
    """The calibration's stored DIF, computing and storing it the first time for a calibration
    made before DIF was stored. Returns (dif or None when there are no answers, computed_now)."""
    stored = (calibration.statistics or {}).get("dif")
    if stored is not None:
        return stored, False
    administration = db.session.get(Administration, calibration.administration_id) \
        if calibration.administration_id else None
    agroup = administration.group(calibration.respondent_group) if administration else None
    if agroup is None:
        return None, False
    instrument, _ = pinned_instrument(agroup)
    dif = compute_dif(administration, instrument, calibration.respondent_group)
    calibration.statistics = dict(calibration.statistics or {}, dif=dif, dif_added_later=True)
    db.session.commit()
    return dif, True


# --- what a district sees ----------------------------------------------------------------------

def visible_calibrations(district_id: int) -> list[Calibration]:
    """The calibrations a district's staff may read: those shipped with the instruments and those
    made from the district's own administrations."""
    own = select(Administration.id).where(Administration.district_id == district_id)
    return db.session.scalars(select(Calibration).where(or_(
        Calibration.source == "provisional", Calibration.administration_id.in_(own)))
        .order_by(Calibration.respondent_group, Calibration.instrument_version, Calibration.id)).all()


def calibration_visible(calibration: Calibration | None, district_id: int) -> bool:
    if calibration is None:
        return False
    if calibration.source == "provisional":
        return True
    administration = db.session.get(Administration, calibration.administration_id) \
        if calibration.administration_id else None
    return administration is not None and administration.district_id == district_id


def scored_with(calibrations: list[Calibration],
                district_id: int) -> dict[int, list[tuple[Administration, ScoringRun]]]:
    """calibration id -> the district's administrations (and runs) scored with it, newest first."""
    runs = db.session.execute(select(ScoringRun, Administration).join(
        Administration, Administration.id == ScoringRun.administration_id).where(
        Administration.district_id == district_id).order_by(ScoringRun.id.desc())).all()
    wanted = {c.id: c.respondent_group for c in calibrations}
    out: dict[int, list] = {cid: [] for cid in wanted}
    for run, administration in runs:
        for cid, group in wanted.items():
            if (run.calibrations or {}).get(group) == cid:
                out[cid].append((administration, run))
    return out


def rescore_targets(calibration: Calibration, district_id: int) -> list[Administration]:
    """The district's administrations that survey the calibration's group with its instrument version."""
    rows = db.session.scalars(select(Administration).where(Administration.district_id == district_id)
                              .order_by(Administration.opens_at.desc())).all()
    return [a for a in rows if (g := a.group(calibration.respondent_group)) is not None
            and g.instrument_version == calibration.instrument_version]


# --- the thresholds CSV -------------------------------------------------------------------------

THRESHOLD_COLUMNS = ("row", "topic", "item", "reverse", "threshold_1", "threshold_2", "threshold_3",
                     "theta_300", "theta_400", "slope", "intercept", "trim_low", "trim_high")


def _num(x) -> str:
    """Full precision (repr), blank for a missing value."""
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else repr(float(x))


def calibration_instrument(calibration: Calibration, district_id: int) -> Instrument | None:
    """The questionnaire a calibration belongs to: its administration's pinned copy, else the
    installed one of that version, else a pinned copy of that version in one of the district's
    administrations."""
    candidates = []
    if calibration.administration_id:
        administration = db.session.get(Administration, calibration.administration_id)
        if administration is not None:
            candidates.append(administration)
    installed = current_app.extensions["instruments"].get(calibration.respondent_group)
    if not candidates and installed is not None and installed.version == calibration.instrument_version:
        return installed
    candidates += rescore_targets(calibration, district_id)
    for administration in candidates:
        agroup = administration.group(calibration.respondent_group)
        if agroup is not None and agroup.instrument_version == calibration.instrument_version:
            return pinned_instrument(agroup)[0]
    return None


def thresholds_csv(calibration: Calibration, instrument: Instrument) -> str:
    """One row per item (its thresholds) and one per topic (its scale transform); the columns are
    explained in docs/scoring.md. `reverse` is 1 where the stored answer counts down
    (code = 4 - answer), 0 where code = answer - 1."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(THRESHOLD_COLUMNS)
    topics = [t for t in instrument.scaled_topics if t in calibration.transforms]
    for topic in topics:
        for item in instrument.scaled_items(topic):
            values = (list(calibration.thresholds.get(item.id, [])) + [None] * 3)[:3]
            writer.writerow(["item", topic, item.id, int(bool(item.favourable_first))]
                            + [_num(v) for v in values] + [""] * 6)
    for topic in topics:
        t = calibration.transforms[topic]
        writer.writerow(["transform", topic, "", "", "", "", ""] + [_num(t.get(k)) for k in (
            "theta_300", "theta_400", "slope", "intercept")]
            + [_num(t.get("trim_low", INDIVIDUAL_MIN)), _num(t.get("trim_high", INDIVIDUAL_MAX))])
    return buf.getvalue()
