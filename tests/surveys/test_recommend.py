"""Recommendation rules and SRO action items on constructed result cells."""
import re

import pytest

from surveys.guidance import load_guidance
from surveys.recommend import RULE_STEPS, STEP_REASONS, Recommendation, recommend, steps_to_recommendations
from surveys.sro_actions import sro_action_items


@pytest.fixture(scope="module")
def g():
    return load_guidance()


def cell(group, measure, mean, se=5.0, sub=None, val=None, school=1, kind="topic", n=40, suppressed=False,
         pct_fav=None):
    if suppressed:
        return dict(school_id=school, group=group, measure_kind=kind, measure=measure, subgroup=sub,
                    subgroup_value=val, suppressed=True, n=None, mean=None, se=None, ci_low=None, ci_high=None,
                    level=None, pct_levels=None, counts=None, pct=None, pct_favourable=None)
    level = None
    if mean is not None:
        level = "least_favorable" if mean < 300 else ("favorable" if mean <= 400 else "most_favorable")
    return dict(school_id=school, group=group, measure_kind=kind, measure=measure, subgroup=sub,
                subgroup_value=val, suppressed=False, n=n, mean=mean, se=se,
                ci_low=None if mean is None else mean - 1.96 * se, ci_high=None if mean is None else mean + 1.96 * se,
                level=level, pct_levels=None, counts=None, pct=None, pct_favourable=pct_fav)


def item(group, measure, pct_fav, school=1, suppressed=False):
    if suppressed:
        return cell(group, measure, None, kind="item", school=school, suppressed=True)
    c = cell(group, measure, None, kind="item", school=school, pct_fav=pct_fav)
    c.update(mean=None, se=None, ci_low=None, ci_high=None, level=None)
    return c


def kinds(recs):
    return [r.kind for r in recs]


def numbers_in(text):
    return set(re.findall(r"\d+", text))


# ----------------------------------------------------------------- rule 1: least favorable

def test_least_favorable_fires_with_strategies_and_as4(g):
    [r] = recommend([cell("student", "discipline", 262, 5.6)], guidance=g)
    assert r.kind == "least_favorable" and r.key == "least_favorable:student:discipline"
    assert r.evidence.startswith("Students' Discipline score is 262 (95% interval 251-273), in the Least "
                                 "Favorable range (below 300).")
    assert r.strategies[:3] == ("DIS-U1", "DIS-U2", "DIS-U3") and "DIS-T1" in r.strategies
    assert r.steps and all(s.startswith("AS4-") for s in r.steps)
    assert r.severity == pytest.approx(38 / (1.96 * 5.6) * 40 / (40 + 30))
    assert r.numbers["mean"] == 262


def test_least_favorable_silent_at_or_above_300(g):
    assert recommend([cell("student", "discipline", 300, 5), cell("student", "bullying", 350)], guidance=g) == []


def test_least_favorable_severity_grows_with_distance(g):
    recs = recommend([cell("student", "discipline", 290), cell("student", "bullying", 220)], guidance=g)
    assert [r.topic for r in recs] == ["bullying", "discipline"]
    assert recs[0].severity > recs[1].severity


def test_large_clear_deficit_outranks_tiny_group_with_wide_interval(g):
    # 10 noninstructional staff at 200 with an 80-point interval vs 400 students at 275 (+-6)
    tiny = cell("noninstructional_staff", "discipline", 200, se=40 / 1.96, n=10)
    large = cell("student", "bullying", 275, se=3.0, n=400)
    recs = recommend([tiny, large], guidance=g)
    assert [r.key for r in recs] == ["least_favorable:student:bullying",
                                     "least_favorable:noninstructional_staff:discipline"]
    assert recs[1].severity == pytest.approx(100 / 40 * 10 / 40)
    # the same tiny group's score with a narrow interval would rank first: width and n both count
    narrow = recommend([cell("noninstructional_staff", "discipline", 200, se=3.0, n=400), large], guidance=g)
    assert narrow[0].group == "noninstructional_staff"


def test_severity_is_zero_without_an_interval(g):
    [r] = recommend([cell("student", "discipline", 250) | {"se": None, "ci_low": None, "ci_high": None}],
                    guidance=g)
    assert r.severity == 0


