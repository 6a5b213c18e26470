"""The principal's summary at the top of the school report, and the family results a parent reads,
in a real (headless) browser: in English and Spanish, axe-clean, and the one-page summary prints
on one US Letter page."""
import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def scored(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 15,
              (world.school_a.id, "parent"): 60, (world.school_b.id, "parent"): 40}
    return scored_run("test_family_browser.scored", counts, seed=5)


def sign_in(page, live_url, email="principal.a@d1.example"):
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF Chromium printed (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_principal_reads_the_summary_at_the_top_of_the_report(live_url, new_page, assert_accessible, world,
                                                              scored, lang):
    page = new_page("desktop")
    sign_in(page, live_url)
    page.goto(f"{live_url}/reports/schools/{world.school_a.id}?lang={lang}")
    summary = page.locator("#summary")
    # the summary comes before every table of the report
    assert page.locator("section").first.get_attribute("id") == "summary"
    strengths, concerns = summary.locator(".summary-strengths li"), summary.locator(".summary-concerns li")
    assert strengths.count() <= 3 and concerns.count() <= 3 and strengths.count() + concerns.count() > 0
    for block, items in ((".summary-strengths", strengths), (".summary-concerns", concerns)):
        if items.count() < 3:  # fewer than three stand out: the summary says so
            assert summary.locator(f"{block} p.empty").is_visible()
    for item in (strengths.all() + concerns.all())[:2]:
        assert re.fullmatch(r"\d{3}", item.locator(".summary-score").inner_text())
        assert re.search(r"\d{3}–\d{3}", item.locator(".summary-interval").inner_text())
        assert re.search(r"\(\d{3}\)", item.locator(".summary-comparison").inner_text())
    assert summary.locator(".summary-rates li").count() == 3
    link = summary.locator(".summary-next a")
    assert link.get_attribute("href").startswith(f"/improve/schools/{world.school_a.id}")
    # level percentages beside each scale score
    first_row = page.locator('table.score-table[data-group="student"] tbody tr').first
    assert first_row.locator("td.level-pct").count() == 3
    assert all(re.fullmatch(r"\d+%", t) for t in first_row.locator("td.level-pct").all_inner_texts())
    assert_accessible(page, f"school report with summary ({lang})")
    link.click()
    page.wait_for_url(f"**/improve/schools/{world.school_a.id}**")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_parent_opens_the_family_summary_and_it_prints_on_one_letter_page(live_url, new_page, assert_accessible,
                                                                         world, scored, lang):
    page = new_page("desktop")
    sign_in(page, live_url)
    page.goto(f"{live_url}/reports/schools/{world.school_a.id}")
    page.locator(".report-links a", has_text="Results for families").click()
    page.wait_for_url(f"**/reports/schools/{world.school_a.id}/family**")
    if lang == "es":
        page.get_by_role("link", name="Versión en español").click()
        page.wait_for_url("**lang=es**")
    assert page.locator("html").get_attribute("lang") == lang
    heading = {"en": "What parents and guardians said", "es": "Lo que dijeron los padres y tutores"}[lang]
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.locator("table.parent-table tbody tr").count() > 20
    assert_accessible(page, f"family results ({lang})")
    assert pdf_pages(page.pdf(format="Letter")) > 1  # every parent question: more than a page (the count works)

    summary_name = {"en": "One-page summary to print", "es": "Resumen de una página para imprimir"}[lang]
    page.get_by_role("link", name=summary_name).click()
    page.wait_for_url("**/family/summary**")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(".highlight-best li").count() == 3 and page.locator(".highlight-worst li").count() == 3
    assert all(re.search(r"\d+%", t) for t in page.locator(".highlight-best li").all_inner_texts())
    assert page.locator("table.domain-table tbody tr").count() == 3
    if lang == "es":
        assert page.get_by_role("link", name="English version").is_visible()
        assert "Seguridad" in page.locator("table.domain-table").inner_text()
    assert_accessible(page, f"family one-page summary ({lang})")

    page.emulate_media(media="print")
    assert not page.locator("nav.toolbar").is_visible()  # the staff toolbar is not printed
    assert pdf_pages(page.pdf(format="Letter", print_background=True)) == 1
