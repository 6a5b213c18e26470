"""Scoring an administration: stored answers -> person scale scores -> stored group results.

The science is in `surveys/`; this module only moves data between the database and numpy
arrays. Reports read the stored results of the current scoring run and never rescore.
A scoring run is written in one transaction: a failure leaves the previous results in place.
Scoring on close, "Score again" and `climate score` run it as a job (climate.jobs)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import insert, select, update

from surveys.aggregate import item_cells, score_cells
from surveys.domain import DOMAINS
from surveys.instruments import Instrument
from surveys.rasch import estimate_theta
from surveys.scales import ScaleTransform, domain_scores, topic_transform
from surveys.subgroups import subgroup_vectors

from . import disclosure
from .administer.service import pinned_instrument
from .disclosure import ScoredGroup
from .extensions import db
from .models import Administration, Answer, Calibration, GroupResult, PersonScore, Response, ScoringRun


class ScoringError(RuntimeError):
    """Scoring cannot proceed; the message says why."""


# --- answers as arrays ---------------------------------------------------------------------

@dataclass
class AnswerMatrix:
    """Stored answers of one respondent group. raw : int64 (n_respondents, n_items), 0 = no answer."""
    response_ids: np.ndarray
    school_ids: np.ndarray
    item_ids: list[str]
    raw: np.ndarray

    def columns(self, ids) -> np.ndarray:
        index = {item: j for j, item in enumerate(self.item_ids)}
        out = np.zeros((len(self.response_ids), len(ids)), dtype=np.int64)
        for k, item in enumerate(ids):
            if item in index:
                out[:, k] = self.raw[:, index[item]]
        return out

    def column(self, item_id) -> np.ndarray:
        return self.columns([item_id])[:, 0]


def load_answers(administration_id: int, group: str, statuses=("submitted",)) -> AnswerMatrix:
    """All answers of a group's responses in the given statuses, pivoted into a matrix."""
    responses = db.session.execute(
        select(Response.id, Response.school_id)
        .where(Response.administration_id == administration_id, Response.respondent_group == group,
               Response.status.in_(statuses))
        .order_by(Response.id)).all()
    response_ids = np.array([r[0] for r in responses], dtype=np.int64)
    school_ids = np.array([r[1] for r in responses], dtype=np.int64)
    rows = db.session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.administration_id == administration_id, Response.respondent_group == group,
               Response.status.in_(statuses))).all()
    if not rows:
        return AnswerMatrix(response_ids, school_ids, [], np.zeros((len(response_ids), 0), dtype=np.int64))
    rid, item, value = (np.array(col) for col in zip(*rows))
    item_ids, item_index = np.unique(item.astype(str), return_inverse=True)
    raw = np.zeros((len(response_ids), len(item_ids)), dtype=np.int64)
    raw[np.searchsorted(response_ids, rid.astype(np.int64)), item_index] = value.astype(np.int64)
    return AnswerMatrix(response_ids, school_ids, [str(i) for i in item_ids], raw)


# --- calibrations ----------------------------------------------------------------------------

def _transforms(instrument: Instrument, thresholds: dict[str, list[float]]) -> dict[str, dict]:
    return {topic: topic_transform(np.array([thresholds[i.id] for i in instrument.scaled_items(topic)])).to_dict()
            for topic in instrument.scaled_topics}


def reference_calibration(group: str, instrument: Instrument) -> Calibration:
    """The reference calibration for a group's instrument version; the first time, the
    instrument's own provisional thresholds become it."""
    row = db.session.scalar(select(Calibration).where(
        Calibration.respondent_group == group, Calibration.instrument_version == instrument.version,
        Calibration.is_reference.is_(True)))
    if row is not None:
        return row
    thresholds = {item.id: list(item.thresholds) for topic in instrument.scaled_topics
                  for item in instrument.scaled_items(topic)}
    row = Calibration(
        respondent_group=group, instrument_version=instrument.version, source="provisional",
        provisional=bool(instrument.provisional), is_reference=True, thresholds=thresholds,
        label=f"{group} {instrument.version} thresholds shipped with the instrument",
        transforms=_transforms(instrument, thresholds),
        statistics={"method": str(instrument.calibration.get("method", ""))})
    db.session.add(row)
    db.session.flush()
    return row


