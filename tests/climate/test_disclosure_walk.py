"""A determined reader of everything a principal and district staff can reach for one administration
with small groups (issue 11): every report page (school, print, parents, each topic), the comparison
in both views with every topic's subgroup gaps and its CSV, response rates, the improvement pages,
the exports page, the group-results CSV and both tiers of every group's response file.

No hidden value can be recovered:
* no hidden cell shows a number on any page or in any CSV;
* by direct subtraction: wherever the published counts leave a set of 1..N-1 respondents unshown
  (a school total minus its shown categories, a district cell minus its shown school cells), the
  published rounded means leave that set's mean a range of at least the protection width;
* by the audit's linear programs: the stored decision passes ``surveys.disclosure.audit`` (every
  measure, domains as means of topics, two background questions crossed) on the true scores;
* the shareable response file names no school beside a category its reports hide.
The restricted file holds every answer by design: it is district staff's only (principals get 403)."""
import csv
import html
import io
import re
from collections import defaultdict

import pytest

from climate.administer.service import pinned_instrument
from climate.disclosure import stored_decision
from climate.scoring import reference_calibration, score_group
from surveys.disclosure import DEFAULT_WIDTH, SCORE_RANGE, audit
from surveys.domain import TOPICS

COUNTS = {"student": (170, 46), "instructional_staff": (26, 17), "parent": (44, 9)}
LABELS = ("Fewer than 10 respondents", "Hidden so that a smaller group's results can't be worked out",
          "Hidden because this group changed by fewer than 10 respondents since the last published results",
          "Hidden to protect respondents' privacy")


@pytest.fixture
def published(administration, world, scored_run):
    counts = {(school.id, group): n for group, ns in COUNTS.items()
              for school, n in zip((world.school_a, world.school_b), ns)}
    run = scored_run("test_disclosure_walk.published", counts, seed=23)
    assert run.published_at is not None, run.audit_message
    truth = []
    for agroup in administration.groups:
        instrument, _ = pinned_instrument(agroup)
        _, sg = score_group(administration, agroup, reference_calibration(agroup.respondent_group, instrument))
        truth.append(sg)
    return administration, run, truth


def urls(administration, world, groups):
    a, schools = administration.id, (world.school_a.id, world.school_b.id)
    out = ["/reports/comparison", "/reports/comparison?view=difference", "/reports/comparison.csv",
           "/reports/comparison.csv?view=difference", f"/reports/response-rates?administration={a}",
           "/improve/", "/improve/sro", "/improve/plans", f"/exports/administrations/{a}",
           f"/exports/administrations/{a}/results.csv", f"/exports/administrations/{a}/notes.txt"]
    for g in groups:
        out += [f"/reports/comparison?group={g}", f"/reports/comparison.csv?group={g}"]
        out += [f"/reports/comparison?group={g}&gaps={t}&gapsby=all" for t in TOPICS]
        for tier in ("shareable", "restricted"):
            out += [f"/exports/administrations/{a}/{g}/{tier}/responses.csv",
                    f"/exports/administrations/{a}/{g}/{tier}/notes.txt"]
    for s in schools:
        out += [f"/reports/schools/{s}", f"/reports/schools/{s}/print", f"/reports/schools/{s}/parents",
                f"/improve/schools/{s}", f"/improve/schools/{s}/sro", f"/improve/schools/{s}/plan"]
        out += [f"/reports/schools/{s}/topics/{t}" for t in TOPICS]
    return out


def walk(client, auth, email, pages):
    auth.sign_in(email)
    seen = {}
    for url in pages:
        r = client.get(url)
        assert r.status_code in (200, 302, 403, 404), (email, url, r.status_code)
        seen[url] = (r.status_code, r.get_data(as_text=True))
    auth.sign_out()
    return seen


def hidden_texts_have_no_number(url, body):
    for inner in re.findall(r'<(?:td|span)[^>]*class="[^"]*suppressed[^"]*"[^>]*>(.*?)</(?:td|span)>', body, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner))
        for label in LABELS:
            text = text.replace(label, "")
        assert not re.search(r"\d", text), (url, inner)
    for row in re.findall(r'<tr data-value="[^"]*">.*?</tr>', body, re.S):
        if 'class="suppressed"' in row:
            cells = html.unescape(re.sub(r"<th.*?</th>", "", row, flags=re.S))
            for label in LABELS:
                cells = cells.replace(label, "")
            assert not re.search(r">\s*\d+\s*<", cells), (url, row)


