"""SRO-module answers per subgroup against a reader who crosses two background tables
(surveys.item_disclosure, issue 11): the grade table and the sex table count the same students,
so a reader who knows how they cross (the shareable export's rows give grade by sex) can take
one table's cell out of the other's."""
import numpy as np

from surveys.aggregate import item_cells
from surveys.disclosure import COMPLEMENT, FEWER, Decision, Facts, audit, decide
from surveys.item_disclosure import _measures, protect_subgroup_items

MIN_N = 10
ITEM = "S_SRO_FAIR"
SCHOOL = 1


def crossed_school():
    """One school of 36 students who all answer the item: grade 6 is 4 boys, grade 7 is 12 girls,
    grade 8 is 20 boys.  Grade 6 (4) is hidden and grade 7 beside it; the sex table shows Female
    (12) and Male (24), and Female is grade 7 alone."""
    grade = np.array(["6"] * 4 + ["7"] * 12 + ["8"] * 20, dtype=object)
    sex = np.array(["M"] * 4 + ["F"] * 12 + ["M"] * 20, dtype=object)
    codes = np.r_[[0, 1, 2, 3], np.arange(12) % 4, (np.arange(20) * 3) % 4][:, None]
    return np.full(36, SCHOOL), {"grade": grade, "sex": sex}, codes


def published_item(school, subgroups, codes):
    """The gate's decision for the item's subgroup cells, and the shown cells' answer counts:
    (school, var, value) -> (4,) counts.  Every shown n is under 100, so a whole-percent
    percentage of n gives the count exactly."""
    cells = item_cells(codes, [ITEM], "student", school, subgroups)
    decision = decide(Facts.build(school, "student", subgroups), MIN_N, remainder_complements=True)
    out = protect_subgroup_items("student", school, subgroups, [ITEM], codes,
                                 [c for c in cells if c["subgroup"]], decision, MIN_N, {})
    shown = {}
    for c in cells:
        key = ("student", c["school_id"], c["subgroup"], c["subgroup_value"])
        if not decision.is_hidden(key) and key + (ITEM,) not in out.hidden:
            shown[key[1:]] = np.array(c["counts"])
    return decision, out, shown


def answer_values(codes):
    x = codes[:, 0]
    values = np.full((x.size, 4), np.nan)
    values[x >= 0] = (x[x >= 0, None] == np.arange(4)).astype(float)
    return values


def test_a_reader_crossing_the_grade_and_sex_tables_cannot_work_out_the_hidden_grade():
    school, subgroups, codes = crossed_school()
    decision, out, shown = published_item(school, subgroups, codes)
    assert decision.is_hidden(("student", SCHOOL, "grade", "6")) and decision.is_hidden(("student", SCHOOL, "grade", "7"))
    # the reader: Female is grade 7, so grade 6 = the school - Female - grade 8, answer by answer
    used = [(SCHOOL, None, None), (SCHOOL, "sex", "F"), (SCHOOL, "grade", "8")]
    if all(k in shown for k in used):
        worked_out = shown[used[0]] - shown[used[1]] - shown[used[2]]
        truth = np.bincount(codes[:4, 0], minlength=4)
        assert not np.array_equal(worked_out, truth), f"grade 6's answers worked out: {worked_out.tolist()}"
    # and no other crossing of what is shown pins a hidden count either
    names = _measures(ITEM)
    facts = Facts.build(school, "student", subgroups, measures=names, has=np.ones((36, 4), dtype=bool))
    keys = {k[:4] + (m,): r for k, r in out.hidden.items() for m in names}
    keys.update({k + (m,): r for k, r in decision.hidden.items() if len(k) == 4 for m in names})
    result = audit(facts, answer_values(codes), Decision(keys, MIN_N), count_measures=names, exclusive=[names])
    assert result.ok, result.message()
    assert not out.residual
    # what the crossing costs: grade 8 is hidden too (the school shows no grade), Female and Male stay
    assert ("student", SCHOOL, "grade", "8", ITEM) in out.hidden
    assert (SCHOOL, "sex", "F") in shown and (SCHOOL, "sex", "M") in shown


def test_one_table_at_a_time_misses_what_the_crossing_gives():
    """The audit of one background question at a time passes grade 6 and 7 hidden with grade 8
    shown; crossed with the sex table, grade 6's counts are pinned, and the failure names it."""
    school, subgroups, codes = crossed_school()
    names = _measures(ITEM)
    facts = Facts.build(school, "student", subgroups, measures=names, has=np.ones((36, 4), dtype=bool))
    hidden = {("student", s, "grade", g, m): r for s in (SCHOOL, None) for g, r in (("6", FEWER), ("7", COMPLEMENT))
              for m in names}
    decision = Decision(hidden, MIN_N)
    one_at_a_time = audit(facts, answer_values(codes), decision, count_measures=names, exclusive=[names],
                          combine=False)
    crossed = audit(facts, answer_values(codes), decision, count_measures=names, exclusive=[names], combine=True)
    assert one_at_a_time.ok
    assert not crossed.ok
    pinned = {(f.key, f.measure) for f in crossed.failures}
    assert {(("student", SCHOOL, "grade", "6"), m) for m in names} <= pinned
    # a pinned set's range is solved at both ends: the same as the full ranges of spans=True
    ranges = audit(facts, answer_values(codes), decision, count_measures=names, exclusive=[names], spans=True).ranges
    for f in crossed.failures:
        assert f.high - f.low < 1  # a single whole count
        assert np.allclose(ranges[(f.key, f.measure, f.what)], (f.low, f.high), atol=1e-6)