def test_steps_are_listed_once_with_the_recommendations_pointing_to_them(g):
    recs = recommend([cell("student", "discipline", 230), cell("student", "bullying", 280),
                      cell("student", "physical_safety", 270, 5, "grade", "9"),
                      cell("student", "physical_safety", 330, 5, "grade", "10")], guidance=g)
    grouped = steps_to_recommendations(recs)
    step_ids = [s for s, _ in grouped]
    assert len(step_ids) == len(set(step_ids)) == len({s for r in recs for s in r.steps})
    as4_1 = dict(grouped)["AS4-1"]
    assert [r.key for r in as4_1] == [r.key for r in recs if r.kind == "least_favorable"]
    assert step_ids[0] == recs[0].steps[0]
    assert set(STEP_REASONS) == {r for r in RULE_STEPS}


def test_least_favorable_quotes_visible_district_only(g):
    school = [cell("student", "discipline", 262)]
    [r] = recommend(school, district_cells=[cell("student", "discipline", 311, 2, school=None)], guidance=g)
    assert "district's score for students is 311" in r.evidence
    [r] = recommend(school, district_cells=[cell("student", "discipline", None, school=None, suppressed=True)],
                    guidance=g)
    assert "district" not in r.evidence


def test_suppressed_whole_group_never_recommends(g):
    assert recommend([cell("student", "discipline", None, suppressed=True)], guidance=g) == []


# ----------------------------------------------------------------- rule 2: subgroup gaps

def test_subgroup_gap_fires(g):
    cells = [cell("student", "discipline", 250, 5, "grade", "9"), cell("student", "discipline", 290, 5, "grade", "11")]
    [r] = recommend(cells, guidance=g)
    assert r.kind == "subgroup_gap" and r.key == "subgroup_gap:student:discipline:grade:11|9"
    assert "250" in r.evidence and "290" in r.evidence and "grade 9" in r.evidence and "grade 11" in r.evidence
    assert "gap of 40 points" in r.evidence and "excludes zero" in r.evidence
    assert set(r.strategies) == {"DIS-T1", "DIS-T2", "DIS-T3"}
    assert r.steps and all(s.startswith("AS3-") for s in r.steps)
    assert r.numbers["gap_ci_low"] > 0


def test_subgroup_gap_silent_when_interval_includes_zero(g):
    # gap 12, se of difference = sqrt(50) = 7.07 -> interval 12 +/- 13.9 includes 0
    cells = [cell("student", "discipline", 310, 5, "sex", "female"), cell("student", "discipline", 322, 5, "sex", "male")]
    assert recommend(cells, guidance=g) == []


def test_subgroup_gap_needs_same_variable(g):
    cells = [cell("student", "discipline", 310, 2, "sex", "female"), cell("student", "discipline", 360, 2, "grade", "9")]
    assert recommend(cells, guidance=g) == []


def test_suppressed_subgroup_never_reveals(g):
    whole = cell("student", "discipline", 320, 3, n=60)
    visible = cell("student", "discipline", 340, 4, "sex", "female", n=55)
    hidden = cell("student", "discipline", None, suppressed=True, sub="sex", val="male")
    recs = recommend([whole, visible, hidden], guidance=g)
    assert recs == []
    # even with a least favorable whole group, nothing about the hidden subgroup appears
    whole_low = cell("student", "discipline", 280, 3, n=60)
    visible_low = cell("student", "discipline", 284, 4, "sex", "female", n=55)
    recs = recommend([whole_low, visible_low, hidden], guidance=g)
    assert kinds(recs) == ["least_favorable"]
    text = " ".join(r.evidence for r in recs) + repr([r.numbers for r in recs])
    # the male mean derivable from the totals: (280*60 - 284*55)/5 = 236; the male n: 5
    assert "236" not in text and "male" not in text.replace("female", "")
    assert "n': 5," not in text


# ----------------------------------------------------------------- rule 3: declines

def test_decline_fires(g):
    recs = recommend([cell("student", "bullying", 320, 5)], previous_cells=[cell("student", "bullying", 350, 5)],
                     guidance=g)
    [r] = recs
    assert r.kind == "decline" and r.key == "decline:student:bullying"
    assert "fell from 350" in r.evidence and "to 320" in r.evidence and "decline of 30 points" in r.evidence
    assert any(s.startswith("AS5-") for s in r.steps) and any(s.startswith("AS4-") for s in r.steps)


