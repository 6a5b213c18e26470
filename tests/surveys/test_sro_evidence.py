"""SRO-module evidence and the ranking of SRO action items, on constructed (stored) item cells,
hidden ones among them: no hidden cell ever gives a number."""
import re

import pytest

from surveys.guidance import load_guidance
from surveys.instruments import load_instruments
from surveys.sro_actions import sro_action_items
from surveys.sro_evidence import REVERSED, STATEMENTS, findings, presence_share


@pytest.fixture(scope="module")
def g():
    return load_guidance()


def item(group, measure, pct_fav, n=200, school=1, sub=None, val=None, suppressed=False):
    base = dict(school_id=school, group=group, measure_kind="item", measure=measure, subgroup=sub,
                subgroup_value=val, mean=None, se=None, ci_low=None, ci_high=None, level=None, pct_levels=None)
    if suppressed:
        return {**base, "suppressed": True, "n": None, "counts": None, "pct": None, "pct_favourable": None,
                "label": "Fewer than 10 respondents"}
    return {**base, "suppressed": False, "n": n, "counts": None, "pct": None, "pct_favourable": pct_fav}


def district(group, measure, pct_fav, n=1000, suppressed=False):
    return item(group, measure, pct_fav, n=n, school=None, suppressed=suppressed)


def test_statements_cover_the_instruments_sro_items_and_their_direction():
    for inst in load_instruments().values():
        for it in inst.sro_items:
            sfx = it.id.split("_", 1)[1]
            assert sfx in STATEMENTS
            assert bool(it.reverse) == (sfx in REVERSED), it.id


def test_the_issues_sentence_with_the_district_beside_it():
    # 69% favourable = 31% agree that officers get involved in discipline; district 82% = 18%
    [f] = findings([item("student", "S_SRO_DISC", 69.0)], [district("student", "S_SRO_DISC", 82.0)])
    assert f.sentence() == "31% of students say officers get involved in ordinary school discipline (district 18%)."
    assert f.concern and f.why == "district" and f.agree == 31 and f.district == 18


def test_concerns_by_majority_by_district_gap_and_not_by_chance():
    school = [item("student", "S_SRO_FAIR", 35.0), item("instructional_staff", "T_SRO_SAFE", 70.0, n=30),
              item("student", "S_SRO_KNOW", 60.0, n=40)]
    dist = [district("instructional_staff", "T_SRO_SAFE", 82.0, n=300), district("student", "S_SRO_KNOW", 71.0)]
    by = {f.item: f for f in findings(school, dist)}
    assert by["S_SRO_FAIR"].concern and by["S_SRO_FAIR"].why == "majority" and by["S_SRO_FAIR"].district is None
    assert by["S_SRO_FAIR"].sentence() == "35% of students say officers treat all students fairly."
    # a majority of ten is not sure enough to be a finding
    [few] = findings([item("noninstructional_staff", "N_SRO_HELP", 40.0, n=10)])
    assert not few.concern and few.agree == 40
    # 12 points below the district, but 30 staff leave the difference's interval over zero
    assert not by["T_SRO_SAFE"].concern
    # 11 points below with 40 students: not sure either
    assert not by["S_SRO_KNOW"].concern
    [sure] = findings([item("student", "S_SRO_KNOW", 60.0, n=400)], dist)
    assert sure.concern and sure.why == "district"


def test_hidden_cells_give_no_finding_and_hide_the_district_figure():
    school = [item("student", "S_SRO_DISC", None, suppressed=True), item("student", "S_SRO_FAIR", 40.0)]
    dist = [district("student", "S_SRO_DISC", 17.0), district("student", "S_SRO_FAIR", None, suppressed=True)]
    [f] = findings(school, dist)
    assert f.item == "S_SRO_FAIR" and f.district is None
    assert "district" not in f.sentence()
    # subgroup cells and other items are not whole-group findings
    assert findings([item("student", "S_SRO_DISC", 20.0, sub="grade", val="7"),
                     item("student", "S_PHY_01", 20.0)]) == []


def test_presence_share_from_the_shown_presence_cell():
    cell = item("student", "S_SRO_PRESENT", 80.0)
    cell["pct"] = [10.0, 10.0, 0.0, 80.0]
    assert presence_share([cell]) == 80
    assert presence_share([item("student", "S_SRO_PRESENT", None, suppressed=True)]) is None


