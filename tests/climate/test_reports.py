"""Reports for principals and district staff: what users see equals the stored results."""
import csv
import datetime as dt
import io
import math
import re
from html import unescape

import pytest
from scipy.stats import t as student_t

from climate import results
from climate.administer.service import create_administration
from climate.extensions import db
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from surveys.domain import DOMAINS, SCALED_TOPICS, TOPIC_LABELS
from surveys.stats import difference


@pytest.fixture
def scored(administration, world, scored_run):
    """The fixture administration filled with simulated respondents and scored. School A has many
    students, school B fewer; school A has 8 parents only (parent items suppressed there)."""
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 18,
              (world.school_a.id, "parent"): 40, (world.school_b.id, "parent"): 6}
    return administration, scored_run("test_reports.scored", counts, seed=7)


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


HIDDEN_LABELS = ("Fewer than", "Hidden so that", "Hidden because")


def honest_labels(run):
    """The words a page may show in place of a hidden cell (surveys.disclosure.REASON_TEXT)."""
    from surveys.disclosure import REASON_TEXT
    return {text.format(n=run.min_n) for text in REASON_TEXT.values()}


def test_topic_page_shows_item_distributions_and_suppressed_subgroups(scored, world, client, auth):
    administration, run = scored
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}/topics/relationships").get_data(as_text=True)
    from climate.administer.service import pinned_instrument
    inst = pinned_instrument(administration.group("student"))[0]
    items = inst.topic_items("relationships")
    mine = results.index_cells(results.cells(run, school_id=world.school_a.id, measure_kind="item"))
    tables = re.findall(r'<table class="data item-table">.*?</table>', html, re.S)
    student_rows = {r[0]: r for t in tables for r in rows_of(t, "item-table")[1:]}
    first = items[0]
    cell = mine[(world.school_a.id, "student", "item", first.id, None, None)]
    row = student_rows[first.text["en"]]
    display = [cell["pct"][first.score_code(p)] for p in (1, 2, 3, 4)]
    assert row[1:5] == [f"{p:.0f}%" for p in display]
    assert row[5] == f"{cell['pct_favourable']:.0f}%"
    # category labels in display order head the table
    header = rows_of(tables[0], "item-table")[0]
    assert header[1:5] == list(first.scale.labels["en"])
    # students and staff side by side, parents not on topic pages
    assert 'id="panel-student"' in html and 'id="panel-instructional_staff"' in html
    assert 'id="panel-parent"' not in html
    # subgroups: suppressed cells say so and are never shown as a number or blank
    subs = results.cells(run, school_id=world.school_a.id, measure_kind="topic", measure="relationships",
                         subgroup=True)
    suppressed = [c for c in subs if c["suppressed"]]
    assert suppressed, "the fixture should produce small subgroups"
    for table in re.findall(r'<table class="data subgroup-table".*?</table>', html, re.S):
        for r in rows_of(table, "subgroup-table")[1:]:
            assert r[1], r
            if r[1].startswith(HIDDEN_LABELS):
                assert r[1] in honest_labels(run) and r[2] == "—"
            else:
                assert re.match(r"^\d+ ", r[1]) and r[2].isdigit() and int(r[2]) >= run.min_n
    staff_role = [c for c in subs if c["group"] == "instructional_staff" and c["subgroup"] == "role"]
    shown = text_of(html)
    assert all(c["suppressed"] for c in staff_role) and f"Fewer than {run.min_n} respondents" in shown
    assert client.get(f"/reports/schools/{world.school_a.id}/topics/nonsense").status_code == 404


def test_parent_page_shows_items_and_suppresses_small_schools(scored, world, client, auth):
    administration, run = scored
    auth.sign_in("staff1@d1.example")
    # 6 parents at school B: hidden, and school A's items too (else B = district - A)
    for school in (world.school_a, world.school_b):
        cells_ = results.cells(run, school_id=school.id, group="parent", measure_kind="item")
        assert cells_ and all(c["suppressed"] for c in cells_)
        html = client.get(f"/reports/schools/{school.id}/parents").get_data(as_text=True)
        assert "Parent and guardian results" in html and 'role="img"' in html
        tables = re.findall(r'<table class="data item-table">.*?</table>', html, re.S)
        assert tables
        for table in tables:
            for r in rows_of(table, "item-table")[1:]:
                assert r[1] in honest_labels(run) and "0%" not in r[1:], r
    # a re-score is a new revision: cells hidden in a published revision stay hidden (else the two
    # revisions together would give them), so 40 more parents at B still show neither school
    simulate_administration(administration, {(world.school_b.id, "parent"): 40}, seed=8)
    run = score_administration(administration)
    assert run.revision == 2 and run.published_at is not None
    html = client.get(f"/reports/schools/{world.school_a.id}/parents").get_data(as_text=True)
    assert "Results revision 2, published" in html and "revision 1 (" in html
    for school in (world.school_a, world.school_b):
        cells_ = results.cells(run, school_id=school.id, group="parent", measure_kind="item")
        assert cells_ and all(c["suppressed"] and c["n"] is None for c in cells_)