def test_decline_silent_within_interval_and_on_rise(g):
    assert recommend([cell("student", "bullying", 340, 5)], previous_cells=[cell("student", "bullying", 350, 5)],
                     guidance=g) == []
    assert recommend([cell("student", "bullying", 380, 5)], previous_cells=[cell("student", "bullying", 350, 5)],
                     guidance=g) == []


def test_decline_ignores_suppressed_and_other_schools(g):
    assert recommend([cell("student", "bullying", 320)],
                     previous_cells=[cell("student", "bullying", None, suppressed=True)], guidance=g) == []
    assert recommend([cell("student", "bullying", 320)],
                     previous_cells=[cell("student", "bullying", 380, school=2)], guidance=g) == []


# ----------------------------------------------------------------- rule 4: student/staff disagreement

def test_students_and_staff_disagree(g):
    cells = [cell("student", "relationships", 310, 4), cell("instructional_staff", "relationships", 420, 4)]
    [r] = recommend(cells, guidance=g)
    assert r.kind == "student_staff_disagree" and r.key == "student_staff_disagree:instructional_staff:relationships"
    assert "Students rate Relationships at 310" in r.evidence and "instructional staff rate it at 420" in r.evidence
    assert "Favorable" in r.evidence and "Most Favorable" in r.evidence
    assert r.steps and all(s.startswith("AS2-") for s in r.steps)
    assert r.questions == g.topic("relationships").discussion_questions


def test_disagreement_needs_different_levels_and_interval(g):
    # big difference, same level: silent
    assert recommend([cell("student", "relationships", 310, 2), cell("instructional_staff", "relationships", 390, 2)],
                     guidance=g) == []
    # different levels but the difference's interval includes zero: silent
    assert recommend([cell("student", "relationships", 395, 8), cell("noninstructional_staff", "relationships", 405, 8)],
                     guidance=g) == []
    # suppressed staff cell: silent
    assert recommend([cell("student", "relationships", 310),
                      cell("noninstructional_staff", "relationships", None, suppressed=True)], guidance=g) == []


def test_noninstructional_staff_disagreement(g):
    recs = recommend([cell("student", "relationships", 350, 3), cell("noninstructional_staff", "relationships", 420, 3)],
                     guidance=g)
    assert [r.key for r in recs] == ["student_staff_disagree:noninstructional_staff:relationships"]


# ----------------------------------------------------------------- rule 5: low response

def test_low_response(g):
    recs = recommend([], response_rates={"student": (120, 400), "parent": (90, 400),
                                         "instructional_staff": (30, 40)}, guidance=g)
    [r] = recs
    assert r.kind == "low_response" and r.group == "student" and r.topic is None
    assert "120 of 400" in r.evidence and "30%" in r.evidence and "50%" in r.evidence
    assert {s[:3] for s in r.steps} == {"AS2", "AS3"}
    assert r.severity == pytest.approx(0.5 + 2 * 0.4)


def test_low_response_parent_threshold(g):
    [r] = recommend([], response_rates={"parent": (60, 400)}, guidance=g)
    assert r.key == "low_response:parent" and "20%" in r.evidence
    assert recommend([], response_rates={"student": (10, 40)}, min_response_rate=0.2, guidance=g) == []
    assert recommend([], response_rates={"student": (0, 0)}, guidance=g) == []


# ----------------------------------------------------------------- ranking and shape

def test_ranking_and_determinism(g):
    cells = [
        cell("student", "discipline", 230, 5),                     # 70 / 9.8 * 40/70 = 4.08
        cell("student", "bullying", 290, 5),                       # 0.58
        cell("student", "physical_safety", 270, 5, "grade", "9"),
        cell("student", "physical_safety", 330, 5, "grade", "10"),  # gap 60 / 14.1 * 40/70 = 2.43
        cell("instructional_staff", "discipline", 230, 5),         # same severity as student discipline
    ]
    recs = recommend(cells, response_rates={"student": (100, 400)}, guidance=g)  # 0.5 + 2*0.5 = 1.5
    sev = [r.severity for r in recs]
    assert sev == sorted(sev, reverse=True)
    assert [r.key for r in recs][:2] == ["least_favorable:student:discipline",
                                         "least_favorable:instructional_staff:discipline"]
    assert [r.kind for r in recs][2:] == ["subgroup_gap", "low_response", "least_favorable"]
    again = recommend(list(reversed(cells)), response_rates={"student": (100, 400)}, guidance=g)
    assert [r.key for r in again] == [r.key for r in recs]
    assert len({r.key for r in recs}) == len(recs)
    assert all(isinstance(r, Recommendation) and r.evidence and r.numbers for r in recs)


