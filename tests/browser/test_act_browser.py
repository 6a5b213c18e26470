"""Acting on results in a real (headless) browser: a principal adds an item of their own to the
plan and sees it measured at the next administration; a coordinator records parental opt-outs and
prints the parent notice in English and Spanish; the exports page fits a 1,280-px window. Every
page visited has no axe-core WCAG 2.1 A/AA violations."""
import re

import pytest
from sqlalchemy import select

from climate.extensions import db
from climate.models import OptOut, PlanItem
from tests.climate.test_improve import cell, constructed_cells, later_administration, store_run  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, live_url, email):
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")


def test_principal_adds_an_own_item_and_sees_it_measured_next_year(live_url, new_page, assert_accessible, world,
                                                                    administration, later_administration):
    store_run(administration, constructed_cells(world))
    page = new_page("desktop")
    sign_in(page, live_url, "principal.a@d1.example")
    page.goto(f"{live_url}/improve/schools/{world.school_a.id}/plan")
    assert page.get_by_role("heading", name="Add an item of your own").is_visible()
    assert_accessible(page, "action plan, empty")

    # a problem first: no title
    page.select_option("#own-topic", "discipline")
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").get_by_text("Say what the item is (a title).").is_visible()
    assert_accessible(page, "own item with a problem")

    page.select_option("#own-administration", str(administration.id))
    page.fill("#own-title", "Restorative circles in every grade-7 advisory")
    page.select_option("#own-topic", "discipline")
    page.select_option("#own-group", "student")
    page.fill("#own-owner", "Ms. Rivera")
    page.fill("#own-due_on", "2026-05-01")
    page.get_by_role("button", name="Add to the plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text(
        "Added to the plan for Spring survey: Restorative circles in every grade-7 advisory.").is_visible()
    item = db.session.scalars(select(PlanItem)).one()
    assert (item.kind, item.topics, item.respondent_group) == ("own", ["discipline"], "student")
    section = page.locator(f"#item-{item.id}")
    assert "Your own item; topics: Discipline (students)" in section.inner_text()
    assert "once a later administration with the same calibration is scored" in section.inner_text()
    assert_accessible(page, "action plan with an own item")

    # the next administration is scored: the item shows its change
    store_run(later_administration, [cell(world.school_a.id, "discipline", 291.0)])
    page.reload()
    section = page.locator(f"#item-{item.id}")
    assert "Discipline (students): 268 -> 291, +23 (95% interval +9 to +37): improved" in section.inner_text()
    # and it can be carried forward into next year's plan
    section.get_by_role("button", name=re.compile("^Carry forward to Next year")).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Carried forward to the plan for Next year").is_visible()
    assert page.get_by_text("Carried forward from the plan for Spring survey").is_visible()
    assert_accessible(page, "action plan after carrying forward")


def test_coordinator_records_opt_outs_and_prints_the_parent_notice(live_url, new_page, assert_accessible, world,
                                                                    administration):
    page = new_page("desktop")
    sign_in(page, live_url, "staff1@d1.example")
    page.goto(f"{live_url}/administrations/{administration.id}")
    assert page.get_by_role("heading", name="Parent notice and opt-outs").is_visible()
    page.fill(f"#opted_out-{world.school_a.id}", "12")
    page.get_by_role("button", name="Save opt-outs for School A").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("School A: 12 students opted out by their parents").is_visible()
    assert db.session.get(OptOut, (administration.id, world.school_a.id, "student")).opted_out == 12
    assert_accessible(page, "administration page with opt-outs")

    page.get_by_role("link", name="English notice for School A").click()
    page.wait_for_url("**/notice/*?lang=en")
    assert page.get_by_role("heading", name="Notice to parents and guardians: school climate survey").is_visible()
    assert page.get_by_role("heading", name="How to opt your child out").is_visible()
    assert page.locator("script").count() == 0
    assert_accessible(page, "parent notice (English)")
    # printing hides the toolbar and keeps the letter
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    assert page.get_by_role("heading", name="How answers are kept private").is_visible()
    pdf = page.pdf(format="Letter")
    assert pdf[:4] == b"%PDF" and len(pdf) > 5_000
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Versión en español").click()
    page.wait_for_url("**/notice/*?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Cómo pedir que su hijo o hija no participe").is_visible()
    assert page.get_by_text("Salud mental").is_visible()
    assert_accessible(page, "parent notice (Spanish)")
    page.emulate_media(media="print")
    assert page.pdf(format="Letter")[:4] == b"%PDF"


def test_the_exports_page_fits_a_1280_px_window(live_url, new_page, assert_accessible, world, administration,
                                                tmp_path):
    page = new_page("desktop")
    sign_in(page, live_url, "staff1@d1.example")
    page.goto(f"{live_url}/exports/administrations/{administration.id}")
    assert page.get_by_role("heading", name="How the files are protected").is_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(tmp_path / "exports-1280.png"), full_page=True)
    assert widths[0] <= widths[1] == 1280, f"the page is {widths[0]} px wide in a {widths[1]} px window"
    assert_accessible(page, "exports page")


def test_deleting_asks_first_and_a_collecting_report_says_when_results_come(live_url, new_page, assert_accessible,
                                                                             world, administration):
    from climate.models import Administration

    page = new_page("desktop")
    sign_in(page, live_url, "staff1@d1.example")
    page.goto(f"{live_url}/reports/schools/{world.school_a.id}?administration={administration.id}")
    assert page.get_by_text("Results appear when the administration closes and is scored").is_visible()
    assert page.get_by_text("Response rate so far at School A").is_visible()
    assert_accessible(page, "report of an administration still collecting")

    page.goto(f"{live_url}/administrations/{administration.id}")
    page.get_by_role("link", name="Delete this administration…").click()
    page.wait_for_url(f"**/administrations/{administration.id}/confirm-delete")
    assert page.get_by_role("heading", name="Delete Spring survey?").is_visible()
    assert_accessible(page, "delete confirmation")
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_url(f"**/administrations/{administration.id}")
    assert db.session.get(Administration, administration.id) is not None
    page.get_by_role("link", name="Delete this administration…").click()
    page.get_by_role("button", name="Yes, delete Spring survey").click()
    page.wait_for_url("**/administrations")
    assert page.get_by_role("status").get_by_text("The administration 'Spring survey' was deleted.").is_visible()
    db.session.expire_all()
    assert db.session.scalars(select(Administration)).all() == []
