"""The reports in a real (headless) browser: a principal signs in and opens the school report, a
topic page and the printable view, and reads the report and improvement pages in Spanish; district
staff open the comparison and download its CSV. Every page visited has no axe-core WCAG 2.1 A/AA
violations. Uses the shared fixtures in conftest.py
(skipped with a reason when /usr/bin/chromium is absent, failing instead with CLIMATE_REQUIRE_BROWSER=1)."""
import csv
import io
import os

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("REPORTS_SCREENSHOTS")  # a folder: save PNGs there to look at


@pytest.fixture
def scored(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 18,
              (world.school_a.id, "parent"): 40, (world.school_b.id, "parent"): 30}
    scored_run("test_reports_browser.scored", counts, seed=7)
    return administration


def sign_in(page, live_url, email):
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_principal_reads_the_school_report_topic_and_print_view(live_url, new_page, assert_accessible, world,
                                                                scored):
    page = new_page("desktop")
    sign_in(page, live_url, "principal.a@d1.example")
    page.get_by_role("link", name="School A").click()
    page.wait_for_url(f"**/reports/schools/{world.school_a.id}")
    assert page.get_by_role("heading", name="School A: school climate report").is_visible()
    assert page.get_by_text("Provisional calibration.").is_visible()
    assert page.locator("svg.score-chart").count() >= 4
    assert_accessible(page, "school report")
    shot(page, "school.png")

    page.get_by_role("link", name="Relationships").first.click()
    page.wait_for_url("**/topics/relationships*")
    assert page.locator("svg.dist-chart").count() >= 2
    assert page.get_by_role("heading", name="Instructional staff").is_visible()
    assert_accessible(page, "topic page")
    shot(page, "topic.png")

    page.go_back()
    page.get_by_role("link", name="Printable report").click()
    page.wait_for_url("**/print*")
    assert page.get_by_role("button", name="Print this report").is_visible()
    assert_accessible(page, "print view")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible()
    assert page.locator("svg.score-chart").first.is_visible()
    shot(page, "print.png")
    page.emulate_media(media="screen")

    page = new_page("phone")
    sign_in(page, live_url, "principal.a@d1.example")
    page.goto(f"{live_url}/reports/schools/{world.school_a.id}/parents")
    assert_accessible(page, "parent results on a phone")


def test_district_staff_compare_schools_and_download_the_csv(live_url, new_page, assert_accessible, world, scored):
    page = new_page("desktop", accept_downloads=True)
    sign_in(page, live_url, "staff1@d1.example")
    page.get_by_role("link", name="Compare schools").first.click()
    page.wait_for_url("**/reports/comparison")
    assert_accessible(page, "comparison")
    page.get_by_role("link", name="Relationships").click()
    page.wait_for_url("**sort=relationships**")
    assert page.locator("th[aria-sort=descending]").count() == 1
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap')).map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth"), wide
    shot(page, "comparison.png")
    rows = page.locator("table.comparison-table tbody tr th").all_inner_texts()
    assert sorted(rows) == ["School A", "School B"]
    with page.expect_download() as info:
        page.get_by_role("link", name="Download this table (CSV)").click()
    got = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert [r[0] for r in got[1:-1]] == [r.strip() for r in rows] and got[-1][0] == "District mean"
    page.get_by_role("link", name="Show each school's difference from the district mean").click()
    page.wait_for_url("**view=difference**")
    assert_accessible(page, "comparison, difference view")
    page.goto(f"{live_url}/reports/response-rates")
    assert_accessible(page, "response rates")


def test_a_principal_reads_the_report_and_improvement_pages_in_spanish(live_url, new_page, assert_accessible,
                                                                       world, scored):
    page = new_page("desktop")
    sign_in(page, live_url, "principal.a@d1.example")
    page.locator('a[hreflang="es"]').first.click()  # the header's language switch, kept for the session
    school = world.school_a.id
    pages = {
        f"/reports/schools/{school}": ("Quiénes respondieron", "informe del ambiente escolar"),
        f"/reports/schools/{school}/print": ("School A: informe del ambiente escolar",
                                             "Este es el informe para imprimir"),
        f"/reports/schools/{school}/parents": ("Resultados de madres, padres y tutores en School A",
                                               "pregunta por pregunta"),
        f"/improve/schools/{school}": ("Mejora: School A", "Agentes de recursos escolares (SRO)"),
        f"/improve/schools/{school}/sro": ("Lista de verificación SECURe de School A",
                                           "Guardar la lista de verificación"),
    }
    for path, (heading, words) in pages.items():
        page.goto(f"{live_url}{path}")
        assert page.locator("html").get_attribute("lang") == "es", path
        assert page.get_by_role("heading", name=heading).first.is_visible(), path
        assert words in page.locator("main").inner_text(), path
        assert_accessible(page, f"{path} in Spanish")