# --- scoring -------------------------------------------------------------------------------------

def score_measures(instrument: Instrument) -> list[str]:
    """The order of the measures in a stored person score: scaled topics, then the domains."""
    return list(instrument.scaled_topics) + list(DOMAINS) if instrument.scaled_topics else []


def _json_rows(values: np.ndarray, digits: int) -> list[list]:
    """(n, m) floats -> n lists with NaN as None, rounded for storage."""
    out = np.round(values, digits).astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _nan_to_none(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else round(float(x), 4)


def presence_codes(stored: np.ndarray) -> np.ndarray:
    """The SRO presence question as item codes, so that its cells are item cells (share of each
    answer): Yes -> 3, Not sure -> 1, No -> 0; no answer or "Prefer not to say" -> -1.
    stored : int (n,) option values (1 Yes, 2 No, 3 Not sure)."""
    return np.select([stored == 1, stored == 3, stored == 2], [3, 1, 0], -1).astype(np.int64)


def score_group(administration: Administration, agroup, calibration: Calibration) -> tuple[dict, ScoredGroup]:
    """Person scores of one respondent group and its scored respondents for the disclosure gate."""
    instrument, _ = pinned_instrument(agroup)
    group = agroup.respondent_group
    answers = load_answers(administration.id, group)
    n = len(answers.response_ids)
    subgroups = subgroup_vectors(instrument, {b.id: answers.column(b.id) for b in instrument.background})
    cells = []
    person = {}
    topics = list(instrument.scaled_topics)
    measures, scores = [], np.zeros((n, 0))
    if topics and n:
        topic_scale = np.full((n, len(topics)), np.nan)
        thetas, ses = np.full_like(topic_scale, np.nan), np.full_like(topic_scale, np.nan)
        for j, topic in enumerate(topics):
            ids = [i.id for i in instrument.scaled_items(topic)]
            codes = instrument.score_codes(ids, answers.columns(ids))
            estimate = estimate_theta(codes, np.array([calibration.thresholds[i] for i in ids]), item_names=ids)
            thetas[:, j], ses[:, j] = estimate.theta, estimate.se
            topic_scale[:, j] = ScaleTransform.from_dict(calibration.transforms[topic]).scale(estimate.theta)
        domains = domain_scores(topic_scale, topics, group)
        scores = np.hstack([topic_scale, domains])
        measures = topics + list(DOMAINS)
        kinds = ["topic"] * len(topics) + ["domain"] * len(DOMAINS)
        cells += score_cells(scores, measures, kinds, group, answers.school_ids, subgroups)
        theta_all = np.hstack([thetas, np.full((n, len(DOMAINS)), np.nan)])
        se_all = np.hstack([ses, np.full((n, len(DOMAINS)), np.nan)])
        person = dict(zip(answers.response_ids.tolist(), (
            {"scale": s, "theta": t, "se": e} for s, t, e in zip(
                _json_rows(scores, 2), _json_rows(theta_all, 4), _json_rows(se_all, 4)))))
    item_list = list(instrument.items) + list(instrument.sro_items)
    ids, item_codes = [], np.zeros((n, 0), dtype=np.int64)
    if n and item_list:
        ids = [i.id for i in item_list]
        item_codes = instrument.score_codes(ids, answers.columns(ids))
        # Items are reported per school and district; subgroups on scale scores (and the SRO module's items).
        cells += item_cells(item_codes, ids, group, answers.school_ids, None)
        if administration.sro_module and instrument.sro_items:
            # the SRO module's items also per subgroup (issue 14); the gate hides them as items
            sro = [ids.index(i.id) for i in instrument.sro_items]
            cells += [c for c in item_cells(item_codes[:, sro], [ids[j] for j in sro], group, answers.school_ids,
                                            subgroups) if c["subgroup"] is not None]
        for present in instrument.sro_background if administration.sro_module else ():
            cells += item_cells(presence_codes(answers.column(present.id))[:, None], [present.id], group,
                                answers.school_ids, None)
    return person, ScoredGroup(group, answers.response_ids, answers.school_ids, subgroups, measures,
                               topics if n else [], scores, ids, np.asarray(item_codes), cells)


def score_administration(administration: Administration, trigger: str = "manual", progress=None,
                         finish=None) -> ScoringRun:
    """Score every respondent group and store the results, through the disclosure gate, as a new
    revision of the administration. The revision is published (and becomes what reports show)
    only when the gate's audit passes; otherwise it is stored unpublished with the audit's message
    and the last published revision stays current.

    Everything is computed first and written at the end in one transaction, so a failure leaves
    the previous results in place and other connections can write meanwhile (SQLite has one
    writer at a time). progress(done, total, line), if given, is called as each respondent group
    is done; finish(run_id), if given, runs in the writing transaction just before its commit
    (a job marks itself done there) and may raise to discard the run."""
    min_n = current_app.config["SUPPRESSION_MIN"]
    groups = list(administration.groups)
    calibrations = {}
    for agroup in groups:
        instrument, _ = pinned_instrument(agroup)
        calibrations[agroup.respondent_group] = reference_calibration(agroup.respondent_group, instrument)
    db.session.commit()  # a first reference calibration is kept even if this run fails
    persons, scored = [], []
    for done, agroup in enumerate(groups, start=1):
        person, group_scored = score_group(administration, agroup, calibrations[agroup.respondent_group])
        persons.append(person)
        scored.append(group_scored)
        if progress:
            progress(done, len(groups), f"  {agroup.respondent_group.replace('_', ' ')}: {len(person):,} respondents "
                                        f"with scale scores, {len(group_scored.cells):,} reported cells")
    gated = disclosure.gate(scored, min_n, disclosure.published_runs(administration.id))
    if progress:
        progress(len(groups), len(groups), f"  disclosure: {gated.message}")
    run = ScoringRun(administration_id=administration.id, min_n=min_n, trigger=trigger,
                     calibrations={g: c.id for g, c in calibrations.items()})
    db.session.add(run)
    db.session.flush()
    for person in persons:
        if person:
            db.session.execute(insert(PersonScore), [
                {"scoring_run_id": run.id, "response_id": rid, "scores": s} for rid, s in person.items()])
    if gated.cells:
        db.session.execute(insert(GroupResult), [_cell_row(run.id, c) for c in gated.cells])
    disclosure.record(run, gated)
    if gated.published:
        db.session.execute(update(ScoringRun).where(ScoringRun.administration_id == administration.id)
                           .values(is_current=False))
    run.n_scored, run.is_current = sum(len(p) for p in persons), gated.published
    if finish:
        finish(run.id)
    db.session.commit()
    return run


def _cell_row(run_id: int, cell: dict) -> dict:
    row = {k: cell.get(k) for k in GroupResult.CELL_KEYS if k != "group"}
    row["respondent_group"] = cell["group"]
    row["scoring_run_id"] = run_id
    for key in ("mean", "se", "ci_low", "ci_high", "pct_favourable"):
        row[key] = _nan_to_none(row[key])
    for key in ("pct_levels", "pct"):
        if row[key] is not None:
            row[key] = [round(float(x), 3) for x in row[key]]
    if row["counts"] is not None:
        row["counts"] = [int(x) for x in row["counts"]]
    if row["n"] is not None:
        row["n"] = int(row["n"])
    return row


# --- closing ---------------------------------------------------------------------------------------

def process_closed(now: dt.datetime | None = None, trigger: str = "close") -> list[int]:
    """Queue the scoring of every administration whose window has closed and that has not been
    queued yet, then run the due jobs in this process. Returns the administrations scored."""
    from .jobs import enqueue_closed, run_due

    enqueue_closed(now, trigger)
    return [job.administration_id for job in run_due() if job.state == "done"]