def published_table(text):
    """key (school, group, measure, subgroup, value) -> (n, mean) of the reported score cells."""
    out, hidden = {}, set()
    for row in csv.DictReader(io.StringIO(text)):
        if row["measure_kind"] not in ("topic", "domain"):
            continue
        key = (row["school"], row["group"], row["measure"], row["subgroup"], row["subgroup_value"])
        if row["status"] == "suppressed":
            assert row["n"] == row["mean"] == "", row
            hidden.add(key)
        else:
            out[key] = (int(row["n"]), float(row["mean"]))
    return out, hidden


def unshown_ranges(table):
    """What subtraction gives a reader of the published table: for every school total (and the
    district's) minus its shown categories, and every district cell minus its shown school cells,
    (count left, lowest and highest mean of those left), from the exact n and the whole-point means."""
    lo_s, hi_s = SCORE_RANGE
    by_total = defaultdict(list)
    by_column = defaultdict(list)
    for (school, group, measure, var, value), nm in table.items():
        if var:
            by_total[(school, group, measure, var)].append(nm)
            if school != "District":
                by_column[(group, measure, var, value)].append(nm)
    out = []

    def left(whole, parts, what):
        k = whole[0] - sum(n for n, _ in parts)
        if k <= 0:
            return
        low = (whole[0] * (whole[1] - 0.5) - sum(n * (m + 0.5) for n, m in parts)) / k
        high = (whole[0] * (whole[1] + 0.5) - sum(n * (m - 0.5) for n, m in parts)) / k
        out.append((what, k, max(low, lo_s), min(high, hi_s)))

    for (school, group, measure, var), parts in by_total.items():
        whole = table.get((school, group, measure, "", ""))
        if whole:
            left(whole, parts, (school, group, measure, var))
    for (group, measure, var, value), parts in by_column.items():
        whole = table.get(("District", group, measure, var, value))
        if whole:
            left(whole, parts, ("District", group, measure, var, value))
    return out


def test_a_determined_reader_of_every_page_and_csv_recovers_no_hidden_value(published, world, client, auth):
    administration, run, truth = published
    groups = [g.respondent_group for g in administration.groups]
    pages = urls(administration, world, groups)
    staff = walk(client, auth, "staff1@d1.example", pages)
    principal = walk(client, auth, "principal.a@d1.example", pages)
    N = run.min_n
    # principals get no restricted file and no other school's page
    for url, (status, _) in principal.items():
        if "/restricted/" in url or f"/schools/{world.school_b.id}" in url:
            assert status in (403, 404), url
    assert all(staff[u][0] == 200 for u in pages if "/restricted/responses" in u or "/reports/schools/" in u)
    for seen in (staff, principal):
        for url, (status, body) in seen.items():
            if status == 200 and "/restricted/" not in url:
                hidden_texts_have_no_number(url, body)

    # the complete published table (district staff's group-results CSV)
    table, hidden = published_table(staff[f"/exports/administrations/{administration.id}/results.csv"][1])
    assert hidden and table
    names = {world.school_a.id: world.school_a.name, world.school_b.id: world.school_b.name, None: "District"}
    true_cells = {(names[c["school_id"]], c["group"], c["measure"], c.get("subgroup") or "",
                   c.get("subgroup_value") or ""): c for sg in truth for c in sg.cells
                  if c["measure_kind"] in ("topic", "domain")}
    for key in hidden:  # a hidden cell's number is nowhere in the table
        assert key not in table and true_cells[key]["n"] > 0
    small_sets = 0
    for what, k, low, high in unshown_ranges(table):
        if k < N:
            small_sets += 1
            assert high - low >= DEFAULT_WIDTH, (what, k, low, high)
    assert small_sets, "the fixture should leave small unshown sets (non-answerers, small categories)"

    # the audit's linear programs, on the true scores, against what was stored with the revision
    decision = stored_decision(run)
    for sg in truth:
        if not sg.topics:
            continue
        facts, values, domains = sg.facts()
        result = audit(facts, values, decision, domains=domains)
        assert result.ok and result.n_sets > 0, result.message()

    # the shareable file names no school beside a category its reports hide
    checked = 0
    for agroup in administration.groups:
        group = agroup.respondent_group
        body = staff[f"/exports/administrations/{administration.id}/{group}/shareable/responses.csv"][1]
        rows = list(csv.DictReader(io.StringIO(body)))
        column_of = {b.subgroup: b.id for b in pinned_instrument(agroup)[0].background}
        for school, g, _, var, value in hidden:
            column = column_of.get(var)
            if g != group or not var or school == "District" or not rows or column not in rows[0]:
                continue
            checked += 1
            assert not [r for r in rows if r["SCHOOL"] == school and r[column] == value], (group, school, var, value)
    assert checked
