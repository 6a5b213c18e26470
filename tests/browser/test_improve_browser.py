"""The improvement pages in a real (headless) browser: a principal signs in, reads the
recommendations, adds two to the plan, completes the school's SECURe checklist and sees the SRO
action items change; every page visited has no axe-core WCAG 2.1 A/AA violations."""
import re

import pytest
from sqlalchemy import select

from climate.extensions import db
from climate.models import PlanItem, SroAssessment
from tests.climate.test_improve import cell, constructed_cells, store_run
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def results_for_a(world, administration):
    """The constructed results of the improvement tests, with students' bullying Least Favorable too."""
    store_run(administration, constructed_cells(world) + [cell(world.school_a.id, "bullying", 285.0)])
    return administration


def test_principal_plans_and_completes_the_sro_checklist(live_url, new_page, assert_accessible, world,
                                                         results_for_a):
    page = new_page("desktop")
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", "principal.a@d1.example")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")

    page.get_by_role("link", name="Improvement").click()
    page.wait_for_url("**/improve/")
    assert page.get_by_role("link", name="School A", exact=True).is_visible()
    assert_accessible(page, "improvement overview")

    page.get_by_role("link", name="School A", exact=True).click()
    page.wait_for_url(f"**/improve/schools/{world.school_a.id}")
    assert page.get_by_text("Students' Discipline score is 268").is_visible()
    # each Quick Guide step once, after the recommendations; each recommendation says why in one line
    steps = page.locator("#steps + p + ul.steps > li")
    ids = [steps.nth(i).get_attribute("id") for i in range(steps.count())]
    assert ids and len(ids) == len(set(ids))
    assert page.locator("li.recommendation p.why").count() == page.locator("li.recommendation").count()
    assert page.locator("li.recommendation ul.steps").count() == 0
    page.locator("li.recommendation p.why a").first.click()
    assert page.url.endswith("#" + ids[0])
    assert_accessible(page, "recommendations")

    for title in ("Discipline (students): Least Favorable score", "Bullying/cyberbullying (students): Least Favorable score"):
        page.get_by_role("button", name=re.compile("^Add to plan ?: " + re.escape(title).replace("/", "."))).click()
        page.wait_for_load_state()
        assert page.get_by_role("status").get_by_text(f"Added to the plan for Spring survey: {title}").is_visible()
    assert_accessible(page, "recommendations after adding to the plan")
    assert set(db.session.scalars(select(PlanItem.ref))) == {
        "least_favorable:student:discipline", "least_favorable:student:bullying"}

    # no checklist yet: the page says so; complete it for the school
    assert page.get_by_text("No SECURe checklist has been completed").is_visible()
    page.get_by_role("link", name="Complete the SECURe checklist").click()
    page.wait_for_url("**/sro")
    assert_accessible(page, "SECURe checklist form")
    page.get_by_role("group", name="Do school resource officers work at this school?").get_by_label("Yes").check()
    page.fill("#mou_date", "2024-08-15")
    page.get_by_role("group", name="SEC-1-S1").get_by_label("Met", exact=True).check()
    page.get_by_role("group", name="SEC-2-S2").get_by_label("Not met").check()
    page.get_by_role("group", name="SEC-4-S1").get_by_label("Partly met").check()
    page.fill("#notes-SEC-2-S2", "Officers are called for dress-code issues.")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("The SECURe checklist was saved.").is_visible()
    assert_accessible(page, "SECURe checklist saved")

    page.goto(f"{live_url}/improve/schools/{world.school_a.id}")
    items = page.locator("ol.sro-items > li")
    assert items.count() == 2
    assert items.first.get_attribute("id") == "sro-SEC-2-S2"  # keeps officers out of discipline: first
    assert "Survey evidence: Students' Discipline score is 268" in items.first.inner_text()
    assert_accessible(page, "recommendations with SRO action items")

    # mark the unmet criterion met: it leaves the action items
    page.goto(f"{live_url}/improve/schools/{world.school_a.id}/sro")
    page.get_by_role("group", name="SEC-2-S2").get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state()
    page.goto(f"{live_url}/improve/schools/{world.school_a.id}")
    assert page.locator("ol.sro-items > li").count() == 1
    assert page.locator("#sro-SEC-2-S2").count() == 0 and page.locator("#sro-SEC-4-S1").count() == 1
    db.session.expire_all()
    assessment = db.session.scalars(select(SroAssessment)).one()
    assert assessment.school_id == world.school_a.id and assessment.has_sro

    page.get_by_role("link", name="Action plan (2 items)").click()
    page.wait_for_url("**/plan")
    assert_accessible(page, "action plan")
    item_id = db.session.scalar(select(PlanItem.id).where(PlanItem.ref == "least_favorable:student:discipline"))
    page.fill(f"#owner-{item_id}", "Ms. Rivera")
    page.select_option(f"#status-{item_id}", "in_progress")
    page.fill(f"#due_on-{item_id}", "2026-05-01")
    page.get_by_role("button", name=re.compile(r"^Save ?: Discipline \(students\)")).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").is_visible()
    assert_accessible(page, "action plan after saving")
    db.session.expire_all()
    item = db.session.get(PlanItem, item_id)
    assert (item.owner, item.status, item.due_on.isoformat()) == ("Ms. Rivera", "in_progress", "2026-05-01")
