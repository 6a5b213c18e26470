"""The calibrations pages in a real (headless) browser: district staff open the calibrations list,
read an item's fit and DIF on a calibration made from their answers, make it the reference and
re-score the administration with it; every page visited has no axe-core WCAG 2.1 A/AA violations."""
import pytest
from sqlalchemy import select

from climate.extensions import db
from climate.jobs import run_due
from climate.models import Calibration
from climate.research.calibrations import calibrate_administration
from climate.results import current_run
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def calibrated(world, administration):
    simulate_administration(administration, {(world.school_a.id, "student"): 130,
                                             (world.school_b.id, "student"): 130}, seed=11)
    score_administration(administration)
    made = calibrate_administration(administration)
    db.session.commit()
    return next(c for c in made if c.respondent_group == "student")


def test_staff_read_fit_and_dif_make_the_reference_and_rescore(live_url, new_page, assert_accessible, world,
                                                                administration, calibrated):
    cid, first_run = calibrated.id, current_run(administration.id).id
    item = next(iter(calibrated.statistics["topics"]["relationships"]["items"]))
    calibrated_dif = calibrated.statistics["dif"]["topics"]["relationships"]
    page = new_page("desktop")
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", "staff1@d1.example")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")

    page.get_by_role("link", name="Calibrations").click()
    page.wait_for_url("**/research/")
    assert page.get_by_role("table", name="Calibrations for students").is_visible()
    assert_accessible(page, "calibrations list")

    page.get_by_role("link", name=f"{cid}: {calibrated.label}").click()
    page.wait_for_url(f"**/research/calibrations/{cid}")
    fit_row = page.get_by_role("table", name="Relationships: items, thresholds and fit").locator(f"#item-{item}")
    assert fit_row.get_by_text("Fits").or_(fit_row.get_by_text("Misfit:")).is_visible()
    infit = calibrated.statistics["topics"]["relationships"]["items"][item]["infit"]
    assert f"{infit:.2f}" in fit_row.inner_text()
    dif_table = page.get_by_role("table", name="Relationships: DIF by language of the form, sex and grade band "
                                 "(Mantel–Haenszel, ETS classes)")
    dif_row = dif_table.get_by_role("row").filter(has_text="Spanish form vs English form").filter(has_text=item)
    stored = next(d for d in calibrated_dif if d["item"] == item and d["comparison"] == "language")
    assert dif_row.count() == 1
    if stored["suppressed"]:
        assert "fewer than 10 respondents" in dif_row.inner_text()
    else:
        assert f"{stored['delta']:.2f} ({stored['se']:.2f})" in dif_row.inner_text()
        assert dif_row.get_by_role("cell").last.inner_text().startswith(stored["ets_class"])
    assert page.get_by_text("DIF class C").is_visible()
    assert_accessible(page, "calibration page")

    page.get_by_role("button", name="Make this the reference").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text(f"Calibration {cid} is now the reference").is_visible()
    db.session.expire_all()
    assert db.session.get(Calibration, cid).is_reference
    assert_accessible(page, "calibration page after making it the reference")

    page.get_by_role("button", name="Re-score Spring survey with this calibration").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Re-scoring Spring survey with calibration").is_visible()
    assert_accessible(page, "administration page with the re-scoring queued")
    db.session.commit()
    run_due()  # the worker's part
    page.reload()
    assert page.get_by_text("the reports show these results").is_visible()
    db.session.expire_all()
    run = current_run(administration.id)
    assert run.id != first_run and run.calibrations["student"] == cid
    assert_accessible(page, "administration page after re-scoring")
    listing = db.session.scalars(select(Calibration).where(Calibration.is_reference.is_(True),
                                                           Calibration.respondent_group == "student")).all()
    assert [c.id for c in listing] == [cid]
