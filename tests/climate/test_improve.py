"""From scores to action: recommendations, SECURe checklist, action plans and monitoring pages.

Exact rule checks use constructed stored cells (GroupResult rows of a ScoringRun); one test runs
the whole path on simulated, scored administrations."""
import datetime as dt
import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from climate.extensions import db
from climate.models import GroupResult, PlanItem, ScoringRun, SroAssessment
from surveys.guidance import default_guidance

CALIBRATIONS = {"student": 1, "instructional_staff": 2, "parent": 3}


def text_of(response) -> str:
    """The page as plain text: tags dropped, entities unescaped, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(body).split())


def cell(school_id, topic, mean, se=5.05, group="student", subgroup=None, value=None, suppressed=False,
         n=120, kind="topic", pct_favourable=None):
    if suppressed:
        return dict(school_id=school_id, group=group, measure_kind=kind, measure=topic, subgroup=subgroup,
                    subgroup_value=value, suppressed=True)
    level = None
    if mean is not None:
        level = "least_favorable" if mean < 300 else "favorable" if mean <= 400 else "most_favorable"
    return dict(school_id=school_id, group=group, measure_kind=kind, measure=topic, subgroup=subgroup,
                subgroup_value=value, suppressed=False, n=n, mean=mean, se=se,
                ci_low=None if mean is None else mean - 1.96 * se, ci_high=None if mean is None else mean + 1.96 * se,
                level=level, pct_favourable=pct_favourable)


def store_run(administration, cells, calibrations=CALIBRATIONS):
    """A current scoring run holding exactly the given cells."""
    run = ScoringRun(administration_id=administration.id, calibrations=dict(calibrations), min_n=10,
                     is_current=True, n_scored=0, trigger="manual")
    db.session.add(run)
    db.session.flush()
    for c in cells:
        row = {k: c.get(k) for k in GroupResult.CELL_KEYS if k != "group"}
        db.session.add(GroupResult(scoring_run_id=run.id, respondent_group=c["group"], **row))
    db.session.commit()
    return run


@pytest.fixture
def later_administration(world, administration):
    """A second administration of district 1 that closes after the fixture's."""
    from climate.administer.service import create_administration

    now = dt.datetime.now().replace(microsecond=0)
    admin = create_administration(world.d1, "Next year", now + dt.timedelta(days=500), now + dt.timedelta(days=600),
                                  [world.school_a, world.school_b], ["student", "instructional_staff", "parent"],
                                  sro_module=True)
    db.session.commit()
    return admin


def constructed_cells(world) -> list[dict]:
    """School A's students rate discipline Least Favorable (268) and cultural competence
    favourably while staff rate it Most Favorable; school B and the district rate discipline higher."""
    a = world.school_a.id
    return [
        cell(a, "discipline", 268.0),
        cell(a, "emotional_safety", 330.0),
        cell(a, "relationships", 350.0),
        cell(a, "cultural_competence", 340.0),
        cell(a, "cultural_competence", 430.0, group="instructional_staff", n=25),
        cell(world.school_b.id, "discipline", 340.0),
        cell(None, "discipline", 320.0, n=400),
    ]


@pytest.fixture
def scored(world, administration):
    """The fixture administration with the constructed results stored as its current run."""
    store_run(administration, constructed_cells(world))
    return administration


def add(client, school_id, ref, administration=None):
    data = {"ref": ref}
    if administration is not None:
        data["administration"] = administration.id
    return client.post(f"/improve/schools/{school_id}/plan/add", data=data, follow_redirects=True)


def sro_form(has_sro="yes", mou_date="2024-08-15", **ratings):
    data = {"has_sro": has_sro, "mou_date": mou_date}
    for cid, rating in ratings.items():
        data[f"rating-{cid.replace('_', '-')}"] = rating
    return data


# --------------------------------------------------------------------------- recommendations


