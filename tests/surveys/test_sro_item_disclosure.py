"""SRO-module item cells per subgroup through the disclosure policy (surveys.item_disclosure):
small item counts are hidden with complements, the district follows, and the audit of the answer
counts passes on what is left shown."""
import numpy as np

from surveys.aggregate import item_cells
from surveys.disclosure import COMPLEMENT, FEWER, Decision, Facts, audit, decide
from surveys.item_disclosure import _measures, protect_subgroup_items

MIN_N = 10


def district_of(rng):
    """Two schools of students: school 1 grades 6 (30), 7 (30), 8 (30); school 2 grades 6 (40), 7 (35).
    Only 4 of school 1's grade-8 students answer the item (the rest skip it)."""
    school = np.r_[np.full(90, 1), np.full(75, 2)]
    grade = np.array(["6"] * 30 + ["7"] * 30 + ["8"] * 30 + ["6"] * 40 + ["7"] * 35, dtype=object)
    codes = rng.integers(0, 4, size=school.size)
    codes[60:86] = -1
    return school, {"grade": grade}, codes[:, None]


def gated(rng):
    school, subgroups, codes = district_of(rng)
    cells = [c for c in item_cells(codes, ["S_SRO_DISC"], "student", school, subgroups) if c["subgroup"]]
    facts = Facts.build(school, "student", subgroups)
    decision = decide(facts, MIN_N, remainder_complements=True)
    out = protect_subgroup_items("student", school, subgroups, ["S_SRO_DISC"], codes, cells, decision, MIN_N, {})
    return school, subgroups, codes, cells, decision, out


def test_a_small_item_count_is_hidden_with_a_complement_and_the_district_follows():
    *_, cells, decision, out = gated(np.random.default_rng(1))
    assert decision.hidden == {}  # every grade has 30 or more respondents
    h = out.hidden
    assert h[("student", 1, "grade", "8", "S_SRO_DISC")] == FEWER
    # school 1: the smallest other grade is hidden beside it (4 + 30 >= 10 answers, two cells)
    at_school = [k for k in h if k[1] == 1]
    assert len(at_school) == 2 and all(h[k] == COMPLEMENT for k in at_school if k[3] != "8")
    # the district's grade-8 cell is the school's alone plus nothing: hidden; and so is the other one
    for k in at_school:
        assert ("student", None, "grade", k[3], "S_SRO_DISC") in h
    assert not out.residual


def test_what_stays_shown_passes_the_audit_of_the_answer_counts():
    school, subgroups, codes, cells, decision, out = gated(np.random.default_rng(2))
    names = _measures("S_SRO_DISC")
    x = codes[:, 0]
    values = np.full((x.size, 4), np.nan)
    values[x >= 0] = (x[x >= 0, None] == np.arange(4)).astype(float)
    facts = Facts.build(school, "student", subgroups, measures=names, has=np.repeat((x >= 0)[:, None], 4, axis=1))
    keys = {k[:4] + (m,): r for k, r in out.hidden.items() for m in names}
    assert audit(facts, values, Decision(keys, MIN_N), count_measures=names, exclusive=[names]).ok
    # the small cell hidden alone: school minus the other grades gives its answers
    alone = {("student", c, "grade", "8", m): FEWER for c in (1, None) for m in names}
    assert not audit(facts, values, Decision(alone, MIN_N), count_measures=names, exclusive=[names]).ok


def test_partition_hiding_and_hidden_whole_cells_carry_over():
    school, subgroups, codes = district_of(np.random.default_rng(3))
    cells = [c for c in item_cells(codes, ["S_SRO_DISC"], "student", school, subgroups) if c["subgroup"]]
    decision = decide(Facts.build(school, "student", subgroups), MIN_N, remainder_complements=True)
    # the school 2 item cell is hidden as a whole (say for an earlier revision): none of its grades shows
    whole = {("student", 2, None, None, "S_SRO_DISC"): COMPLEMENT}
    out = protect_subgroup_items("student", school, subgroups, ["S_SRO_DISC"], codes, cells, decision, MIN_N, whole)
    assert ("student", 2, "grade", "6", "S_SRO_DISC") in out.hidden
    assert ("student", 2, "grade", "7", "S_SRO_DISC") in out.hidden


def test_the_district_shows_a_category_two_schools_hide_with_n_answers_together():
    """Schools 1 and 2 each have 6 grade-8 students who answer (hidden, with a complement); the
    district's grade-8 cell gives only their 12 answers together: shown, and the audit still passes."""
    rng = np.random.default_rng(4)
    school = np.r_[np.full(66, 1), np.full(76, 2)]
    grade = np.array(["6"] * 30 + ["7"] * 30 + ["8"] * 6 + ["6"] * 35 + ["7"] * 35 + ["8"] * 6, dtype=object)
    subgroups = {"grade": grade}
    codes = rng.integers(0, 4, size=(school.size, 1))
    cells = [c for c in item_cells(codes, ["S_SRO_DISC"], "student", school, subgroups) if c["subgroup"]]
    facts = Facts.build(school, "student", subgroups)
    decision = decide(facts, MIN_N, remainder_complements=True)
    out = protect_subgroup_items("student", school, subgroups, ["S_SRO_DISC"], codes, cells, decision, MIN_N, {})
    hidden_at = {k[1] for k in out.hidden if k[3] == "8"} | {k[1] for k, _ in decision.hidden.items()
                                                            if len(k) == 4 and k[3] == "8"}
    assert {1, 2} <= hidden_at
    assert ("student", None, "grade", "8", "S_SRO_DISC") not in out.hidden
    assert not decision.is_hidden(("student", None, "grade", "8"))
    names = _measures("S_SRO_DISC")
    x = codes[:, 0]
    values = (x[:, None] == np.arange(4)).astype(float)
    facts = Facts.build(school, "student", subgroups, measures=names, has=np.ones((x.size, 4), dtype=bool))
    keys = {k[:4] + (m,): r for k, r in out.hidden.items() for m in names}
    keys.update({k + (m,): r for k, r in decision.hidden.items() if len(k) == 4 for m in names})
    assert audit(facts, values, Decision(keys, MIN_N), count_measures=names, exclusive=[names]).ok
    assert not out.residual
