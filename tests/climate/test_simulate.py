"""climate.simulate and `climate simulate`: simulated respondents stored in an administration."""
import datetime as dt

import numpy as np
import pytest
from sqlalchemy import func, select

from climate import simulate as simulate_mod
from climate.administer.service import create_administration, pinned_instrument
from climate.extensions import db
from climate.models import AccessCode, Administration, Answer, OpenLink, Response
from climate.simulate import allocate, school_effects, simulate_administration
from surveys.domain import TOPICS


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def closed(world):
    admin = create_administration(world.d1, "Spring 2025", dt.datetime(2025, 3, 3, 7), dt.datetime(2025, 3, 28, 17),
                                  [world.school_a, world.school_b], ["student", "instructional_staff", "parent"],
                                  sro_module=True,
                                  custom_items={"student": [{"text": {"en": "Bus?", "es": "¿Autobús?"},
                                                             "options": [{"en": "Yes", "es": "Sí"},
                                                                         {"en": "No", "es": "No"}]}]})
    db.session.commit()
    return admin


def _favourable_means(admin, school_id, group="student"):
    """Mean favourable code (0..3) over the scaled items of each respondent of a school, from the database."""
    instrument, _ = pinned_instrument(admin.group(group))
    ids = [it.id for it in instrument.items if it.scaled]
    rows = db.session.execute(select(Answer.response_id, Answer.item_id, Answer.value).join(Response).where(
        Response.administration_id == admin.id, Response.school_id == school_id,
        Response.respondent_group == group, Response.status == "submitted", Answer.item_id.in_(ids))).all()
    rid = {r: i for i, r in enumerate(sorted({r for r, _, _ in rows}))}
    raw = np.zeros((len(rid), len(ids)), dtype=np.int64)
    col = {i: j for j, i in enumerate(ids)}
    for r, i, v in rows:
        raw[rid[r], col[i]] = v
    codes = instrument.score_codes(ids, raw).astype(float)
    codes[codes < 0] = np.nan
    return codes


def test_simulate_stores_n_plausible_responses(closed, world):
    counts = {(world.school_a.id, "student"): 300, (world.school_b.id, "parent"): 100}
    result = simulate_administration(closed, counts, seed=1)
    assert result["respondents"] == 400
    assert count(Response, Response.administration_id == closed.id) == 400
    assert count(Response, Response.simulated.is_(False)) == 0
    submitted = count(Response, Response.status == "submitted")
    in_progress = count(Response, Response.status == "in_progress")
    assert submitted + in_progress == 400 and 0 < in_progress < 40
    assert count(AccessCode, AccessCode.status == "opted_out") == result["opted_out"] > 0
    assert count(Answer) == result["answers"]
    # dates within the window, date only
    days = db.session.execute(select(func.min(Response.submitted_on), func.max(Response.submitted_on))).one()
    assert dt.date(2025, 3, 3) <= days[0] <= days[1] <= dt.date(2025, 3, 28)
    # answers: valid values per item, about 3% of core answers missing, the custom item and the SRO module answered
    instrument, custom = pinned_instrument(closed.group("student"))
    values = dict(db.session.execute(select(Answer.item_id, func.max(Answer.value)).join(Response).where(
        Response.respondent_group == "student").group_by(Answer.item_id)).all())
    assert all(values[it.id] <= 4 for it in instrument.items)
    assert "C01" in values and "S_SRO_KNOW" in values and "S_GRADE" in values
    grades = set(db.session.scalars(select(Answer.value).where(Answer.item_id == "S_GRADE")))
    assert grades <= {6, 7, 8, 13, 99}  # School A serves grades 6-8
    n_core = db.session.scalar(select(func.count()).select_from(Answer).join(Response).where(
        Response.status == "submitted", Response.respondent_group == "student",
        Answer.item_id.in_([it.id for it in instrument.items])))
    n_submitted = count(Response, Response.status == "submitted", Response.respondent_group == "student")
    missing = 1 - n_core / (n_submitted * len(instrument.items))
    assert 0.015 < missing < 0.05
    # the codes' statuses match their responses
    assert count(AccessCode, AccessCode.status == "submitted") == submitted


def test_schools_differ_in_the_direction_of_their_offsets(closed, world):
    seed = 11
    effect = {s.id: school_effects(seed, s.id) for s in (world.school_a, world.school_b)}
    overall = {sid: mean + np.mean(list(topics.values())) for sid, (mean, topics) in effect.items()}
    a, b = world.school_a.id, world.school_b.id
    assert abs(overall[a] - overall[b]) > 0.2, "pick a seed whose schools differ clearly"
    simulate_administration(closed, {(a, "student"): 800, (b, "student"): 800}, seed=seed)
    mean_a = np.nanmean(_favourable_means(closed, a))
    mean_b = np.nanmean(_favourable_means(closed, b))
    assert np.sign(mean_a - mean_b) == np.sign(overall[a] - overall[b])
    # each school's weakest topic (by its offsets) scores below its strongest
    instrument, _ = pinned_instrument(closed.group("student"))
    scaled = [it for it in instrument.items if it.scaled]
    codes = _favourable_means(closed, a)
    topic_mean = {t: np.nanmean(codes[:, [i for i, it in enumerate(scaled) if it.topic == t]])
                  for t in {it.topic for it in scaled}}
    offsets = effect[a][1]
    weakest = min(topic_mean, key=lambda t: offsets[t])
    strongest = max(topic_mean, key=lambda t: offsets[t])
    assert topic_mean[weakest] < topic_mean[strongest]


