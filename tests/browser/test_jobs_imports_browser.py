"""The scoring status on the administration page and the import list on the exports page in a real
(headless) browser: a failed scoring job shows its error and "Score again" queues a new one; an
import is listed and undone. Every page visited has no axe-core WCAG 2.1 A/AA violations."""
import pytest
from sqlalchemy import func, select

from climate.exports.importing import import_responses
from climate.extensions import db
from climate.models import Job, Response
from tests.climate.test_exports import _paper_csv
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_score_again_and_undo_an_import(live_url, new_page, assert_accessible, world, administration):
    admin_id = administration.id
    db.session.add(Job(administration_id=admin_id, state="failed", attempts=3,
                       error="InstrumentError: the pinned questionnaire is damaged"))
    data, _ = _paper_csv(administration, [["1", "2", "3", "4", "1", "7", "1", "0", "1"]])
    import_responses(administration, "student", data, world.school_a, user=world.staff1)
    page = new_page("desktop")
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", world.staff1.email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")

    page.goto(f"{live_url}/administrations/{admin_id}")
    assert page.get_by_text("The last attempt failed: InstrumentError").is_visible()
    assert_accessible(page, "administration page with a failed scoring job")
    page.get_by_role("button", name="Score again").click()
    page.wait_for_url(f"**/administrations/{admin_id}#scoring")
    assert page.get_by_text("Scoring is queued").first.is_visible()
    assert_accessible(page, "administration page with a queued scoring job")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.state == "queued")) == 1

    page.goto(f"{live_url}/exports/administrations/{admin_id}")
    assert page.get_by_role("cell", name=world.staff1.email).is_visible()
    assert_accessible(page, "exports page with an import")
    page.get_by_role("button", name="Undo this import").click()
    page.wait_for_url(f"**/exports/administrations/{admin_id}#imports")
    assert page.get_by_text("The import was undone: 1 students responses were deleted.").is_visible()
    assert_accessible(page, "exports page after undoing an import")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