def test_comparison_sorts_filters_and_the_csv_equals_the_table(scored, world, client, auth):
    administration, run = scored
    from climate.models import School
    extra = School(district_id=world.d1.id, name="Elm Elementary", level="elementary", grade_low=0, grade_high=5,
                   enrollment_student=100)
    db.session.add(extra)
    db.session.commit()
    auth.sign_in("staff1@d1.example")
    html = client.get("/reports/comparison?sort=relationships&dir=desc").get_data(as_text=True)
    table = rows_of(html, "comparison-table")
    header, body, district_row = table[0], table[1:-1], table[-1]
    col = header.index("Relationships")
    values = [float(r[col]) for r in body]
    assert values == sorted(values, reverse=True) and len(body) == 2  # the extra school is in no administration
    mine = results.index_cells(results.cells(run, group="student", measure_kind="topic"))
    for r in body:
        school_id = world.school_a.id if r[0] == "School A" else world.school_b.id
        assert r[col] == f"{mine[(school_id, 'student', 'topic', 'relationships', None, None)]['mean']:.0f}"
    assert district_row[0] == "District mean"
    assert district_row[col] == f"{mine[(None, 'student', 'topic', 'relationships', None, None)]['mean']:.0f}"
    asc = rows_of(client.get("/reports/comparison?sort=relationships&dir=asc").get_data(as_text=True),
                  "comparison-table")
    assert [r[0] for r in asc[1:-1]] == [r[0] for r in reversed(body)]
    # cells are coloured by level
    assert re.search(r'<td class="num level-(least_favorable|favorable|most_favorable)', html)
    # level filter
    high = rows_of(client.get("/reports/comparison?level=high").get_data(as_text=True), "comparison-table")
    assert [r[0] for r in high[1:-1]] == ["School B"]
    # the CSV gives exactly the table shown, for every view
    for query in ("sort=relationships&dir=desc", "level=high", "view=difference&sort=bullying&dir=asc",
                  "group=instructional_staff&sort=n&dir=desc"):
        page = rows_of(client.get("/reports/comparison?" + query).get_data(as_text=True), "comparison-table")
        response = client.get("/reports/comparison.csv?" + query)
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
        got = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert got == page, query
    # staff cells: subgroup by role suppressed, whole-school cells shown; difference view marks intervals
    diff = rows_of(client.get("/reports/comparison?view=difference").get_data(as_text=True), "comparison-table")
    assert all("±" in c for r in diff[1:-1] for c in r[3:])
    # replacing B's staff responses by 4 removes respondents from the published revision: that run
    # is stored unpublished with the reason, and the comparison keeps showing revision 1
    before = rows_of(client.get("/reports/comparison?group=instructional_staff").get_data(as_text=True),
                     "comparison-table")
    low = {(world.school_b.id, "instructional_staff"): 4}
    simulate_administration(administration, low, seed=9, replace=True)
    run2 = score_administration(administration)
    assert run2.published_at is None and not run2.is_current and "responses were removed" in run2.audit_message
    staff = rows_of(client.get("/reports/comparison?group=instructional_staff").get_data(as_text=True),
                    "comparison-table")
    assert staff == before
    csv_rows = list(csv.reader(io.StringIO(client.get(
        "/reports/comparison.csv?group=instructional_staff").get_data(as_text=True))))
    assert csv_rows == staff
    assert run2.id != run.id