def test_recommendations_show_evidence_with_numbers_steps_and_strategies(client, auth, world, scored):
    auth.sign_in("principal.a@d1.example")
    page = text_of(client.get(f"/improve/schools/{world.school_a.id}"))
    assert "Discipline (students): Least Favorable score" in page
    assert "Students' Discipline score is 268 (95% interval 258-278), in the Least Favorable range (below 300)" in page
    assert "The district's score for students is 320" in page
    g = default_guidance()
    assert g.step("AS4-1").text in page
    first = g.topic("discipline").universal[0]
    assert first.name in page and first.rationale in page
    # ranked by severity, most urgent first (no one answered yet: low response comes first)
    urgencies = [float(u) for u in re.findall(r"urgency (\d+\.\d+)", page)]
    assert len(urgencies) >= 3 and urgencies == sorted(urgencies, reverse=True)
    assert "Only 0 of 200 students submitted the survey" in page


def test_disagreement_lists_the_discussion_questions(client, auth, world, scored):
    auth.sign_in("principal.a@d1.example")
    page = text_of(client.get(f"/improve/schools/{world.school_a.id}"))
    assert "Students rate Cultural and linguistic competence at 340" in page
    for question in default_guidance().topic("cultural_competence").discussion_questions:
        assert question in page


def test_add_to_plan_creates_one_item_and_a_second_click_does_not_duplicate(client, auth, world, scored):
    auth.sign_in("principal.a@d1.example")
    first = add(client, world.school_a.id, "least_favorable:student:discipline", scored)
    assert first.status_code == 200 and "Added to the plan" in text_of(first)
    second = add(client, world.school_a.id, "least_favorable:student:discipline", scored)
    assert "Already in the plan" in text_of(second)
    items = db.session.scalars(select(PlanItem)).all()
    assert len(items) == 1
    item = items[0]
    assert (item.kind, item.ref, item.topics, item.respondent_group, item.administration_id, item.status) == (
        "recommendation", "least_favorable:student:discipline", ["discipline"], "student", scored.id, "planned")


def test_adding_a_secure_item_says_so_in_one_sentence(client, auth, world, scored):
    auth.sign_in("staff1@d1.example")
    client.post(f"/improve/schools/{world.school_a.id}/sro", data=sro_form(**{"SEC_2_S2": "not_met"}))
    text = default_guidance().criterion("SEC-2-S2").text
    assert text.endswith(".")
    page = text_of(add(client, world.school_a.id, "sro:SEC-2-S2", scored))
    assert f"Added to the plan for Spring survey: SECURe SEC-2-S2: {text}" in page and ".." not in page
    again = text_of(add(client, world.school_a.id, "sro:SEC-2-S2", scored))
    assert f"SECURe SEC-2-S2: {text} Nothing was added." in again and ".." not in again


def test_add_to_plan_refuses_a_key_that_is_not_recommended(client, auth, world, scored):
    auth.sign_in("principal.a@d1.example")
    response = add(client, world.school_a.id, "least_favorable:student:relationships", scored)
    assert response.status_code == 400
    assert "not among this administration's recommendations" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


def test_empty_states(client, auth, world, administration):
    auth.sign_in("principal.a@d1.example")
    page = text_of(client.get(f"/improve/schools/{world.school_a.id}"))
    assert "No survey results for School A have been scored yet" in page
    # scored, but every score is fine and response rates are high enough: no recommendations
    store_run(administration, [cell(world.school_a.id, "discipline", 350.0)], calibrations={"student": 1})
    administration.groups = [g for g in administration.groups if g.respondent_group == "student"]
    world.school_a.enrollment_student = 0  # no base for a response rate
    db.session.commit()
    page = text_of(client.get(f"/improve/schools/{world.school_a.id}"))
    assert "No recommendations from Spring survey" in page and "no topic is in the Least Favorable range" in page


# --------------------------------------------------------------------------- SECURe checklist


def ratings_of(school_id):
    assessment = db.session.scalar(select(SroAssessment).where(SroAssessment.school_id == school_id))
    return None if assessment is None else {r.criterion_id: (r.rating, r.notes) for r in assessment.ratings}


