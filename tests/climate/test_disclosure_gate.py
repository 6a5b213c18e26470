"""The disclosure gate (climate/disclosure.py): scoring stores results only through it, re-scores are
frozen revisions, and pages show nothing of a hidden cell.  The policy's own cases (issue 11) are
tested in tests/surveys/test_disclosure.py."""
import re

import numpy as np
import pytest

from climate import results
from climate.disclosure import ScoredGroup, gate
from climate.extensions import db
from climate.models import GroupResult, ScoringRun
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from surveys import item_disclosure
from surveys.aggregate import item_cells
from surveys.suppression import NUMBER_KEYS

COUNTS = {"student": (160, 90), "instructional_staff": (25, 18), "parent": (40, 6)}


@pytest.fixture
def scored(administration, world, scored_run):
    counts = {(school.id, group): n for group, ns in COUNTS.items() for school, n in zip(
        (world.school_a, world.school_b), ns)}
    return administration, scored_run("test_disclosure_gate.scored", counts, seed=7)


def test_hidden_cells_are_stored_without_numbers_and_with_an_honest_label(scored):
    _, run = scored
    assert run.revision == 1 and run.published_at is not None and run.audit_message == "Disclosure audit passed."
    cells = results.cells(run, subgroup=True) + results.cells(run)
    hidden = [c for c in cells if c["suppressed"]]
    assert hidden and all(c[k] is None for c in hidden for k in NUMBER_KEYS if k in c)
    for c in hidden:
        assert c["reason"] in ("fewer", "complement", "revision") and c["label"]
        if c["reason"] == "fewer":
            assert c["label"] == f"Fewer than {run.min_n} respondents"
    shown = [c for c in cells if not c["suppressed"] and c["mean"] is not None]
    assert shown and all(c["mean"] == round(c["mean"]) for c in shown)  # whole scale points


def test_rescore_after_one_import_is_a_new_revision_hiding_the_changed_cells(scored, world, client, auth):
    administration, run1 = scored
    run1_id = run1.id
    before = {(c["school_id"], c["group"], c["measure"], c["subgroup"], c["subgroup_value"]): c
              for c in results.cells(run1, subgroup=True) + results.cells(run1)}
    simulate_administration(administration, {(world.school_a.id, "student"): 1}, seed=99)
    run2 = score_administration(administration)
    assert run2.revision == 2 and run2.is_current
    after = results.cells(run2, school_id=world.school_a.id, group="student")
    school_total = next(c for c in after if c["measure_kind"] == "domain")
    assert school_total["suppressed"] and school_total["reason"] == "revision"
    assert "changed by fewer than" in school_total["label"]
    # the first revision is still stored as it was, and still shown when asked for
    old = db.session.get(ScoringRun, run1_id)
    assert old.revision == 1 and not old.is_current
    again = {(c["school_id"], c["group"], c["measure"], c["subgroup"], c["subgroup_value"]): c
             for c in results.cells(old, subgroup=True) + results.cells(old)}
    assert again == before
    auth.sign_in("staff1@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}?revision=1").get_data(as_text=True)
    assert "Results revision 1, published" in html
    shown_old = before[(world.school_a.id, "student", school_total["measure"], None, None)]
    assert not shown_old["suppressed"] and f">{shown_old['n']}<" in html.replace(" ", "")
    html2 = client.get(f"/reports/schools/{world.school_a.id}").get_data(as_text=True)
    assert "Results revision 2, published" in html2
    assert client.get(f"/reports/schools/{world.school_a.id}?revision=7").status_code == 404


def test_pages_show_no_number_of_a_hidden_cell(scored, world, client, auth):
    """Walk the school, topic and parent pages: a hidden cell's row shows its label, never a number."""
    administration, run = scored
    auth.sign_in("staff1@d1.example")
    for school in (world.school_a, world.school_b):
        pages = [f"/reports/schools/{school.id}", f"/reports/schools/{school.id}/print",
                 f"/reports/schools/{school.id}/parents"]
        pages += [f"/reports/schools/{school.id}/topics/{t}" for t in ("relationships", "emotional_safety")]
        for url in pages:
            html = client.get(url).get_data(as_text=True)
            assert "Suppressed (fewer than" not in html, url
            for row in re.findall(r'<tr data-value="[^"]*">.*?</tr>', html, re.S):
                if 'class="suppressed"' in row:
                    assert not re.search(r">\s*\d+\s*<", row), (url, row)
    hidden = db.session.query(GroupResult).filter(GroupResult.scoring_run_id == run.id,
                                                  GroupResult.suppressed.is_(True)).count()
    assert hidden


def test_demo_cedar_middle_shows_female_and_grade_7(demo_app):
    from sqlalchemy import select

    from climate.models import Administration, School
    cedar = db.session.scalar(select(School).where(School.name == "Cedar Middle"))
    administration = db.session.scalar(select(Administration).where(Administration.name == "Spring 2026"))
    run = results.current_run(administration.id)
    cells = {(c["subgroup"], c["subgroup_value"]): c for c in results.cells(
        run, school_id=cedar.id, group="student", measure="emotional_safety", subgroup=True)}
    assert not cells[("sex", "1")]["suppressed"] and not cells[("grade", "7")]["suppressed"]