def test_comparison_gaps_are_flagged_only_beyond_their_interval(scored, world, client, auth):
    administration, run = scored
    auth.sign_in("staff1@d1.example")
    total = 0
    for topic in SCALED_TOPICS["student"]:
        html = client.get(f"/reports/comparison?gaps={topic}&gapsby=all").get_data(as_text=True)
        subs = results.cells(run, group="student", measure_kind="topic", measure=topic, subgroup=True)
        expected = 0
        for school in (world.school_a, world.school_b):
            for var in {c["subgroup"] for c in subs}:
                shown = [c for c in subs if c["school_id"] == school.id and c["subgroup"] == var
                         and not c["suppressed"] and c["se"] is not None]
                if len(shown) >= 2:
                    d = difference(max(shown, key=lambda c: c["mean"]), min(shown, key=lambda c: c["mean"]))
                    expected += d.significant
        found = len(rows_of(html, "gap-table")) - 1 if "gap-table" in html else 0
        assert found == expected, topic
        total += found
    by_grade = client.get("/reports/comparison?gaps=relationships").get_data(as_text=True)
    assert 'value="grade" selected' in by_grade
    if "gap-table" in by_grade:
        assert {r[1] for r in rows_of(by_grade, "gap-table")[1:]} == {"Grade"}


@pytest.fixture
def two_years(administration, world):
    """An earlier, closed administration of the same schools and the fixture one, simulated with a
    change between them, both scored (same reference calibrations)."""
    now = dt.datetime.now().replace(microsecond=0)
    earlier = create_administration(world.d1, "Last year", now - dt.timedelta(days=800),
                                    now - dt.timedelta(days=430), [world.school_a, world.school_b],
                                    ["student", "instructional_staff"])
    earlier.closed_processed_at = now
    db.session.commit()
    big = {(world.school_a.id, "student"): 300, (world.school_b.id, "student"): 60,
           (world.school_a.id, "instructional_staff"): 20}
    simulate_administration(earlier, big, seed=11, effects_seed=5)
    simulate_administration(administration, big, seed=12, effects_seed=5, change_seed=3)
    first = score_administration(earlier)
    second = score_administration(administration)
    return earlier, first, administration, second


def test_trend_marks_only_changes_larger_than_their_interval(two_years, world, client, auth):
    earlier, first, later, second = two_years
    assert results.previous_administration(later, school_id=world.school_a.id).id == earlier.id
    old = results.index_cells(results.cells(first, school_id=world.school_a.id, group="student"))
    new = results.index_cells(results.cells(second, school_id=world.school_a.id, group="student"))
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    trend = {r[0]: r for r in rows_of(html, "trend-table", ' data-group="student"')[1:]}
    marked = unmarked = 0
    for key, cell in new.items():
        if key[2] == "item":
            continue
        d = difference(cell, old[key])
        label = TOPIC_LABELS[key[3]]["en"] if key[2] == "topic" else key[3].capitalize()
        row = trend[label]
        assert row[1] == f"{old[key]['mean']:.0f}" and row[2] == f"{cell['mean']:.0f}"
        # Welch t interval (both cells carry n), as surveys.stats.difference computes it
        se = math.hypot(cell["se"], old[key]["se"])
        df = se ** 4 / (cell["se"] ** 4 / (cell["n"] - 1) + old[key]["se"] ** 4 / (old[key]["n"] - 1))
        q = student_t.ppf(0.975, df)
        lo, hi = d.diff - q * se, d.diff + q * se
        if lo > 0 or hi < 0:
            assert row[3].startswith("▲" if d.diff > 0 else "▼"), row
            marked += 1
        else:
            assert "no clear change" in row[3] and "▲" not in row[3] and "▼" not in row[3], row
            unmarked += 1
    assert marked and unmarked
    # the earlier administration can be chosen and has no trend of its own
    html_old = client.get(f"/reports/schools/{world.school_a.id}?administration={earlier.id}").get_data(as_text=True)
    assert "trend-table" not in html_old and "Last year" in html_old