def test_sro_form_is_accessible_and_saves_ratings(client, auth, world):
    auth.sign_in("staff1@d1.example")
    url = f"/improve/schools/{world.school_a.id}/sro"
    page = client.get(url).get_data(as_text=True)
    assert page.count("<fieldset class=\"sec-step\">") == len(default_guidance().secure_steps)
    assert '<legend><strong>SEC-2-S1</strong>' in page and 'name="rating-SEC-2-S1" value="not_met"' in page
    assert '<label for="notes-SEC-2-S1"' in page
    data = sro_form(**{"SEC_2_S1": "not_met", "SEC_1_S1": "met"})
    data["notes-SEC-2-S1"] = "Officers still handle hallway incidents."
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert ratings_of(world.school_a.id) == {"SEC-2-S1": ("not_met", "Officers still handle hallway incidents."),
                                             "SEC-1-S1": ("met", "")}
    assessment = db.session.scalar(select(SroAssessment).where(SroAssessment.school_id == world.school_a.id))
    assert assessment.has_sro and assessment.mou_date == dt.date(2024, 8, 15)
    # clearing a rating removes it
    client.post(url, data=sro_form(**{"SEC_1_S1": "met"}))
    db.session.expire_all()
    assert ratings_of(world.school_a.id) == {"SEC-1-S1": ("met", "")}


@pytest.mark.parametrize("bad, message", [
    ({"rating-SEC-2-S1": "mostly"}, "unknown rating 'mostly'"),
    ({"rating-SEC-9-S1": "met"}, "Unknown SECURe criterion 'SEC-9-S1'"),
    ({"notes-NOPE": "x"}, "Unknown SECURe criterion 'NOPE'"),
    ({"mou_date": "last spring"}, "is not a date"),
    ({"has_sro": "maybe"}, "Say whether school resource officers work here"),
    ({"notes-SEC-1-S2": "x" * 2001, "rating-SEC-1-S2": "met"}, "longer than 2000 characters"),
])
def test_invalid_sro_input_is_refused_and_nothing_saved(client, auth, world, bad, message):
    auth.sign_in("staff1@d1.example")
    url = f"/improve/schools/{world.school_a.id}/sro"
    client.post(url, data=sro_form(**{"SEC_1_S1": "met"}))
    data = sro_form(**{"SEC_1_S1": "not_met", "SEC_1_S3": "met"})
    data.update(bad)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert message in text_of(response) and "Nothing was saved" in text_of(response)
    db.session.expire_all()
    assert ratings_of(world.school_a.id) == {"SEC-1-S1": ("met", "")}


def test_sro_action_items_change_when_the_checklist_is_completed(client, auth, world, scored):
    auth.sign_in("principal.a@d1.example")
    school_url = f"/improve/schools/{world.school_a.id}"
    assert "No SECURe checklist has been completed" in text_of(client.get(school_url))
    client.post(f"{school_url}/sro", data=sro_form(**{"SEC_1_S2": "not_met", "SEC_2_S2": "not_met",
                                                      "SEC_3_S1": "partly", "SEC_1_S1": "met"}))
    page = text_of(client.get(school_url))
    criterion = default_guidance().criterion("SEC-2-S2")
    assert f"SEC-2-S2 (Not met): {criterion.text}" in page
    assert "SEC-1-S2 (Not met)" in page and "SEC-3-S1 (Partly met)" in page and "SEC-1-S1 (" not in page
    # students rate discipline Least Favorable: the keep-officers-out-of-discipline item comes first, with the
    # evidence, ahead of an unmet criterion that comes earlier in the checklist
    assert page.index("SEC-2-S2 (Not met)") < page.index("SEC-1-S2 (Not met)") < page.index("SEC-3-S1 (Partly met)")
    assert "Survey evidence: Students' Discipline score is 268" in page
    # add the SRO item to the plan (kind sro), twice
    add(client, world.school_a.id, "sro:SEC-2-S2", scored)
    assert "Already in the plan" in text_of(add(client, world.school_a.id, "sro:SEC-2-S2", scored))
    item = db.session.scalar(select(PlanItem).where(PlanItem.kind == "sro"))
    assert item.ref == "sro:SEC-2-S2" and "discipline" in item.topics
    # marking it met makes it disappear from the action items
    client.post(f"{school_url}/sro", data=sro_form(**{"SEC_1_S2": "not_met", "SEC_2_S2": "met",
                                                      "SEC_3_S1": "partly", "SEC_1_S1": "met"}))
    page = text_of(client.get(school_url))
    assert "SEC-2-S2 (Not met)" not in page and "SEC-3-S1 (Partly met)" in page