ASSESSMENT = {"SEC-1-S1": "not_met", "SEC-1-I4": "not_met", "SEC-3-S1": "not_met", "SEC-2-S1": "partly",
              "SEC-5-S4": "not_met", "SEC-2-I1": "met"}


def test_ranking_joins_concerns_to_the_steps_they_bear_on(g):
    # students say few officers are fair or respectful (SEC-2, SEC-3, SEC-4), nothing about discipline
    cells = [item("student", "S_SRO_FAIR", 40.0), item("student", "S_SRO_RESPECT", 42.0),
             item("student", "S_SRO_DISC", 85.0), item("student", "S_SRO_KNOW", 80.0)]
    items = [i for i in sro_action_items(ASSESSMENT, True, cells, g, [district("student", "S_SRO_FAIR", 66.0)])
             if i.assessed]
    order = [i.criterion_id for i in items]
    # not met with evidence (SEC-3 bears on RESPECT), partly with evidence (SEC-2), then without
    assert order == ["SEC-3-S1", "SEC-2-S1", "SEC-1-S1", "SEC-1-I4", "SEC-5-S4"]
    sec3, sec2 = items[0], items[1]
    assert [f.item for f in sec3.findings] == ["S_SRO_RESPECT"]
    assert sec3.evidence == "42% of students say officers talk with students respectfully."
    assert [f.item for f in sec2.findings] == ["S_SRO_FAIR", "S_SRO_RESPECT"]
    assert "40% of students say officers treat all students fairly (district 66%)." in sec2.evidence
    assert all(i.evidence is None and not i.findings for i in items[2:])


def test_more_concerns_rank_first_and_discipline_criteria_lead_when_officers_are_drawn_in(g):
    cells = [item("student", "S_SRO_DISC", 40.0), item("instructional_staff", "T_SRO_DISC", 30.0, n=30)]
    assessment = {"SEC-5-S1": "not_met", "SEC-4-S3": "not_met", "SEC-2-S2": "not_met", "SEC-1-S1": "not_met"}
    items = [i for i in sro_action_items(assessment, True, cells, g) if i.assessed]
    assert [i.criterion_id for i in items] == ["SEC-2-S2", "SEC-4-S3", "SEC-5-S1", "SEC-1-S1"]
    assert items[0].evidence == ("60% of students say officers get involved in ordinary school discipline. "
                                 "70% of instructional staff say officers get involved in ordinary school discipline.")


def test_no_officers_no_evidence_unless_students_say_there_are(g):
    cells = [item("student", "S_SRO_FAIR", 30.0)]
    assert all(i.evidence is None for i in sro_action_items(ASSESSMENT, False, cells, g))
    present = item("student", "S_SRO_PRESENT", 75.0)
    present["pct"] = [20.0, 5.0, 0.0, 75.0]
    items = sro_action_items(ASSESSMENT, False, cells + [present], g)
    assert items[0].criterion_id == "SEC-2-S1" and "30%" in items[0].evidence


def test_no_hidden_number_reaches_any_evidence(g):
    """Every cell hidden: not one number in any action item, and the ranking is the checklist's."""
    hidden = [item(grp, f"{p}_SRO_{s}", None, suppressed=True)
              for grp, p in (("student", "S"), ("instructional_staff", "T"), ("noninstructional_staff", "N"))
              for s in ("KNOW", "HELP", "DISC", "FAIR", "SAFE", "RESPECT")]
    dist = [district("student", "S_SRO_DISC", 10.0)]
    items = sro_action_items(ASSESSMENT, True, hidden, g, dist)
    assert all(i.evidence is None and not i.findings for i in items)
    plain = sro_action_items(ASSESSMENT, True, [], g)
    assert [i.criterion_id for i in items] == [i.criterion_id for i in plain]
    # a visible school figure beside a hidden district one: only the school's number appears
    mixed = sro_action_items(ASSESSMENT, True, [item("student", "S_SRO_RESPECT", 41.0)], g,
                             [district("student", "S_SRO_RESPECT", None, suppressed=True)])
    texts = " ".join(i.evidence or "" for i in mixed)
    assert set(re.findall(r"\d+%", texts)) == {"41%"}