def test_access_rules(scored, world, client, auth):
    administration, run = scored
    a, b, c = world.school_a.id, world.school_b.id, world.school_c.id
    pages = ["/reports/schools/{}", "/reports/schools/{}/print", "/reports/schools/{}/topics/bullying",
             "/reports/schools/{}/parents"]
    for page in pages + ["/reports/comparison", "/reports/response-rates"]:
        response = client.get(page.format(a))
        assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"], page
    auth.sign_in("principal.a@d1.example")
    for page in pages:
        assert client.get(page.format(a)).status_code == 200, page
        assert client.get(page.format(b)).status_code == 403, page
        assert client.get(page.format(c)).status_code == 404, page
    assert client.get("/reports/comparison").status_code == 403
    assert client.get("/reports/comparison.csv").status_code == 403
    rates = client.get(f"/reports/response-rates?administration={administration.id}").get_data(as_text=True)
    assert "School A" in rates and "School B" not in rates
    auth.sign_out()
    auth.sign_in("staff2@d2.example")
    for page in pages:
        assert client.get(page.format(a)).status_code == 404, page
    html = client.get("/reports/comparison").get_data(as_text=True)
    assert "School A" not in html and "School B" not in html  # district 2 has no results
    assert client.get(f"/reports/comparison?administration={administration.id}").status_code == 404
    assert client.get(f"/reports/response-rates?administration={administration.id}").status_code == 404
    auth.sign_out()
    auth.sign_in("staff1@d1.example")
    for page in pages:
        assert client.get(page.format(b)).status_code == 200, page
        assert client.get(page.format(c)).status_code == 404, page
    assert client.get(f"/reports/schools/{a}?administration=99999").status_code == 404


def test_empty_states_say_when_results_will_appear(administration, world, client, auth):
    auth.sign_in("principal.a@d1.example")
    html = text_of(client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True))
    assert "no results for School A yet" in html and "Spring survey closes on" in html
    auth.sign_out()
    auth.sign_in("staff1@d1.example")
    html = text_of(client.get("/reports/comparison").get_data(as_text=True))
    assert "No administration has results yet" in html and "Spring survey closes on" in html
    assert client.get("/reports/comparison.csv").status_code == 404
    html = text_of(client.get(f"/reports/schools/{world.school_b.id}/topics/bullying").get_data(as_text=True))
    assert "no results for School B yet" in html


def test_response_rates_while_open(administration, world, client, auth):
    simulate_administration(administration, {(world.school_a.id, "student"): 50,
                                             (world.school_b.id, "student"): 20}, seed=1)
    counts = results.response_counts(administration.id)
    auth.sign_in("staff1@d1.example")
    html = client.get("/reports/response-rates").get_data(as_text=True)
    rows = {r[0]: r for r in rows_of(html, "rates-table")[2:]}
    a = counts[(world.school_a.id, "student")]
    # groups in order: students first, then instructional staff, then parents
    assert rows["School A"][1] == str(a["submitted"])
    assert rows["School A"][2] == str(a["started"] - a["submitted"])
    assert rows["School A"][3].startswith(f"{100 * a['submitted'] / 200:.0f}%")
    assert "All shown schools" in rows


def test_print_view_has_charts_legend_date_and_no_inline_script(scored, world, client, auth):
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}/print").get_data(as_text=True)
    assert "print-view" in html and "reports-print.js" in html and "printed on" in html
    assert "Use your browser's Print" in html.replace("&#39;", "'")
    assert "Most Favorable (above 400)" in html and "Favorable (300-400)" in html and "District" in html and "<svg" in html
    assert not re.search(r"<script>(?!</script>)", html) and 'onclick' not in html and 'style="' not in html
    school_page = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    assert f"/reports/schools/{world.school_a.id}/print" in school_page


def test_each_district_compares_only_its_own_schools(scored, world, client, auth):
    now = dt.datetime.now().replace(microsecond=0)
    other = create_administration(world.d2, "District two survey", now - dt.timedelta(days=10),
                                  now + dt.timedelta(days=10), [world.school_c], ["student"])
    db.session.commit()
    simulate_administration(other, {(world.school_c.id, "student"): 40}, seed=4)
    score_administration(other)
    auth.sign_in("staff2@d2.example")
    rows = rows_of(client.get("/reports/comparison").get_data(as_text=True), "comparison-table")
    assert [r[0] for r in rows[1:-1]] == ["School C"]
    csv_rows = list(csv.reader(io.StringIO(client.get("/reports/comparison.csv").get_data(as_text=True))))
    assert csv_rows == rows
    assert client.get(f"/reports/schools/{world.school_c.id}").status_code == 200
    assert client.get(f"/reports/schools/{world.school_a.id}").status_code == 404
    auth.sign_out()
    auth.sign_in("staff1@d1.example")
    rows = rows_of(client.get("/reports/comparison").get_data(as_text=True), "comparison-table")
    assert sorted(r[0] for r in rows[1:-1]) == ["School A", "School B"]
    assert client.get(f"/reports/comparison?administration={other.id}").status_code == 404