def test_school_effects_are_fixed_by_seed_and_school_and_change_by_year():
    assert school_effects(3, 7) == school_effects(3, 7)
    assert school_effects(3, 7) != school_effects(3, 8)
    mean, base = school_effects(3, 7)
    mean2, later = school_effects(3, 7, change_seed=2026)
    assert mean2 == mean and set(later) == set(TOPICS)
    changes = np.array([later[t] - base[t] for t in TOPICS])
    assert changes.max() > 0.3 and changes.min() < -0.3  # some topics improve, some decline
    assert min(base.values()) < -0.9  # one clearly weak topic per school


def test_same_seed_same_answers(closed, world):
    counts = {(world.school_a.id, "instructional_staff"): 40}

    def snapshot():
        rows = db.session.execute(select(Response.id, Answer.item_id, Answer.value).join(Answer)
                                  .order_by(Response.id, Answer.item_id)).all()
        first = min(r[0] for r in rows)
        return [(r[0] - first, r[1], r[2]) for r in rows]
    simulate_administration(closed, counts, seed=5)
    one = snapshot()
    simulate_administration(closed, counts, seed=5, replace=True)
    assert snapshot() == one
    simulate_administration(closed, counts, seed=6, replace=True)
    assert snapshot() != one


def test_replace_removes_only_simulated_responses(closed, world, issue):
    real_code = issue(closed, world.school_a)[0]
    code = db.session.scalar(select(AccessCode).where(AccessCode.code == real_code))
    db.session.add(Response(access_code_id=code.id, administration_id=closed.id, school_id=world.school_a.id,
                            respondent_group="student", status="submitted", started_on=dt.date(2025, 3, 4)))
    db.session.commit()
    counts = {(world.school_a.id, "student"): 50}
    simulate_administration(closed, counts, seed=1)
    simulate_administration(closed, counts, seed=2)
    assert count(Response, Response.simulated.is_(True)) == 100
    result = simulate_administration(closed, counts, seed=3, replace=True)
    assert result["deleted"] == 100
    assert count(Response, Response.simulated.is_(True)) == 50
    assert count(Response, Response.simulated.is_(False)) == 1
    assert count(AccessCode) == 1 + 50 + result["opted_out"]


def test_allocate_splits_by_weight():
    assert allocate(10, {"a": 1, "b": 1}) == {"a": 5, "b": 5}
    assert sum(allocate(1001, {"a": 3, "b": 7, "c": 0}).values()) == 1001
    assert allocate(9, {"a": 0, "b": 0, "c": 0}) == {"a": 3, "b": 3, "c": 3}


def test_cli_simulate_adds_and_replaces(runner, closed, world, monkeypatch):
    monkeypatch.setattr(simulate_mod, "CHUNK", 100)
    result = runner.invoke(args=["simulate", "Spring 2025", "--respondents", "400", "--seed", "4",
                                 "--school", "School A"])
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("simulated ")]
    assert 3 <= len(progress) <= 5 and progress[-1] == "simulated 400/400 respondents"
    assert "Added 400 simulated respondents" in result.output
    assert "running simulate again adds more" in result.output
    assert count(Response, Response.school_id == world.school_b.id) == 0
    # split by enrollment: students 200, instructional staff 30, parents 150 at School A
    by_group = dict(db.session.execute(select(Response.respondent_group, func.count()).group_by(
        Response.respondent_group)).all())
    assert by_group == {"student": 210, "instructional_staff": 32, "parent": 158}
    again = runner.invoke(args=["simulate", str(closed.id), "--respondents", "100", "--seed", "4"])
    assert "now has 500 simulated responses" in again.output
    replaced = runner.invoke(args=["simulate", str(closed.id), "--respondents", "100", "--seed", "4", "--replace"])
    assert "Deleted 500 earlier simulated responses" in replaced.output
    assert count(Response) == 100


def test_cli_simulate_refuses_a_school_outside_the_administration(runner, closed):
    result = runner.invoke(args=["simulate", "Spring 2025", "--respondents", "10", "--school", "School C"])
    assert result.exit_code != 0 and "has no school named 'School C'" in result.output


def test_demo_administrations_are_seeded_once(demo_app, _demo_snapshot):
    from climate.commands.demo_data import seed_administrations

    lines = _demo_snapshot.lines
    names = set(db.session.scalars(select(Administration.name)))
    assert names == {"Spring 2025", "Spring 2026", "Fall 2026 (open now)"}
    spring = db.session.scalar(select(Administration).where(Administration.name == "Spring 2025"))
    assert spring.state() == "closed" and spring.sro_module and len(spring.schools) == 6 and len(spring.groups) == 4
    n = count(Response)
    assert n > 4000 and count(Response, Response.simulated.is_(False)) == 0
    try_line = next(line for line in lines if line.startswith("Try the survey: http://127.0.0.1:5000/s/"))
    code = try_line.rsplit("/", 1)[1]
    assert db.session.scalar(select(AccessCode.status).where(AccessCode.code == code)) == "issued"
    fall = db.session.scalar(select(Administration).where(Administration.name == "Fall 2026 (open now)"))
    assert fall.state() == "open"
    assert count(AccessCode, AccessCode.administration_id == fall.id) == 30
    assert count(OpenLink, OpenLink.administration_id == fall.id, OpenLink.respondent_group == "parent") == 1

    again = seed_administrations()
    assert count(Response) == n and count(Administration) == 3 and count(OpenLink) == 1
    assert try_line in again
