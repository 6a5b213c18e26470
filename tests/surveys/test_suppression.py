"""Tests for surveys.suppression: nothing hidden can be recovered by subtraction."""
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from surveys.aggregate import score_cells
from surveys.suppression import NUMBER_KEYS, suppress

MIN_N = 10


def cell(school, var, val, n, measure="m"):
    return {"school_id": school, "group": "student", "measure_kind": "topic", "measure": measure,
            "subgroup": var, "subgroup_value": val, "suppressed": False, "n": n,
            "mean": 300.0 + n, "se": 1.0, "ci_low": 1.0, "ci_high": 2.0, "level": "favorable",
            "pct_levels": [0.0, 100.0, 0.0], "counts": None, "pct": None, "pct_favourable": None}


# ---- an independent statement of the additive structure and of recoverability --------
def equations(cells):
    """(parent, children) index lists, written independently of the module."""
    idx = {(c["measure"], c["school_id"], c["subgroup"], c["subgroup_value"]): i
           for i, c in enumerate(cells)}
    eqs = []
    groups = defaultdict(list)
    for i, c in enumerate(cells):
        m, s, var, val = c["measure"], c["school_id"], c["subgroup"], c["subgroup_value"]
        if var is not None:
            groups[("school-by-var", m, s, var)].append(i)
            if s is not None:
                groups[("district-value-by-school", m, var, val)].append(i)
        elif s is not None:
            groups[("district-by-school", m)].append(i)
    for key, ch in groups.items():
        if key[0] == "school-by-var":
            p = idx.get((key[1], key[2], None, None))
        elif key[0] == "district-by-school":
            p = idx.get((key[1], None, None, None))
        else:
            p = idx.get((key[1], None, key[2], key[3]))
        if p is not None:
            eqs.append((p, ch))
    return eqs


def recoverable(cells, true_n, min_n):
    """Hidden cells (n > 0) and small unreported remainders whose value follows from the
    published cells.  Uses matrix ranks: x_h is determined iff e_h is in the row space of
    the hidden part of the system."""
    eqs = equations(cells)
    hidden = [i for i, c in enumerate(cells) if c["suppressed"] and true_n[i] > 0]
    cols = {("cell", i): j for j, i in enumerate(hidden)}
    for e, (p, ch) in enumerate(eqs):
        r = true_n[p] - sum(true_n[c] for c in ch)
        assert r >= 0
        if r > 0:  # never published
            cols[("rem", e)] = len(cols)
    if not cols:
        return []
    a = np.zeros((len(eqs), len(cols)))
    for e, (p, ch) in enumerate(eqs):
        if ("cell", p) in cols:
            a[e, cols[("cell", p)]] = 1
        for c in ch:
            if ("cell", c) in cols:
                a[e, cols[("cell", c)]] = -1
        if ("rem", e) in cols:
            a[e, cols[("rem", e)]] = -1
    rank = np.linalg.matrix_rank(a)
    out = []
    for name, j in cols.items():
        if name[0] == "rem":
            p, ch = eqs[name[1]]
            if true_n[p] - sum(true_n[c] for c in ch) >= min_n:
                continue  # big enough to be derivable
        unit = np.zeros((1, len(cols)))
        unit[0, j] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(name)
    return out


def check_safe(cells, true_n, min_n=MIN_N):
    for c, n in zip(cells, true_n):
        if n < min_n:
            assert c["suppressed"]
        if c["suppressed"]:
            assert all(c.get(k) is None for k in NUMBER_KEYS)
    for p, ch in equations(cells):
        r = true_n[p] - sum(true_n[c] for c in ch)
        hid = [c for c in ch if cells[c]["suppressed"] and true_n[c] > 0]
        count = len(hid) + (0 < r < min_n) + (cells[p]["suppressed"] and true_n[p] > 0)
        assert count != 1, (cells[p], [cells[c] for c in hid])
    assert recoverable(cells, true_n, min_n) == []


def test_min_n_floor():
    with pytest.raises(ValueError):
        suppress([cell(1, None, None, 20)], min_n=4)
    with pytest.raises(ValueError):
        score_cells(np.zeros((3, 1)), ["t"], "topic", "student", np.ones(3, int), min_n=3)