def test_an_unpublished_rescore_is_explained_on_the_administration_page(scored, world, client, auth):
    """Removing a response after publication (e.g. an undone import) would let a reader subtract
    revisions: the re-score is kept unpublished, and district staff see why on the page."""
    from sqlalchemy import delete, select

    from climate.models import Answer, PersonScore, Response
    administration, run1 = scored
    run1_id, admin_id = run1.id, administration.id
    gone = db.session.scalar(select(Response.id).where(Response.administration_id == admin_id,
                                                        Response.school_id == world.school_a.id,
                                                        Response.respondent_group == "student").limit(1))
    db.session.execute(delete(PersonScore).where(PersonScore.response_id == gone))
    db.session.execute(delete(Answer).where(Answer.response_id == gone))
    db.session.execute(delete(Response).where(Response.id == gone))
    db.session.commit()
    run2 = score_administration(administration)
    run2_id, message = run2.id, run2.audit_message
    assert run2.published_at is None and not run2.is_current and message
    assert results.current_run(admin_id).id == run1_id
    auth.sign_in("staff1@d1.example")
    html = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    assert f"Scoring run {run2_id} was not published." in html
    assert "The reports keep showing results revision 1." in html


def test_the_gate_uses_the_settings_the_policy_tests_run_with():
    """tests/surveys/test_disclosure.py's random districts run with APP: the app's own settings."""
    import sys
    from pathlib import Path

    from climate import disclosure
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "surveys"))
    from test_disclosure import APP
    assert APP == {"remainder_complements": disclosure.REMAINDER_COMPLEMENTS,
                   "audited_ties": disclosure.AUDITED_TIES}


def test_a_question_no_cell_is_reported_by_has_no_partition(scored):
    """Parents have no scale scores and their items are reported per school: their grade question
    shows nothing, so none of its categories is hidden (or withheld from the shareable file)."""
    _, run = scored
    assert not [row for row in run.hidden_cells if row[0] == "parent" and row[2] is not None]


def test_the_comparison_shows_the_chosen_revision_and_each_hidden_cells_own_label(scored, world, client, auth):
    """After a one-response import, revision 2 hides school A's changed student cells with the revision
    label on the comparison page and in its CSV; ?revision=1 shows them as first published."""
    administration, run1 = scored
    first = {c["measure"]: c for c in results.cells(run1, school_id=world.school_a.id, group="student",
                                                    measure_kind="topic")}
    simulate_administration(administration, {(world.school_a.id, "student"): 1}, seed=99)
    score_administration(administration)
    auth.sign_in("staff1@d1.example")
    html = client.get("/reports/comparison").get_data(as_text=True)
    assert "Results revision 2, published" in html
    row = re.search(rf'<tr data-school="{world.school_a.id}">.*?</tr>', html, re.S).group(0)
    assert "changed by fewer than" in row and not re.search(r">\s*\d{3}\s*<", row)
    assert "suppressed" not in re.sub(r'class="[^"]*"', "", row)
    old = client.get("/reports/comparison?revision=1").get_data(as_text=True)
    assert "Results revision 1, published" in old
    row1 = re.search(rf'<tr data-school="{world.school_a.id}">.*?</tr>', old, re.S).group(0)
    assert all(f">{c['mean']:.0f}" in row1.replace("<strong>", "") for c in first.values() if not c["suppressed"])
    csv1 = client.get("/reports/comparison.csv?revision=1")
    assert "-r1-" in csv1.headers["Content-Disposition"]
    csv2 = client.get("/reports/comparison.csv").get_data(as_text=True)
    line = next(l for l in csv2.splitlines() if l.startswith(world.school_a.name))
    assert "changed by fewer than" in line
    assert client.get("/reports/comparison?revision=9").status_code == 404


def test_trends_of_an_earlier_revision_show_what_was_current_when_it_was_published(scored, world):
    """A school page of revision 1 takes each trend column from the revision current then."""
    from climate.reports.trends import run_as_of
    administration, run1 = scored
    run1_id = run1.id
    simulate_administration(administration, {(world.school_a.id, "student"): 1}, seed=99)
    run2 = score_administration(administration)
    assert run_as_of(administration, db.session.get(ScoringRun, run1_id)).id == run1_id
    assert run_as_of(administration, run2).id == run2.id == run_as_of(administration, None).id


def _crossed_sro_group():
    """36 students of one school answering one SRO item, scored on no scale: grade 6 is 4 boys,
    grade 7 is 12 girls, grade 8 is 20 boys.  Grade 6 is hidden (4) and grade 7 beside it; crossed
    with the sex table (Female = grade 7), the shown grade 8 would pin grade 6's answer counts."""
    grade = np.array(["6"] * 4 + ["7"] * 12 + ["8"] * 20, dtype=object)
    sex = np.array(["M"] * 4 + ["F"] * 12 + ["M"] * 20, dtype=object)
    codes = np.r_[[0, 1, 2, 3], np.arange(12) % 4, (np.arange(20) * 3) % 4][:, None]
    school = np.full(36, 1)
    subgroups = {"grade": grade, "sex": sex}
    return ScoredGroup("student", np.arange(1, 37), school, subgroups, [], [], np.zeros((36, 0)), ["S_SRO_FAIR"],
                       codes, item_cells(codes, ["S_SRO_FAIR"], "student", school, subgroups))


def test_an_answer_count_the_item_audit_could_not_hide_stops_publication(monkeypatch):
    """The gate publishes only when the SRO item audit removed every pinned answer count: given one
    round instead of its usual budget, the audit stops with grade 6's counts (1 each) still
    pinned, and the run is refused with a message that says so; with the full budget the same
    answers are published."""
    assert gate([_crossed_sro_group()], 10, []).published
    monkeypatch.setattr(item_disclosure, "MAX_ROUNDS", 1)
    refused = gate([_crossed_sro_group()], 10, [])
    assert not refused.published
    assert "answer count(s) can be worked out" in refused.message and refused.message.startswith("Not published")
