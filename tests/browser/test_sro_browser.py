"""A principal reads Cedar Middle's SRO section in the demo and finds its evidence in the SECURe
action items, in English and in Spanish; both pages have no axe-core WCAG 2.1 A/AA violations."""
import pytest
from sqlalchemy import select

from climate.extensions import db
from climate.models import School, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

KNOW = {"en": "I know the police officer who works at this school.",
        "es": "Conozco al policía que trabaja en esta escuela."}


@pytest.fixture
def demo(demo_app):
    from climate.commands.demo_data import PRINCIPAL_EMAIL

    principal = db.session.scalar(select(User).where(User.email == PRINCIPAL_EMAIL))
    principal.set_password(PASSWORD)
    db.session.commit()
    return PRINCIPAL_EMAIL, db.session.scalar(select(School.id).where(School.name == "Cedar Middle"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_principal_reads_cedar_middles_sro_section_and_its_evidence(demo_live_url, new_page, assert_accessible, demo,
                                                                   lang):
    live_url = demo_live_url
    email, cedar = demo
    page = new_page("desktop")
    page.goto(f"{live_url}/auth/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(f"{live_url}/")

    page.goto(f"{live_url}/reports/schools/{cedar}?lang={lang}#sro")
    section = page.locator("section#sro")
    assert section.locator("#sro-heading").is_visible()
    findings = section.locator("ul.sro-findings > li")
    assert findings.count() >= 1
    first = findings.first.inner_text()
    assert "%" in first and any(ch.isdigit() for ch in first)
    students = section.locator('table.sro-items[data-group="student"] tbody tr')
    assert students.count() == 6
    assert students.first.locator("th").inner_text() == KNOW[lang]
    assert students.first.locator("td.agree").inner_text().endswith("%")
    assert section.locator('table.sro-subgroups[data-group="student"][data-subgroup="grade"]').count() == 1
    assert_accessible(page, f"school report SRO section ({lang})")

    section.locator(f'a[href$="/improve/schools/{cedar}#sro"]').click()
    page.wait_for_url(f"**/improve/schools/{cedar}#sro")
    page.goto(f"{live_url}/improve/schools/{cedar}?lang={lang}#sro")
    evidence = page.locator("ol.sro-items > li p.sro-evidence")
    assert evidence.count() >= 1
    assert first in evidence.first.inner_text()
    assert_accessible(page, f"SECURe action items with SRO evidence ({lang})")