def test_naive_suppression_leaks_and_ours_does_not():
    cells = [cell(1, None, None, 53), cell(1, "sex", "F", 50), cell(1, "sex", "M", 3)]
    cells[1]["mean"], cells[2]["mean"] = 310.0, 250.0
    cells[0]["mean"] = (50 * 310.0 + 3 * 250.0) / 53
    true_n = [c["n"] for c in cells]
    # naive rule: hide only n < 10 -> M = total - F, for n and for n * mean
    naive = [dict(c) for c in cells]
    naive[2]["suppressed"] = True
    assert recoverable(naive, true_n, MIN_N) == [("cell", 2)]
    m_mean = (53 * cells[0]["mean"] - 50 * cells[1]["mean"]) / 3
    assert np.isclose(m_mean, cells[2]["mean"])
    suppress(cells, MIN_N)
    assert cells[1]["suppressed"] and cells[2]["suppressed"] and not cells[0]["suppressed"]
    check_safe(cells, true_n)


def test_district_is_sum_of_schools():
    cells = [cell(None, None, None, 224), cell(1, None, None, 4), cell(2, None, None, 100),
             cell(3, None, None, 120)]
    true_n = [c["n"] for c in cells]
    suppress(cells, MIN_N)
    assert [c["suppressed"] for c in cells] == [False, True, True, False]
    check_safe(cells, true_n)


def test_cascade_across_partitions():
    # School 1: F 40, M 6 -> M primary, F complementary.  District F = F1 + F2: F2 must go;
    # then school 2's sex partition has one hidden sibling: M2 must go too.
    spec = {1: {"F": 40, "M": 6}, 2: {"F": 30, "M": 35}, 3: {"F": 50, "M": 60}}
    cells = [cell(None, None, None, sum(sum(v.values()) for v in spec.values()))]
    for s, vals in spec.items():
        cells.append(cell(s, None, None, sum(vals.values())))
        for v, n in vals.items():
            cells.append(cell(s, "sex", v, n))
    for v in ("F", "M"):
        cells.append(cell(None, "sex", v, sum(spec[s][v] for s in spec)))
    true_n = [c["n"] for c in cells]
    suppress(cells, MIN_N)
    hidden = {(c["school_id"], c["subgroup_value"]) for c in cells if c["suppressed"]}
    assert {(1, "F"), (1, "M"), (2, "F"), (2, "M")} <= hidden
    check_safe(cells, true_n)


def test_unreported_remainder_counts_as_hidden():
    # 3 respondents did not answer sex: total - F - M reveals their mean unless one more
    # sex cell is hidden
    cells = [cell(1, None, None, 103), cell(1, "sex", "F", 50), cell(1, "sex", "M", 50)]
    true_n = [c["n"] for c in cells]
    suppress(cells, MIN_N)
    assert sum(c["suppressed"] for c in cells[1:]) == 1
    check_safe(cells, true_n)


def test_measures_are_independent_blocks():
    cells = [cell(1, None, None, 53, "a"), cell(1, "sex", "F", 50, "a"), cell(1, "sex", "M", 3, "a"),
             cell(1, None, None, 53, "b"), cell(1, "sex", "F", 40, "b"), cell(1, "sex", "M", 13, "b")]
    suppress(cells, MIN_N)
    assert [c["suppressed"] for c in cells] == [False, True, True, False, False, False]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_schools=st.integers(1, 6),
       n_values=st.integers(1, 4), min_n=st.integers(5, 15), p_missing=st.sampled_from([0.0, 0.05]))
def test_random_tables_nothing_recoverable(seed, n_schools, n_values, min_n, p_missing):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 60, n_schools)
    school = np.repeat(np.arange(1, n_schools + 1), sizes)
    n = school.size
    probs = rng.dirichlet(np.ones(n_values) * 0.7)
    vals = np.array([f"v{i}" for i in range(n_values)], dtype=object)[rng.choice(n_values, n, p=probs)]
    vals[rng.random(n) < p_missing] = None
    grade = np.array(["5", "6"], dtype=object)[rng.integers(0, 2, n)]
    scores = rng.normal(300, 50, (n, 2))
    scores[rng.random((n, 2)) < 0.1] = np.nan
    cells = score_cells(scores, ["t1", "t2"], "topic", "student", school,
                        {"race": vals, "grade": grade}, min_n=min_n)
    # true n for every cell, recomputed independently
    true_n = []
    for c in cells:
        j = ["t1", "t2"].index(c["measure"])
        sel = ~np.isnan(scores[:, j])
        if c["school_id"] is not None:
            sel &= school == c["school_id"]
        if c["subgroup"] is not None:
            col = vals if c["subgroup"] == "race" else grade
            sel &= np.array([v == c["subgroup_value"] for v in col])
        true_n.append(int(sel.sum()))
        if not c["suppressed"]:
            assert c["n"] == true_n[-1]
    for m in ("t1", "t2"):
        idx = [i for i, c in enumerate(cells) if c["measure"] == m]
        check_safe([cells[i] for i in idx], [true_n[i] for i in idx], min_n)
