"""Tests for surveys.aggregate: the cell format and the group statistics."""
import numpy as np
import pytest
from scipy import stats

from surveys.aggregate import item_cells, score_cells

KEYS = {"school_id", "group", "measure_kind", "measure", "subgroup", "subgroup_value",
        "suppressed", "n", "mean", "se", "ci_low", "ci_high", "level", "pct_levels", "counts",
        "pct", "pct_favourable"}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 900
    school = rng.choice([101, 102, 103], n, p=[0.5, 0.45, 0.05])
    sex = np.array(["F", "M"], dtype=object)[rng.integers(0, 2, n)]
    grade = np.array(["6", "7", "8"], dtype=object)[rng.integers(0, 3, n)]
    scores = rng.normal(320, 60, (n, 2))
    scores[rng.random((n, 2)) < 0.05] = np.nan
    codes = rng.integers(-1, 4, (n, 3)).astype(np.int8)
    return school, {"sex": sex, "grade": grade}, scores, codes


def find(cells, **kw):
    out = [c for c in cells if all(c[k] == v for k, v in kw.items())]
    assert len(out) == 1, (kw, len(out))
    return out[0]


def test_score_cell_format_and_statistics(data):
    school, sub, scores, _ = data
    cells = score_cells(scores, ["relationships", "engagement"], ["topic", "domain"], "student",
                        school, sub)
    for c in cells:
        assert set(c) == KEYS
        assert c["measure_kind"] in ("topic", "domain")
        assert c["counts"] is None and c["pct"] is None and c["pct_favourable"] is None
        assert isinstance(c["suppressed"], bool)
        if c["suppressed"]:
            assert all(c[k] is None for k in ("n", "mean", "se", "ci_low", "ci_high", "level",
                                              "pct_levels"))
    c = find(cells, school_id=101, measure="relationships", subgroup="sex", subgroup_value="F")
    sel = (school == 101) & (sub["sex"] == "F") & ~np.isnan(scores[:, 0])
    x = scores[sel, 0]
    assert c["n"] == x.size and not c["suppressed"]
    assert np.isclose(c["mean"], x.mean())
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert np.isclose(c["se"], se)
    q = stats.t.ppf(0.975, x.size - 1)
    assert np.isclose(c["ci_low"], x.mean() - q * se) and np.isclose(c["ci_high"], x.mean() + q * se)
    shown = np.round(x)  # levels follow the whole-point score a reader sees (PUBLISHED_DECIMALS = 0)
    lv = [(shown < 300).mean(), ((shown >= 300) & (shown <= 400)).mean(), (shown > 400).mean()]
    assert np.allclose(c["pct_levels"], np.array(lv) * 100)
    assert c["level"] == "favorable"
    d = find(cells, school_id=None, measure="engagement", subgroup=None, subgroup_value=None)
    assert d["measure_kind"] == "domain" and d["n"] == (~np.isnan(scores[:, 1])).sum()
    # the small school (about 45 respondents) is there, split by grade
    assert any(c["school_id"] == 103 and c["subgroup"] == "grade" for c in cells)


def test_every_cell_a_report_needs(data):
    school, sub, scores, _ = data
    cells = score_cells(scores[:, :1], ["relationships"], "topic", "student", school, sub)
    keys = {(c["school_id"], c["subgroup"], c["subgroup_value"]) for c in cells}
    for s in (101, 102, 103, None):
        assert (s, None, None) in keys
        for v in ("F", "M"):
            assert (s, "sex", v) in keys
        for g in ("6", "7", "8"):
            assert (s, "grade", g) in keys
    assert len(cells) == 4 * (1 + 2 + 3)


def test_reported_mean_is_clamped():
    scores = np.array([[560.0]] * 12 + [[40.0]] * 12)
    school = np.array([1] * 12 + [2] * 12)
    cells = score_cells(scores, ["bullying"], "topic", "student", school, {})
    hi, lo = find(cells, school_id=1), find(cells, school_id=2)
    assert hi["mean"] == 500.0 and hi["level"] == "most_favorable" and hi["ci_high"] == 500.0
    assert lo["mean"] == 100.0 and lo["level"] == "least_favorable"
    assert hi["pct_levels"] == [0.0, 0.0, 100.0]


def test_item_cells(data):
    school, sub, _, codes = data
    cells = item_cells(codes, ["q1", "q2", "q3"], "parent", school, sub)
    for c in cells:
        assert set(c) == KEYS and c["measure_kind"] == "item" and c["mean"] is None
    c = find(cells, school_id=102, measure="q2", subgroup="grade", subgroup_value="7")
    sel = (school == 102) & (sub["grade"] == "7")
    x = codes[sel, 1]
    counts = [int((x == k).sum()) for k in range(4)]
    assert c["counts"] == counts and c["n"] == sum(counts)
    assert np.isclose(sum(c["pct"]), 100)
    assert np.isclose(c["pct_favourable"], 100 * (counts[2] + counts[3]) / sum(counts))
    # cells come ungated: the app hides small groups through its disclosure gate
    assert not any(c["suppressed"] for c in cells)


def test_input_validation(data):
    school, sub, scores, codes = data
    with pytest.raises(ValueError):
        item_cells(codes + 1, ["a", "b", "c"], "student", school, sub)
    with pytest.raises(ValueError):
        score_cells(scores, ["a"], "topic", "student", school, sub)
    with pytest.raises(ValueError):
        score_cells(scores, ["a", "b"], "item", "student", school, sub)