def test_the_district_wide_checklist_applies_where_the_school_has_not_rated(client, auth, world, scored):
    auth.sign_in("staff1@d1.example")
    assert client.post("/improve/sro", data=sro_form(**{"SEC_4_S1": "not_met", "SEC_5_S1": "not_met"})).status_code == 302
    school_url = f"/improve/schools/{world.school_a.id}"
    page = text_of(client.get(school_url))
    assert "The district-wide checklist applies" in page
    assert "SEC-4-S1 (Not met, district-wide rating)" in page
    # the school rates one criterion itself: its own rating wins, the other still falls back
    client.post(f"{school_url}/sro", data=sro_form(**{"SEC_4_S1": "met"}))
    page = text_of(client.get(school_url))
    assert "for criteria it has not rated, the district-wide checklist applies" in page
    assert "SEC-4-S1 (" not in page and "SEC-5-S1 (Not met, district-wide rating)" in page
    assert "District-wide rating: Not met" in text_of(client.get(f"{school_url}/sro"))


def test_who_may_see_and_edit(client, auth, world, scored):
    a, b = world.school_a.id, world.school_b.id
    auth.sign_in("principal.a@d1.example")
    assert client.get(f"/improve/schools/{b}").status_code == 403
    assert client.get(f"/improve/schools/{b}/sro").status_code == 403
    assert client.post(f"/improve/schools/{b}/sro", data=sro_form()).status_code == 403
    assert client.get(f"/improve/schools/{b}/plan").status_code == 403
    assert client.get(f"/improve/schools/{world.school_c.id}").status_code == 404
    # the district-wide checklist: principals read it, only district staff edit it
    assert client.get("/improve/sro").status_code == 200
    assert client.post("/improve/sro", data=sro_form(**{"SEC_1_S1": "met"})).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SroAssessment)) == 0
    assert client.get("/improve/plans").status_code == 403
    # their own school's checklist: the principal completes it
    assert client.post(f"/improve/schools/{a}/sro", data=sro_form(**{"SEC_1_S1": "met"})).status_code == 302
    overview = text_of(client.get("/improve/"))
    assert "School A" in overview and "School B" not in overview
    auth.sign_out()
    auth.sign_in("staff2@d2.example")
    for url in (f"/improve/schools/{a}", f"/improve/schools/{a}/sro", f"/improve/schools/{a}/plan"):
        assert client.get(url).status_code == 404
    assert client.post(f"/improve/schools/{a}/sro", data=sro_form()).status_code == 404
    assert add(client, a, "least_favorable:student:discipline", scored).status_code == 404
    auth.sign_out()
    assert client.get("/improve/").status_code == 302  # to sign-in


