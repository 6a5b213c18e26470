"""The staff side in Spanish in a real (headless) browser: a principal uses the header's language
switch, works through the improvement pages in Spanish (a form post included), and switches back;
every page has no axe-core WCAG 2.1 A/AA violations, and the switch works with JavaScript off."""
import re

import pytest

from tests.climate.test_improve import constructed_cells, store_run
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def results(world, administration):
    store_run(administration, constructed_cells(world))
    return administration


def sign_in(page, live_url, email="principal.a@d1.example"):
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")


def test_principal_works_in_spanish_after_the_switch(live_url, new_page, assert_accessible, world, results):
    page = new_page("desktop")
    sign_in(page, live_url)
    assert page.locator("html").get_attribute("lang") == "en"
    switch = page.get_by_role("link", name="Español")
    assert switch.get_attribute("hreflang") == "es" and switch.get_attribute("lang") == "es"
    switch.click()
    page.wait_for_url(f"{live_url}/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_text("Inició sesión como director de:").is_visible()
    assert_accessible(page, "dashboard in Spanish")

    page.get_by_role("link", name="Mejora").click()
    page.wait_for_url("**/improve/")
    assert page.get_by_role("heading", name="De las puntuaciones a la acción").is_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page, "improvement overview in Spanish")

    page.goto(f"{live_url}/improve/schools/{world.school_a.id}/plan")
    assert page.get_by_role("heading", name="Plan de acción: School A").is_visible()
    page.fill("#own-title", "Reuniones mensuales con las familias")
    page.select_option("#own-topic", "relationships")
    page.get_by_role("button", name="Agregar al plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text(
        "Se agregó al plan de Spring survey: Reuniones mensuales con las familias").is_visible()
    assert page.get_by_text("Paso propio").first.is_visible()
    assert_accessible(page, "action plan in Spanish after adding an item")

    page.goto(f"{live_url}/reports/schools/{world.school_a.id}/topics/relationships")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Respuestas a cada pregunta").first.is_visible()
    assert_accessible(page, "topic report in Spanish")

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r".*/topics/relationships$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Answers to each item").first.is_visible()


def test_the_switch_works_without_javascript(live_url, new_page, world):
    page = new_page("phone", java_script_enabled=False)
    sign_in(page, live_url, "staff1@d1.example")
    page.goto(f"{live_url}/administrations")
    page.get_by_role("link", name="Español").click()
    page.wait_for_url(f"{live_url}/administrations")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Administraciones").is_visible()
    page.goto(f"{live_url}/district/schools")
    assert page.get_by_role("heading", name="Escuelas").is_visible()
