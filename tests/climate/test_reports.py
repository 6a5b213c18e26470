"""Reports for principals and district staff: what users see equals the stored results."""
import csv
import datetime as dt
import io
import math
import re
from html import unescape

import pytest

from climate import results
from climate.administrations import create_administration
from climate.extensions import db
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from surveys.domain import DOMAINS, SCALED_TOPICS, TOPIC_LABELS


@pytest.fixture
def scored(administration, world):
    """The fixture administration filled with simulated respondents and scored. School A has many
    students, school B fewer; school A has 8 parents only (parent items suppressed there)."""
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 18,
              (world.school_a.id, "parent"): 40, (world.school_b.id, "parent"): 6}
    simulate_administration(administration, counts, seed=7)
    run = score_administration(administration)
    return administration, run


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def rows_of(html: str, table_class: str, attrs: str = "") -> list[list[str]]:
    """The cell texts of a table (thead, tbody and tfoot rows) found by its class (and attributes)."""
    m = re.search(r'<table class="[^"]*\b' + table_class + r'\b[^"]*"' + re.escape(attrs) + r'[^>]*>(.*?)</table>',
                  html, re.S)
    assert m, table_class
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        out.append([re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", re.sub(
            r'<span class="visually-hidden">.*?</span>|<span aria-hidden="true">.*?</span>', "", c, flags=re.S)))).strip()
            for c in cells])
    return out


def test_school_report_shows_stored_scores_district_rate_and_provisional_notice(scored, world, client, auth):
    administration, run = scored
    auth.sign_in("principal.a@d1.example")
    page = client.get(f"/reports/schools/{world.school_a.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    mine = results.index_cells(results.cells(run, school_id=world.school_a.id))
    district = results.index_cells(results.cells(run, school_id=None))
    table = {row[0]: row for row in rows_of(html, "score-table", ' data-group="student"')[1:]}
    checked = 0
    for topic in SCALED_TOPICS["student"]:
        cell = mine[(world.school_a.id, "student", "topic", topic, None, None)]
        dcell = district[(None, "student", "topic", topic, None, None)]
        row = table[TOPIC_LABELS[topic]["en"]]
        assert row[1].split()[0] == f"{cell['mean']:.0f}", (row, cell)
        assert row[3] == f"{dcell['mean']:.0f}"
        assert row[4] == str(cell["n"])
        checked += 1
    assert checked == len(SCALED_TOPICS["student"])
    for domain in DOMAINS:
        cell = mine[(world.school_a.id, "student", "domain", domain, None, None)]
        assert f"{cell['mean']:.0f}" in table[f"{domain.capitalize()} (domain)"][1]
    rates = results.response_rates(administration, world.school_a)
    submitted, enrollment = rates["student"]
    participation = {r[0]: r for r in rows_of(html, "participation")[1:]}
    assert participation["Students"][1] == str(submitted)
    assert participation["Students"][3] == f"{100 * submitted / enrollment:.0f}%"
    assert results.is_provisional(run)
    assert "Provisional calibration" in html
    assert html.count('role="img"') >= 4 and "<desc" in html and "Scale score (100-500)" in html
    assert 'style="' not in html and "<style" not in html