def test_checklist_and_plan_posts_need_the_csrf_token(csrf_app, world, administration):
    from tests.conftest import PASSWORD

    client = csrf_app.test_client()

    def token(url):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    client.post("/auth/sign-in", data={"email": "staff1@d1.example", "password": PASSWORD,
                                       "csrf_token": token("/auth/sign-in")})
    url = f"/improve/schools/{world.school_a.id}/sro"
    assert client.post(url, data=sro_form(**{"SEC_1_S1": "met"})).status_code == 400
    assert ratings_of(world.school_a.id) is None
    response = client.post(url, data=dict(sro_form(**{"SEC_1_S1": "met"}), csrf_token=token(url)))
    assert response.status_code == 302 and ratings_of(world.school_a.id) == {"SEC-1-S1": ("met", "")}
    item = _item(world, administration)
    edit = f"/improve/schools/{world.school_a.id}/plan/{item.id}"
    assert client.post(edit, data={"status": "done"}).status_code == 400
    assert client.post(f"/improve/schools/{world.school_a.id}/plan/add", data={"ref": "sro:SEC-2-S2"}).status_code == 400


# --------------------------------------------------------------------------- plans


def _item(world, administration, **kw):
    values = dict(school_id=world.school_a.id, administration_id=administration.id, kind="recommendation",
                  ref="least_favorable:student:discipline", title="Discipline (students): Least Favorable score",
                  topics=["discipline"], respondent_group="student")
    values.update(kw)
    item = PlanItem(**values)
    db.session.add(item)
    db.session.commit()
    return item


