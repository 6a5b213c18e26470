"""Scoring an administration from stored answers into stored person scores and group results."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from climate.extensions import db
from climate.models import Calibration, GroupResult, PersonScore, Response, ScoringRun
from climate.results import current_run
from climate.scoring import process_closed, score_administration
from climate.simulate import school_effects, simulate_administration


@pytest.fixture
def filled(administration, world):
    """The fixture administration with 150 simulated students and 20 staff per school, and 12
    parents at school A only (so its parent cells sit near the suppression line)."""
    counts = {(world.school_a.id, "student"): 150, (world.school_b.id, "student"): 150,
              (world.school_a.id, "instructional_staff"): 20, (world.school_b.id, "instructional_staff"): 20,
              (world.school_a.id, "parent"): 12}
    administration.seed = next(s for s in range(100) if abs(
        school_effects(s, world.school_a.id)[0] - school_effects(s, world.school_b.id)[0]) > 0.5)
    simulate_administration(administration, counts, seed=administration.seed)
    return administration


def cells(run, **where):
    query = select(GroupResult).where(GroupResult.scoring_run_id == run.id)
    for key, value in where.items():
        query = query.where(getattr(GroupResult, key) == value if value is not None else getattr(GroupResult, key).is_(None))
    return db.session.scalars(query).all()


def test_scoring_stores_person_scores_for_submitted_responses(filled):
    run = score_administration(filled)
    submitted = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.administration_id == filled.id, Response.status == "submitted",
        Response.respondent_group != "parent"))  # parents get item results, no scale scores
    assert run.n_scored == submitted == db.session.scalar(
        select(func.count()).select_from(PersonScore).where(PersonScore.scoring_run_id == run.id))
    score = db.session.scalars(select(PersonScore).where(PersonScore.scoring_run_id == run.id)).first()
    assert len(score.scores["scale"]) in (11 + 3, 12 + 3)
    assert run.is_current and current_run(filled.id).id == run.id


def test_group_results_cover_schools_district_and_subgroups(filled, world):
    run = score_administration(filled)
    school = cells(run, school_id=world.school_a.id, respondent_group="student", measure_kind="topic",
                   measure="relationships", subgroup=None)
    district = cells(run, school_id=None, respondent_group="student", measure_kind="domain",
                     measure="safety", subgroup=None)
    assert len(school) == 1 and 100 < school[0].mean < 500 and school[0].n >= 100
    assert len(district) == 1 and district[0].n > school[0].n
    assert school[0].ci_low < school[0].mean < school[0].ci_high
    assert abs(sum(school[0].pct_levels) - 100) < 0.5 or abs(sum(school[0].pct_levels) - 1) < 0.01
    by_sex = cells(run, school_id=world.school_a.id, respondent_group="student", measure="relationships",
                   subgroup="sex")
    assert {c.subgroup_value for c in by_sex} >= {"1", "2"}
    items = cells(run, school_id=world.school_a.id, respondent_group="student", measure_kind="item")
    assert items and all(c.suppressed or (c.counts is not None and len(c.counts) == 4) for c in items)


def test_schools_differ_in_the_direction_of_their_simulated_offsets(filled, world):
    run = score_administration(filled)
    mean_a, _ = school_effects(filled.seed, world.school_a.id)
    mean_b, _ = school_effects(filled.seed, world.school_b.id)
    got = {c.school_id: c.mean for c in cells(run, respondent_group="student", measure_kind="domain",
                                               measure="engagement", subgroup=None) if c.school_id}
    assert (got[world.school_a.id] > got[world.school_b.id]) == (mean_a > mean_b)


def test_parents_get_item_results_only(filled, world):
    run = score_administration(filled)
    parent = cells(run, respondent_group="parent")
    assert parent and {c.measure_kind for c in parent} == {"item"}


def test_small_groups_are_suppressed_and_cannot_be_recovered(filled, world):
    run = score_administration(filled)
    # 20 staff per school minus some in progress: subgroups by role are small and hidden
    staff = cells(run, respondent_group="instructional_staff", measure="relationships", subgroup="role",
                  school_id=world.school_a.id)
    hidden = [c for c in staff if c.suppressed]
    assert hidden, "role subgroups of ~20 staff must include suppressed cells"
    assert all(c.n is None and c.mean is None for c in hidden)
    assert len(hidden) != 1  # one hidden sibling could be recovered from the total


def test_rescoring_keeps_history_and_switches_the_current_run(filled):
    first = score_administration(filled)
    second = score_administration(filled)
    db.session.refresh(first)
    assert not first.is_current and second.is_current
    assert len(cells(first)) == len(cells(second))


def test_a_failed_scoring_leaves_the_previous_results(filled, monkeypatch):
    first = score_administration(filled)
    import climate.scoring as scoring

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(scoring, "item_cells", broken)
    with pytest.raises(RuntimeError):
        score_administration(filled)
    db.session.rollback()
    assert current_run(filled.id).id == first.id
    assert db.session.scalar(select(func.count()).select_from(ScoringRun)) == 1


def test_first_scoring_uses_the_provisional_reference_calibration(filled):
    run = score_administration(filled)
    calibration = db.session.get(Calibration, run.calibrations["student"])
    assert calibration.is_reference and calibration.provisional and calibration.source == "provisional"


def test_closing_an_administration_scores_it(filled):
    filled.closes_at = dt.datetime(2000, 1, 2)
    filled.opens_at = dt.datetime(2000, 1, 1)
    db.session.commit()
    assert process_closed() == [filled.id]
    assert current_run(filled.id).trigger == "close"
    assert process_closed() == []  # claimed once only
    left = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.administration_id == filled.id, Response.status == "in_progress"))
    assert left == 0  # in-progress responses were closed out as incomplete


def test_score_and_calibration_commands(filled, runner):
    result = runner.invoke(args=["score", str(filled.id)])
    assert result.exit_code == 0, result.output
    assert "Scored" in result.output and "respondents" in result.output
    assert "student:" in result.output and "reported cells" in result.output  # progress per group
    result = runner.invoke(args=["score", "no such administration"])
    assert result.exit_code != 0 and "There is no administration" in result.output
    result = runner.invoke(args=["calibrate", filled.name])
    assert result.exit_code == 0, result.output
    assert "Skipped instructional staff" in result.output  # 40 staff are too few to calibrate
    assert "Calibration" in result.output and "student" in result.output
    result = runner.invoke(args=["calibrations"])
    assert "reference" in result.output and "provisional" in result.output
    result = runner.invoke(args=["set-reference", "999"])
    assert result.exit_code != 0 and "There is no calibration 999" in result.output


def test_codebook_command(runner):
    result = runner.invoke(args=["codebook", "--group", "student", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("variable,") and any(line.startswith("S_REL_01,") for line in lines)
    assert any(line.startswith("S_RACE_1,") for line in lines)
