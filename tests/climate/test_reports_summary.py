"""The summary at the top of the school report and the level percentages beside each scale score:
what a principal sees equals the stored, gated cells."""
import re
from html import unescape

import pytest

from climate import results
from climate.reports.summary import minimum_rate, strengths_and_concerns
from surveys.domain import CUT_SCORES, SCALED_TOPICS, TOPIC_LABELS
from surveys.evidence import half_width, smaller_n, strength
from surveys.stats import difference


@pytest.fixture
def scored(administration, world, scored_run):
    """School A: 160 students, 25 instructional staff, 40 parents; school B: 90 students and only 4
    instructional staff (hidden), 6 parents."""
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 4,
              (world.school_a.id, "parent"): 40, (world.school_b.id, "parent"): 6}
    return administration, scored_run("test_reports_summary.scored", counts, seed=11)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def section(html: str, cls: str) -> str:
    m = re.search(r'<div class="' + cls + r'">(.*?)</div>', html, re.S)
    assert m, cls
    return m.group(1)


def items_of(block: str) -> list[tuple[str, str, str]]:
    """(group, topic, text) of each summary item in a strengths or concerns block."""
    return [(g, t, re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", body))).strip()) for g, t, body in re.findall(
        r'<li class="summary-item" data-group="([^"]+)" data-topic="([^"]+)">(.*?)</li>', block, re.S)]


def expected_sides(run, school_id: int, groups=("student", "instructional_staff")):
    """Independently of the app: per shown whole-group topic cell that differs significantly from the
    district or whose whole interval lies beyond a cut, how far it stands out upward and downward (in interval
    half-widths shrunk by n / (n + 30))."""
    up, down = {}, {}
    for g in groups:
        for t in SCALED_TOPICS[g]:
            c = results.index_cells(results.cells(run, school_id=school_id, group=g)).get(
                (school_id, g, "topic", t, None, None))
            d = results.index_cells(results.cells(run, school_id=None, group=g)).get((None, g, "topic", t, None, None))
            if c is None or c["suppressed"]:
                continue
            h = half_width(c)
            u = strength(c["mean"] - CUT_SCORES[1], h, c["n"]) if c["mean"] - h >= CUT_SCORES[1] else 0
            w = strength(CUT_SCORES[0] - c["mean"], h, c["n"]) if c["mean"] + h < CUT_SCORES[0] else 0
            diff = difference(c, d)
            if diff is not None and diff.significant:
                u = max(u, strength(diff.diff, diff.half, smaller_n(c, d)))
                w = max(w, strength(-diff.diff, diff.half, smaller_n(c, d)))
            if u > 0 and u >= w:
                up[(g, t)] = u
            if w > 0 and w > u:
                down[(g, t)] = w
    return up, down


def test_summary_lists_the_strongest_shown_results_with_number_interval_and_comparison(scored, world, client, auth):
    administration, run = scored
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    assert html.index('id="summary-heading"') < html.index('id="participation-heading"')
    up, down = expected_sides(run, world.school_a.id)
    strengths, concerns = items_of(section(html, "summary-strengths")), items_of(section(html, "summary-concerns"))
    assert [(g, t) for g, t, _ in strengths] == sorted(up, key=lambda k: -up[k])[:3]
    assert [(g, t) for g, t, _ in concerns] == sorted(down, key=lambda k: -down[k])[:3]
    assert concerns, "the simulation gives each school a clearly weak topic"
    mine = results.index_cells(results.cells(run, school_id=world.school_a.id))
    district = results.index_cells(results.cells(run, school_id=None))
    for g, t, text in strengths + concerns:
        c, d = mine[(world.school_a.id, g, "topic", t, None, None)], district[(None, g, "topic", t, None, None)]
        assert text.startswith(TOPIC_LABELS[t]["en"])
        assert f": {c['mean']:.0f}," in text
        assert f"95% interval {c['ci_low']:.0f}–{c['ci_high']:.0f}" in text
        diff = difference(c, d)
        assert f"({d['mean']:.0f})" in text
        assert ("the difference is significant" in text) == diff.significant
        assert ("not significant" in text) == (not diff.significant)
    assert 'href="/improve/schools/%d' % world.school_a.id in html