def test_plan_item_edit(client, auth, world, scored):
    item = _item(world, scored)
    auth.sign_in("principal.a@d1.example")
    url = f"/improve/schools/{world.school_a.id}/plan/{item.id}"
    response = client.post(url, data={"owner": "Ms. Rivera", "due_on": "2026-05-01", "status": "in_progress",
                                      "notes": "Restorative circles in grade 7."})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(PlanItem, item.id)
    assert (item.owner, item.due_on, item.status, item.notes) == (
        "Ms. Rivera", dt.date(2026, 5, 1), "in_progress", "Restorative circles in grade 7.")
    page = text_of(client.get(f"/improve/schools/{world.school_a.id}/plan"))
    assert "Status: In progress ; owner: Ms. Rivera; due 2026-05-01." in page
    # district staff may edit too and see every plan
    auth.sign_out()
    auth.sign_in("staff1@d1.example")
    assert client.post(url, data={"owner": "", "due_on": "", "status": "done", "notes": ""}).status_code == 302
    plans = text_of(client.get("/improve/plans"))
    assert "Discipline (students): Least Favorable score" in plans and "Done" in plans
    # another school's principal may not
    auth.sign_out()
    auth.sign_in("principal.b@d1.example")
    assert client.post(url, data={"status": "dropped"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).status == "done"


@pytest.mark.parametrize("bad, message", [
    ({"due_on": "next Friday"}, "is not a date"),
    ({"due_on": "2026-02-30"}, "is not a date"),
    ({"status": "finished"}, "Unknown status 'finished'"),
    ({"owner": "x" * 121}, "longer than 120 characters"),
    ({"notes": "x" * 2001}, "longer than 2000 characters"),
])
def test_plan_item_validation(client, auth, world, scored, bad, message):
    item = _item(world, scored, owner="Mr. Chen", status="planned")
    auth.sign_in("principal.a@d1.example")
    data = {"owner": "Someone else", "due_on": "2026-05-01", "status": "done", "notes": "changed"}
    data.update(bad)
    response = client.post(f"/improve/schools/{world.school_a.id}/plan/{item.id}", data=data)
    assert response.status_code == 400
    assert message in text_of(response) and "Nothing was changed" in text_of(response)
    db.session.expire_all()
    item = db.session.get(PlanItem, item.id)
    assert (item.owner, item.status, item.due_on, item.notes) == ("Mr. Chen", "planned", None, "")


def test_a_plan_item_of_another_school_is_404(client, auth, world, scored):
    item = _item(world, scored, school_id=world.school_b.id)
    auth.sign_in("staff1@d1.example")
    assert client.post(f"/improve/schools/{world.school_a.id}/plan/{item.id}",
                       data={"status": "done"}).status_code == 404


# --------------------------------------------------------------------------- monitoring


def test_monitoring_shows_the_change_at_the_next_administration(client, auth, world, scored, later_administration):
    a = world.school_a.id
    _item(world, scored, topics=["discipline", "relationships", "emotional_safety"], status="in_progress")
    auth.sign_in("principal.a@d1.example")
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "once a later administration with the same calibration is scored" in page
    store_run(later_administration, [
        cell(a, "discipline", 291.0),            # +23, interval +9 to +37
        cell(a, "relationships", 355.0),         # +5: within the interval
        cell(a, "emotional_safety", None, suppressed=True),
    ])
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "Change from Spring survey to Next year" in page
    assert "Discipline (students): 268 -> 291, +23 (95% interval +9 to +37): improved" in page
    assert "Relationships (students): 350 -> 355, +5 (95% interval -9 to +19): no clear change" in page
    assert "Emotional safety (students): the result for Next year is suppressed" in page
    auth.sign_out()
    auth.sign_in("staff1@d1.example")
    assert "268 -> 291, +23 (95% interval +9 to +37): improved" in text_of(client.get("/improve/plans"))


def test_monitoring_skips_an_administration_scored_with_other_calibrations(client, auth, world, scored,
                                                                          later_administration):
    a = world.school_a.id
    _item(world, scored)
    store_run(later_administration, [cell(a, "discipline", 291.0)],
              calibrations={"student": 99, "instructional_staff": 2, "parent": 3})
    auth.sign_in("principal.a@d1.example")
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "268 -> 291" not in page and "once a later administration with the same calibration" in page


def own(client, school_id, plan, **kw):
    data = {"administration": plan.id, "title": "Restorative circles in every grade-7 advisory",
            "topic": "discipline", "group": "student", "owner": "Ms. Rivera", "due_on": "2026-05-01",
            "notes": "Two trained staff per grade."}
    data.update(kw)
    return client.post(f"/improve/schools/{school_id}/plan/own", data=data)


def test_a_principal_adds_an_own_item_and_sees_it_measured_at_the_next_administration(
        client, auth, world, scored, later_administration):
    a = world.school_a.id
    auth.sign_in("principal.a@d1.example")
    response = own(client, a, scored)
    assert response.status_code == 302
    [item] = db.session.scalars(select(PlanItem)).all()
    assert (item.kind, item.topics, item.respondent_group, item.administration_id, item.owner, item.due_on) == (
        "own", ["discipline"], "student", scored.id, "Ms. Rivera", dt.date(2026, 5, 1))
    assert item.ref.startswith("own:")
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "Plan for Spring survey" in page and "Your own item; topics: Discipline (students)" in page
    assert "once a later administration with the same calibration is scored" in page
    store_run(later_administration, [cell(a, "discipline", 291.0)])
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "Discipline (students): 268 -> 291, +23 (95% interval +9 to +37): improved" in page


@pytest.mark.parametrize("bad, message", [
    ({"title": "  "}, "Say what the item is"),
    ({"title": "x" * 301}, "longer than 300 characters"),
    ({"topic": "lunch"}, "Choose the survey topic"),
    ({"group": "teachers"}, "Choose whose answers"),
    ({"due_on": "soon"}, "is not a date"),
    ({"administration": "999999"}, "Choose the administration"),
])
def test_an_own_item_with_a_problem_adds_nothing(client, auth, world, scored, bad, message):
    auth.sign_in("principal.a@d1.example")
    response = own(client, world.school_a.id, scored, **bad)
    assert response.status_code == 400
    body = text_of(response)
    assert message in body and "Nothing was added" in body
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


def test_another_schools_principal_cannot_add_own_items(client, auth, world, scored):
    auth.sign_in("principal.b@d1.example")
    assert own(client, world.school_a.id, scored).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


def test_plans_belong_to_an_administration_and_items_carry_forward(client, auth, world, scored,
                                                                   later_administration):
    a = world.school_a.id
    later_id, scored_id = later_administration.id, scored.id
    store_run(later_administration, [cell(a, "discipline", 262.0)])
    auth.sign_in("principal.a@d1.example")
    ref = "least_favorable:student:discipline"
    add(client, a, ref, scored)
    # the same recommendation from the later administration goes into that year's plan
    page = text_of(add(client, a, ref, later_administration))
    assert "Added to the plan for Next year" in page
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 2
    assert "Already in the plan for Next year" in text_of(add(client, a, ref, later_administration))
    db.session.execute(PlanItem.__table__.delete().where(PlanItem.administration_id == later_id))
    db.session.commit()
    [first] = db.session.scalars(select(PlanItem)).all()
    first.status, first.owner = "in_progress", "Mr. Chen"
    db.session.commit()
    first_id = first.id
    page = client.get(f"/improve/schools/{a}/plan").get_data(as_text=True)
    assert f"/plan/{first_id}/carry" in page and "Carry forward to Next year" in page
    response = client.post(f"/improve/schools/{a}/plan/{first_id}/carry")
    assert response.status_code == 302
    carried = db.session.scalar(select(PlanItem).where(PlanItem.administration_id == later_id))
    assert (carried.carried_from_id, carried.ref, carried.status, carried.owner, carried.topics) == (
        first_id, ref, "in_progress", "Mr. Chen", ["discipline"])
    page = text_of(client.get(f"/improve/schools/{a}/plan"))
    assert "Carried forward from the plan for Spring survey" in page
    assert f"/plan/{first_id}/carry" not in client.get(f"/improve/schools/{a}/plan").get_data(as_text=True)
    # carrying twice adds nothing; the last plan has nowhere to go
    again = client.post(f"/improve/schools/{a}/plan/{first_id}/carry", follow_redirects=True)
    assert "already in the plan for Next year" in text_of(again)
    last = client.post(f"/improve/schools/{a}/plan/{carried.id}/carry", follow_redirects=True)
    assert "no later administration" in text_of(last)
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 2
    assert db.session.get(PlanItem, first_id).administration_id == scored_id


# --------------------------------------------------------------------------- overview


def test_overview_counts_and_the_district_view(client, auth, world, scored):
    auth.sign_in("staff1@d1.example")
    client.post(f"/improve/schools/{world.school_a.id}/sro", data=sro_form(**{"SEC_2_S1": "not_met"}))
    client.post(f"/improve/schools/{world.school_b.id}/sro", data=sro_form(**{"SEC_2_S1": "not_met"}))
    page = client.get("/improve/").get_data(as_text=True)
    overview = text_of(client.get("/improve/"))
    assert "School A" in overview and "School B" in overview
    district_view = overview.split("Where SECURe gaps and low safety or discipline results meet", 1)[1]
    # School A: a SECURe gap and students' discipline Least Favorable; School B has the gap only
    assert "School A" in district_view and "Discipline (students): 268" in district_view
    assert "School B" not in district_view
    assert "<caption>Recommendations from each school" in page


# --------------------------------------------------------------------------- the whole path


def test_simulated_scored_administrations_give_recommendations_and_monitoring(client, auth, world, administration,
                                                                               later_administration):
    from climate.scoring import score_administration
    from climate.simulate import simulate_administration

    counts = {(world.school_a.id, "student"): 120, (world.school_a.id, "instructional_staff"): 25}
    simulate_administration(administration, counts, seed=7)
    score_administration(administration)
    simulate_administration(later_administration, counts, seed=8, effects_seed=7, change_seed=2026)
    score_administration(later_administration)
    auth.sign_in("principal.a@d1.example")
    url = f"/improve/schools/{world.school_a.id}"
    page = client.get(f"{url}?administration={administration.id}")
    assert page.status_code == 200
    body = text_of(page)
    keys = re.findall(r'name="ref" value="([^"]+)"', page.get_data(as_text=True))
    assert keys, "simulated schools have one clearly weak topic, so something is recommended"
    assert "Evidence:" in body and "Steps these point to" in body and "Why these steps:" in body
    # each step is listed once on the page, however many recommendations point to it
    listed = re.findall(r'<li id="step-([^"]+)"', page.get_data(as_text=True))
    assert listed and len(listed) == len(set(listed))
    topical = [k for k in keys if k.split(":")[0] in ("least_favorable", "subgroup_gap", "decline")]
    for key in topical[:2]:
        add(client, world.school_a.id, key, administration)
    assert topical and db.session.scalar(select(func.count()).select_from(PlanItem)) == len(topical[:2])
    plan = text_of(client.get(f"{url}/plan"))
    assert "Change from Spring survey to Next year" in plan
    assert re.search(r"\(students\): \d+ -> \d+, [+-]\d+ \(95% interval [+-]\d+ to [+-]\d+\): "
                     r"(improved|declined|no clear change)", plan)
    # the newest administration is the default, and compares with the earlier one
    assert "compared with Spring survey" in text_of(client.get(url))
    # the overview reads each administration's cells once for all schools: same recommendations
    from climate.improve.recommendations import DistrictResults, school_recommendations, school_results
    shared = DistrictResults(world.d1.id).school_results(world.school_a, later_administration)
    alone = school_results(world.school_a, later_administration)
    assert shared.previous.id == alone.previous.id == administration.id
    assert [r.key for r in school_recommendations(shared)] == [r.key for r in school_recommendations(alone)]
    assert any(r.kind == "decline" or r.kind == "least_favorable" for r in school_recommendations(shared))


# --------------------------------------------------------------------------- demo


def test_demo_improvement_seed_is_idempotent_and_shows_monitoring(demo_app, demo_client, demo_auth, _demo_snapshot):
    """The demo as `climate demo` seeds it (once per run, see conftest), then seeded again."""
    from climate.commands.demo_data import PRINCIPAL_EMAIL, _read_passwords, seed_district, seed_improvement, seed_scores
    from climate.models import School

    client, auth, seeded = demo_client, demo_auth, _demo_snapshot.lines
    passwords = _read_passwords()
    accounts = (Path(demo_app.instance_path) / "demo-accounts.txt").read_text()
    assert f"{PRINCIPAL_EMAIL} {passwords[PRINCIPAL_EMAIL]}  principal of Cedar Middle" in accounts
    assert "district staff" in accounts and f"password: {passwords[PRINCIPAL_EMAIL]}" in "\n".join(seeded)
    assert any("simulated respondents (students, staff and parents" in line for line in seeded)
    scored = [line for line in seeded if line.startswith("Scored ")]
    assert len(scored) == 2 and all("students and staff with scale scores" in line
                                    and "parents get no scale scores" in line for line in scored)
    assert any("action plan with 4 items" in line and "own" in line for line in seeded)
    assert seed_district()[1] == passwords and not seed_scores()
    second = seed_improvement()
    assert not any("added" in line or "scored" in line for line in second)
    cedar = db.session.scalar(select(School).where(School.name == "Cedar Middle"))
    items = db.session.scalars(select(PlanItem).where(PlanItem.school_id == cedar.id)).all()
    assert len(items) == 4 and {i.status for i in items} == {"in_progress", "done"}
    assert [i.kind for i in items].count("own") == 1
    assert db.session.scalar(select(func.count()).select_from(SroAssessment)) == 1
    assert db.session.scalar(select(func.count()).select_from(ScoringRun)) == 2
    auth.sign_in(PRINCIPAL_EMAIL, _read_passwords()[PRINCIPAL_EMAIL])
    plan = text_of(client.get(f"/improve/schools/{cedar.id}/plan"))
    assert plan.count("Change from Spring 2025 to Spring 2026") == 4
    assert re.search(r"Relationships \(students\): \d+ -> \d+, [+-]\d+ \(95% interval", plan)
    assert re.search(r"\d+ -> \d+, [+-]\d+ \(95% interval [+-]\d+ to [+-]\d+\)", plan)
    page = text_of(client.get(f"/improve/schools/{cedar.id}"))
    assert "(Not met)" in page and "This school's own checklist applies" in page
