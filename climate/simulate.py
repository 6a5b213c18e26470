"""Fill an administration with simulated respondents (demo data, load and report testing).

The answers come from surveys.simulate (Rasch partial credit model on the pinned instruments'
thresholds). Schools differ on purpose: each school gets its own mean theta offset and
topic-specific offsets, derived from a seed and the school id, so the same seed gives the same
school profile in every administration. Every simulated response is marked ``simulated=True``.
Rows are written with bulk executemany inserts in chunks.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from sqlalchemy import delete, func, insert, select

from surveys.domain import TOPICS
from surveys.simulate import simulate_instrument

from .administer.service import pinned_instrument, to_local
from .codes import IN_LIST_CHUNK, unique_codes
from .extensions import db
from .models import AccessCode, Administration, Answer, Response, School

CHUNK = 5000             # respondents per insert round
OPTED_OUT_SHARE = 0.02   # extra codes that opted out (no response), relative to the respondents
IN_PROGRESS_SHARE = 0.04  # responses left in progress (first part answered)
ANSWER_CHUNK = 50000


class SimulationError(ValueError):
    """The simulation cannot run as asked; the message says why."""


def school_effects(seed: int, school_id: int, change_seed: int | None = None) -> tuple[float, dict[str, float]]:
    """A school's mean theta offset and per-topic offsets (logits), fixed by (seed, school id).

    Offsets: mean ~ N(0, 0.5); topics ~ N(0, 0.35) plus one clearly weak topic (-1.4) per school,
    so some topics are Least Favorable somewhere. change_seed adds a per-topic change ~ N(0, 0.3)
    with one topic improving (+0.6) and one declining (-0.6): a later year of the same schools."""
    rng = np.random.default_rng([int(seed), int(school_id)])
    mean = float(rng.normal(0.0, 0.5))
    offsets = rng.normal(0.0, 0.35, len(TOPICS))
    offsets[rng.integers(len(TOPICS))] -= 1.4
    if change_seed is not None:
        crng = np.random.default_rng([int(change_seed), int(school_id)])
        offsets += crng.normal(0.0, 0.3, len(TOPICS))
        up, down = crng.choice(len(TOPICS), size=2, replace=False)
        offsets[up] += 0.6
        offsets[down] -= 0.6
    return mean, dict(zip(TOPICS, offsets.tolist()))


def allocate(total: int, weights: Mapping) -> dict:
    """Split total over the keys in proportion to weights (largest remainder); equal when all are 0."""
    keys = list(weights)
    w = np.array([max(float(weights[k]), 0.0) for k in keys])
    if w.sum() == 0:
        w = np.ones(len(keys))
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts))[: total - counts.sum()]:
        counts[i] += 1
    return {k: int(c) for k, c in zip(keys, counts)}


def cells_for(administration: Administration, schools: Iterable[School] | None = None) -> list[tuple[School, str]]:
    chosen = list(schools) if schools else list(administration.schools)
    ids = {s.id for s in administration.schools}
    outside = [s.name for s in chosen if s.id not in ids]
    if outside:
        raise SimulationError(f"{', '.join(outside)} is not part of {administration.name!r}.")
    return [(s, g.respondent_group) for s in chosen for g in administration.groups]


def delete_simulated(administration: Administration) -> int:
    """Remove the administration's simulated responses and their access codes; returns how many."""
    ids = select(Response.access_code_id).where(Response.administration_id == administration.id,
                                                Response.simulated.is_(True))
    n = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    code_ids = list(db.session.scalars(ids))
    resp_ids = select(Response.id).where(Response.administration_id == administration.id,
                                         Response.simulated.is_(True))
    db.session.execute(delete(Answer).where(Answer.response_id.in_(resp_ids)), execution_options={"synchronize_session": False})
    db.session.execute(delete(Response).where(Response.id.in_(resp_ids)), execution_options={"synchronize_session": False})
    for start in range(0, len(code_ids), IN_LIST_CHUNK):
        db.session.execute(delete(AccessCode).where(AccessCode.id.in_(code_ids[start:start + IN_LIST_CHUNK])),
                           execution_options={"synchronize_session": False})
    # opted-out simulated codes carry no response; they are marked by their source
    db.session.execute(delete(AccessCode).where(AccessCode.administration_id == administration.id,
                                                AccessCode.source == "simulated"),
                       execution_options={"synchronize_session": False})
    return n