def test_item_and_domain_cells_ignored_and_mixed_schools_rejected(g):
    assert recommend([cell("student", "safety", 250, kind="domain"), item("student", "S_SRO_DISC", 20)],
                     guidance=g) == []
    with pytest.raises(ValueError):
        recommend([cell("student", "discipline", 250, school=1), cell("student", "discipline", 250, school=2)],
                  guidance=g)


def test_default_guidance_is_loaded():
    [r] = recommend([cell("student", "discipline", 262)])
    assert r.strategies


# ----------------------------------------------------------------- SRO action items

def _ranked(items):
    return [(i.criterion_id, i.rating) for i in items if i.assessed]


ASSESSMENT = {"SEC-1-S1": "not_met", "SEC-1-S2": "partly", "SEC-2-S2": "partly", "SEC-4-S1": "not_met",
              "SEC-3-S1": "met", "SEC-3-S2": "not_applicable", "SEC-2-I1": "not_met"}


def test_sro_without_survey_evidence(g):
    items = sro_action_items(ASSESSMENT, True, [cell("student", "discipline", 330)], g)
    assert _ranked(items) == [("SEC-1-S1", "not_met"), ("SEC-2-I1", "not_met"), ("SEC-4-S1", "not_met"),
                              ("SEC-1-S2", "partly"), ("SEC-2-S2", "partly")]
    assert all(i.evidence is None for i in items)
    assert [i.priority for i in items] == list(range(1, len(items) + 1))
    assessed = [i for i in items if i.assessed]
    rest = items[len(assessed):]
    assert rest and all(not i.assessed and i.rating == "not_assessed" for i in rest)
    assert len(items) == len(g.criteria()) - 2  # met and not_applicable dropped
    assert {i.key for i in items} == {f"sro:{i.criterion_id}" for i in items}


def test_sro_with_discipline_evidence_puts_discipline_and_training_first(g):
    cells = [cell("student", "discipline", 262, 5.6)]
    items = sro_action_items(ASSESSMENT, True, cells, g)
    assert _ranked(items) == [("SEC-2-I1", "not_met"), ("SEC-4-S1", "not_met"), ("SEC-2-S2", "partly"),
                              ("SEC-1-S1", "not_met"), ("SEC-1-S2", "partly")]
    for i in items[:3]:
        assert "262 (95% interval 251-273)" in i.evidence
    assert items[3].evidence is None and items[0].step_id == "SEC-2"


def test_sro_with_item_evidence(g):
    cells = [cell("student", "discipline", 330), item("student", "S_SRO_DISC", 20.0)]
    items = sro_action_items(ASSESSMENT, True, cells, g)
    assert items[0].criterion_id == "SEC-2-I1" and "80% of students say officers get involved" in items[0].evidence
    # 50% or more favourable, or suppressed, is no evidence
    for other in (item("student", "S_SRO_DISC", 50.0), item("student", "S_SRO_DISC", None, suppressed=True)):
        items = sro_action_items(ASSESSMENT, True, [cell("student", "discipline", 330), other], g)
        assert items[0].criterion_id == "SEC-1-S1" and items[0].evidence is None


def test_sro_emotional_safety_evidence_and_no_sro(g):
    cells = [cell("student", "emotional_safety", 280)]
    assert sro_action_items(ASSESSMENT, True, cells, g)[0].criterion_id == "SEC-2-I1"
    items = sro_action_items(ASSESSMENT, False, cells, g)
    assert items[0].criterion_id == "SEC-1-S1" and all(i.evidence is None for i in items)
    # suppressed topic cells are no evidence
    hidden = [cell("student", "discipline", None, suppressed=True)]
    assert sro_action_items(ASSESSMENT, True, hidden, g)[0].criterion_id == "SEC-1-S1"


def test_sro_rejects_unknown_ids_and_ratings(g):
    with pytest.raises(ValueError, match="SEC-9-S1"):
        sro_action_items({"SEC-9-S1": "met"}, True, [], g)
    with pytest.raises(ValueError, match="sort of"):
        sro_action_items({"SEC-1-S1": "sort of"}, True, [], g)
