"""Calibrations for the research office: `climate calibrate` with the reference and empty
categories, the calibrations pages, their actions (reference, re-score) and the thresholds CSV."""
import csv
import io

import numpy as np
import pytest
from sqlalchemy import select, update

from climate.administer.service import pinned_instrument
from climate.extensions import db
from climate.models import Answer, Calibration, Response, ScoringRun
from climate.research.calibrations import THRESHOLD_COLUMNS, calibrate_administration
from climate.jobs import run_due
from climate.results import current_run
from climate.scoring import score_administration
from climate.simulate import simulate_administration


@pytest.fixture
def students(administration, world, scored_run):
    """The fixture administration with 130 simulated students per school (about 15% on the
    Spanish form) and 20 staff per school (too few to calibrate), scored once."""
    scored_run("test_research.students", {(world.school_a.id, "student"): 130, (world.school_b.id, "student"): 130,
                                          (world.school_a.id, "instructional_staff"): 20}, seed=11)
    return administration


def empty_category(administration, item_id, value):
    """Nobody chose answer `value` of an item any more: those answers move to the next value."""
    responses = select(Response.id).where(Response.administration_id == administration.id)
    db.session.execute(update(Answer).where(Answer.item_id == item_id, Answer.value == value,
                                            Answer.response_id.in_(responses)).values(value=value + 1))
    db.session.commit()


def student_topic(administration):
    instrument, _ = pinned_instrument(administration.group("student"))
    topic = instrument.scaled_topics[0]
    return instrument, topic, [i.id for i in instrument.scaled_items(topic)]


def test_calibration_from_an_administration_stays_on_the_reference_scale(students):
    made = calibrate_administration(students)
    student = next(c for c in made if c.respondent_group == "student")
    reference = db.session.get(Calibration, student.anchored_to_id)
    diffs = np.array([np.subtract(student.thresholds[i], reference.thresholds[i]) for i in student.thresholds])
    # answers were simulated from the reference thresholds: the linked estimates sit close to them
    assert abs(diffs.mean()) < 0.1 and np.sqrt((diffs ** 2).mean()) < 0.8
    assert not student.is_reference and not student.provisional
    stats = student.statistics["topics"]["relationships"]
    assert {"reliability", "reliability_with_extremes", "alpha", "link_shift", "common_items", "notes"} <= set(stats)
    item = next(iter(stats["items"].values()))
    assert {"infit", "outfit", "infit_zstd", "outfit_zstd", "se", "counts"} <= set(item) and len(item["counts"]) == 4
    assert student.statistics["dif"]["min_group"] == 10  # DIF stored with the calibration