def simulate_administration(administration: Administration, counts: Mapping[tuple[int, str], int], seed: int,
                            *, effects_seed: int | None = None, change_seed: int | None = None,
                            replace: bool = False, missing: float = 0.03,
                            progress: Callable[[str], None] | None = None) -> dict:
    """Add simulated respondents: counts maps (school id, respondent group) -> number of responses.

    Each cell also gets about 2% extra opted-out codes; about 4% of responses stay in progress.
    Commits. Returns {"respondents", "answers", "opted_out", "deleted"}."""
    effects_seed = seed if effects_seed is None else effects_seed
    schools = {s.id: s for s in administration.schools}
    deleted = delete_simulated(administration) if replace else 0
    rng = np.random.default_rng([int(seed), administration.id])
    total = sum(counts.values())
    tz = administration.district.timezone
    first_day = to_local(administration.opens_at, tz).date()
    last_day = min(to_local(administration.closes_at - dt.timedelta(seconds=1), tz).date(), dt.date.today())
    n_days = max((last_day - first_day).days + 1, 1)
    done = answers = opted = 0
    next_report = CHUNK
    for (school_id, group), n in counts.items():
        if n <= 0:
            continue
        school = schools[school_id]
        agroup = administration.group(group)
        instrument, custom = pinned_instrument(agroup)
        mean, topic_shift = school_effects(effects_seed, school_id, change_seed)
        grades = range(school.grade_low, school.grade_high + 1)
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            sim = simulate_instrument(instrument, m, rng, school_shift=mean, topic_shift=topic_shift,
                                      sro=administration.sro_module, custom=custom, grades=grades, missing=missing)
            n_opted = int(rng.binomial(m, OPTED_OUT_SHARE))
            in_progress = rng.random(m) < IN_PROGRESS_SHARE
            days = rng.integers(0, n_days, m)
            answers += _insert_cell(administration, school_id, group, sim, in_progress, days, first_day, n_opted, rng)
            done += m
            opted += n_opted
            if progress and total >= 2 * CHUNK and (done >= next_report or done == total):
                progress(f"simulated {done:,}/{total:,} respondents")
                next_report = (done // CHUNK + 1) * CHUNK
    db.session.commit()
    return {"respondents": done, "answers": answers, "opted_out": opted, "deleted": deleted}


def _insert_cell(administration, school_id, group, sim, in_progress, days, first_day, n_opted, rng) -> int:
    m = sim.raw.shape[0]
    today = dt.date.today()
    codes = unique_codes(m + n_opted)
    code_rows = [{"code": c, "administration_id": administration.id, "school_id": school_id,
                  "respondent_group": group, "source": "issued", "status": "submitted", "issued_on": first_day}
                 for c in codes[:m]]
    for row, busy in zip(code_rows, in_progress.tolist()):
        if busy:
            row["status"] = "started"
    code_rows += [{"code": c, "administration_id": administration.id, "school_id": school_id,
                   "respondent_group": group, "source": "simulated", "status": "opted_out", "issued_on": first_day}
                  for c in codes[m:]]
    db.session.execute(insert(AccessCode), code_rows)
    code_id = dict(db.session.execute(select(AccessCode.code, AccessCode.id).where(
        AccessCode.administration_id == administration.id, AccessCode.school_id == school_id,
        AccessCode.respondent_group == group, AccessCode.issued_on == first_day,
        AccessCode.status.in_(("submitted", "started")))).all())
    dates = [min(first_day + dt.timedelta(days=int(d)), today) for d in days.tolist()]
    spanish = (rng.random(m) < (0.15 if group in ("student", "parent") else 0.03)).tolist()
    response_rows = [{"access_code_id": code_id[c], "administration_id": administration.id, "school_id": school_id,
                      "respondent_group": group, "language": "es" if es else "en",
                      "status": "in_progress" if busy else "submitted", "started_on": day,
                      "submitted_on": None if busy else day, "simulated": True}
                     for c, busy, day, es in zip(codes[:m], in_progress.tolist(), dates, spanish)]
    db.session.execute(insert(Response), response_rows)
    by_code = dict(db.session.execute(select(Response.access_code_id, Response.id).where(
        Response.access_code_id.in_(select(AccessCode.id).where(
            AccessCode.administration_id == administration.id, AccessCode.school_id == school_id,
            AccessCode.respondent_group == group, AccessCode.issued_on == first_day)))).all())
    response_ids = np.array([by_code[code_id[c]] for c in codes[:m]], dtype=np.int64)

    raw = sim.raw.copy()
    # in-progress respondents stopped part way: nothing after a random column
    stop = rng.integers(1, raw.shape[1], m)
    cols = np.arange(raw.shape[1])[None, :]
    raw[in_progress[:, None] & (cols >= stop[:, None])] = 0
    rows_idx, cols_idx = np.nonzero(raw)
    values = raw[rows_idx, cols_idx].tolist()
    rid = response_ids[rows_idx].tolist()
    item_ids = sim.item_ids
    iid = [item_ids[c] for c in cols_idx.tolist()]
    for start in range(0, len(values), ANSWER_CHUNK):
        end = start + ANSWER_CHUNK
        db.session.execute(insert(Answer.__table__), [{"response_id": r, "item_id": i, "value": v}
                                            for r, i, v in zip(rid[start:end], iid[start:end], values[start:end])])
    return len(values)