def test_summary_response_rates_say_whether_they_can_be_trusted(scored, world, client, auth):
    administration, _ = scored
    auth.sign_in("staff1@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    rates = results.response_rates(administration, world.school_a)
    found = dict(re.findall(r'<li data-group="([^"]+)" class="(rate-enough|rate-low)">', html))
    for group, (submitted, enrollment) in rates.items():
        enough = submitted / enrollment >= minimum_rate(group)
        assert found[group] == ("rate-enough" if enough else "rate-low"), group
    # 25 of 30 instructional staff is enough; 40 of 150 parents is enough at the 20% rule for parents
    assert found["instructional_staff"] == "rate-enough" and found["parent"] == "rate-enough"
    assert "at least 50% of its members answered (20% for parents and guardians)" in text_of(html)


def test_hidden_cells_never_enter_the_summary_nor_show_level_percentages(scored, world, client, auth):
    _, run = scored
    auth.sign_in("principal.b@d1.example")
    html = client.get(f"/reports/schools/{world.school_b.id}").get_data(as_text=True)
    hidden = [c for c in results.cells(run, school_id=world.school_b.id, group="instructional_staff")
              if c["measure_kind"] in ("topic", "domain")]
    assert hidden and all(c["suppressed"] for c in hidden)
    summary = html[html.index('id="summary"'):html.index('id="participation-heading"')]
    assert 'data-group="instructional_staff" data-topic' not in summary
    table = re.search(r'<table class="data score-table" data-group="instructional_staff">(.*?)</table>', html, re.S)
    rows = dict(re.findall(r'<tr class="row-(?:topic|domain)" data-measure="([^"]+)">(.*?)</tr>', table.group(1), re.S))
    assert len(rows) == len(hidden)
    for c in hidden:
        row = rows[c["measure"]]
        assert re.findall(r'<td class="num suppressed level-pct" colspan="3">(.*?)</td>', row) == [c["label"]]
        assert not re.search(r"\d+%", row) and 'class="num level-pct"' not in row


def test_level_percentages_beside_each_scale_score_equal_the_stored_cells(scored, world, client, auth):
    _, run = scored
    auth.sign_in("principal.a@d1.example")
    for path in (f"/reports/schools/{world.school_a.id}", f"/reports/schools/{world.school_a.id}/print"):
        html = client.get(path).get_data(as_text=True)
        table = re.search(r'<table class="data score-table" data-group="student">(.*?)</table>', html, re.S).group(1)
        assert [text_of(h) for h in re.findall(r'<th scope="col" class="num level-pct">(.*?)</th>', table)] == \
            ["% Least Favorable", "% Favorable", "% Most Favorable"]
        rows = dict(re.findall(r'<tr class="row-(?:topic|domain)" data-measure="([^"]+)">(.*?)</tr>', table, re.S))
        checked = 0
        for c in results.cells(run, school_id=world.school_a.id, group="student"):
            if c["measure_kind"] not in ("topic", "domain") or c["subgroup"] or c["suppressed"]:
                continue
            shown = re.findall(r'<td class="num level-pct">(.*?)</td>', rows[c["measure"]])
            assert shown == [f"{p:.0f}%" for p in c["pct_levels"]], c["measure"]
            checked += 1
        assert checked > 10


def _group(label, group, rows):
    return {"group": group, "label": label, "scaled": True, "rate": 0.8, "submitted": 8, "enrollment": 10,
            "rows": [{"kind": "topic", "measure": t, "label": t, "cell": c, "district": d} for t, c, d in rows]}


def _cell(mean, half, n):
    return {"suppressed": False, "mean": mean, "se": half / 1.96, "ci_low": mean - half, "ci_high": mean + half,
            "n": n, "level": None}


def test_a_small_group_whose_wide_interval_reaches_the_cut_is_no_concern():
    district = _cell(320, 3, 2000)
    small = _group("Noninstructional staff", "noninstructional_staff",
                   [("discipline", _cell(240, 80, 10), district)])
    large = _group("Students", "student", [("bullying", _cell(285, 6, 300), district),
                                           ("relationships", _cell(330, 6, 300), district),
                                           ("discipline", {"suppressed": True, "mean": None, "se": None, "n": None,
                                                           "ci_low": None, "ci_high": None, "level": None}, district)])
    # 310 is 10 points below the district, but within the difference's interval: not a concern
    unclear = _group("Instructional staff", "instructional_staff", [("bullying", _cell(310, 20, 25), district)])
    strengths, concerns = strengths_and_concerns([small, large, unclear])
    # 240 +/- 80 from 10 people: below 300, but its interval reaches back over the cut and over the district
    assert [(c["group"], c["topic"]) for c in concerns] == [("student", "bullying")]
    clear_small = _group("Noninstructional staff", "noninstructional_staff",
                         [("discipline", _cell(240, 30, 10), district)])
    _, concerns = strengths_and_concerns([clear_small, large])
    assert [(c["group"], c["topic"]) for c in concerns] == [("student", "bullying"),
                                                            ("noninstructional_staff", "discipline")]
    assert [c["topic"] for c in strengths] == ["relationships"]
    # 410 is in the Most Favorable range but clearly below a district at 450: a concern only
    high = _group("Students", "student", [("bullying", _cell(410, 5, 400), _cell(450, 3, 2000))])
    strengths, concerns = strengths_and_concerns([high])
    assert not strengths and [c["topic"] for c in concerns] == ["bullying"]


def test_summary_empty_states_when_fewer_than_three_stand_out(scored, world, client, auth):
    _, run = scored
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    up, down = expected_sides(run, world.school_a.id)
    for cls, found, word in (("summary-strengths", up, "above"), ("summary-concerns", down, "below")):
        block = text_of(section(html, cls))
        if len(found) >= 3:
            assert "shown result" not in block
        elif not found:
            assert f"No shown result is significantly {word}" in block
        else:
            verb = "result is" if len(found) == 1 else "results are"
            assert f"Only {len(found)} shown {verb} significantly {word}" in block