def test_calibrate_command_holds_an_item_with_an_empty_category_at_the_reference(students, runner):
    instrument, topic, ids = student_topic(students)
    item = instrument.item(ids[0])
    empty_category(students, item.id, 1)  # stored value 1 is the least or most favourable answer
    result = runner.invoke(args=["calibrate", str(students.id)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"{topic}: {item.id}: category" in result.output and "held at the reference thresholds" in result.output
    assert "Skipped instructional staff: only 1" in result.output  # 20 staff, some still in progress
    row = db.session.scalars(select(Calibration).where(Calibration.source == "administration")).one()
    stats = row.statistics["topics"][topic]
    reference = db.session.get(Calibration, row.anchored_to_id)
    assert [n["item"] for n in stats["notes"]] == [item.id] and stats["notes"][0]["rule"] == "reference"
    assert row.thresholds[item.id] == pytest.approx(reference.thresholds[item.id])
    assert stats["link"] == "anchored" and stats["common_items"] == [item.id] and stats["link_shift"] == 0
    assert 0 in stats["items"][item.id]["counts"]
    assert stats["items"][item.id]["se"] == [0.0, 0.0, 0.0]
    other = next(t for t in row.statistics["topics"] if t != topic)
    assert row.statistics["topics"][other]["link"] == "mean-mean"


def test_calibrate_command_with_too_few_responses_says_so(administration, world, runner):
    simulate_administration(administration, {(world.school_a.id, "student"): 30}, seed=2)
    result = runner.invoke(args=["calibrate", str(administration.id)])
    assert result.exit_code != 0 and "a calibration needs at least 100" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def calibrated(students):
    made = calibrate_administration(students)
    db.session.commit()
    return next(c for c in made if c.respondent_group == "student")


def test_calibrations_list_and_page(client, auth, world, students, calibrated):
    auth.sign_in("staff1@d1.example")
    body = client.get("/research/").get_data(as_text=True)
    assert "Calibrations for students" in body and calibrated.label in body
    assert "Reference" in body and "Spring survey (run" in body  # the provisional one scored it
    body = client.get(f"/research/calibrations/{calibrated.id}").get_data(as_text=True)
    assert "Person reliability" in body and "Cronbach" in body and "mean-mean linking" in body
    assert "Infit (ZSTD)" in body and "above 1.3 with ZSTD above 2" in body
    assert "DIF by language of the form, sex and grade band" in body
    assert "Spanish form vs English form" in body
    assert "Make this the reference" in body
    assert "make this one the reference to re-score" in body  # not the reference yet


def test_another_district_and_principals_cannot_see_a_calibration(client, auth, calibrated):
    url = f"/research/calibrations/{calibrated.id}"
    auth.sign_in("staff2@d2.example")
    assert client.get(url).status_code == 404
    assert calibrated.label not in client.get("/research/").get_data(as_text=True)
    assert client.post(url + "/reference").status_code == 404
    auth.sign_out()
    auth.sign_in("principal.a@d1.example")
    assert client.get(url).status_code == 403


def test_dif_hides_groups_below_the_disclosure_minimum(client, auth, students, calibrated):
    rows = [d for t in calibrated.statistics["dif"]["topics"].values() for d in t]
    assert rows and all(d["n_reference"] is None and d["delta"] is None for d in rows if d["suppressed"])
    shown = [d for d in rows if not d["suppressed"]]
    assert shown and all(min(d["n_reference"], d["n_focal"]) >= 10 and d["ets_class"] in "ABC" for d in shown)


def test_dif_of_an_older_calibration_is_computed_once_with_a_note(client, auth, calibrated):
    calibrated.statistics = {k: v for k, v in calibrated.statistics.items() if k != "dif"}
    db.session.commit()
    cid = calibrated.id
    auth.sign_in("staff1@d1.example")
    body = client.get(f"/research/calibrations/{cid}").get_data(as_text=True)
    assert "made before DIF was stored" in body
    stored = db.session.get(Calibration, cid).statistics
    assert stored["dif"]["topics"] and stored["dif_added_later"]
    body = client.get(f"/research/calibrations/{cid}").get_data(as_text=True)
    assert "made before DIF was stored" not in body and "DIF was added to this calibration" in body


def test_make_reference_and_rescore_from_the_page(client, auth, students, calibrated):
    cid, admin_id = calibrated.id, students.id
    old_run = current_run(admin_id).id
    auth.sign_in("staff1@d1.example")
    assert client.post(f"/research/calibrations/{cid}/rescore", data={"administration_id": admin_id}).status_code == 302
    assert current_run(admin_id).id == old_run  # not the reference: nothing re-scored
    response = client.post(f"/research/calibrations/{cid}/reference", follow_redirects=True)
    assert "is now the reference for student" in response.get_data(as_text=True)
    assert db.session.get(Calibration, cid).is_reference
    response = client.post(f"/research/calibrations/{cid}/rescore", data={"administration_id": admin_id},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Re-scoring Spring survey with calibration" in body and "is queued" in body
    assert current_run(admin_id).id == old_run  # the web request only queues; a worker scores
    run_due()
    run = current_run(admin_id)
    assert run.id != old_run and run.calibrations["student"] == cid
    body = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    assert "the reports show these results" in body
    assert client.post(f"/research/calibrations/{cid}/rescore", data={"administration_id": 99999}).status_code == 404
    assert db.session.scalar(select(ScoringRun.id).order_by(ScoringRun.id.desc()).limit(1)) == run.id


def test_thresholds_csv(client, auth, students, calibrated):
    instrument, topic, ids = student_topic(students)
    auth.sign_in("staff1@d1.example")
    response = client.get(f"/research/calibrations/{calibrated.id}/thresholds.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == THRESHOLD_COLUMNS
    items = [r for r in rows if r["row"] == "item"]
    assert len(items) == len(calibrated.thresholds)
    first = next(r for r in items if r["item"] == ids[0])
    assert first["topic"] == topic and float(first["threshold_1"]) == calibrated.thresholds[ids[0]][0]
    assert first["reverse"] == str(int(instrument.item(ids[0]).favourable_first))
    transform = next(r for r in rows if r["row"] == "transform" and r["topic"] == topic)
    assert float(transform["slope"]) == calibrated.transforms[topic]["slope"]
    assert (transform["trim_low"], transform["trim_high"]) == ("0.0", "600.0")


def test_empty_state_and_provisional_page(client, auth, world, administration):
    auth.sign_in("staff1@d1.example")
    assert "There are no calibrations yet" in client.get("/research/").get_data(as_text=True)
    simulate_administration(administration, {(world.school_a.id, "student"): 20}, seed=1)
    score_administration(administration)
    provisional = db.session.scalars(select(Calibration).where(Calibration.respondent_group == "student")).one()
    body = client.get(f"/research/calibrations/{provisional.id}").get_data(as_text=True)
    assert "shipped with the questionnaire" in body and "no fit, reliability or DIF statistics" in body
    assert "Re-score Spring survey with this calibration" in body


def test_actions_need_the_csrf_token(csrf_app, world, administration):
    import re

    from tests.conftest import PASSWORD

    simulate_administration(administration, {(world.school_a.id, "student"): 20}, seed=1)
    score_administration(administration)
    reference = db.session.scalars(select(Calibration).where(Calibration.respondent_group == "student")).one()
    other = Calibration(respondent_group="student", instrument_version=reference.instrument_version, label="Copy",
                        source="administration", provisional=False, administration_id=administration.id,
                        thresholds=reference.thresholds, transforms=reference.transforms, statistics={})
    db.session.add(other)
    db.session.commit()
    cid, run_id = other.id, current_run(administration.id).id
    client = csrf_app.test_client()

    def token(url):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    client.post("/auth/sign-in", data={"email": "staff1@d1.example", "password": PASSWORD,
                                       "csrf_token": token("/auth/sign-in")})
    page = f"/research/calibrations/{cid}"
    assert client.post(page + "/reference").status_code == 400
    assert client.post(f"/research/calibrations/{reference.id}/rescore",
                       data={"administration_id": administration.id}).status_code == 400
    db.session.expire_all()
    assert not db.session.get(Calibration, cid).is_reference and current_run(administration.id).id == run_id
    assert client.post(page + "/reference", data={"csrf_token": token(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Calibration, cid).is_reference
