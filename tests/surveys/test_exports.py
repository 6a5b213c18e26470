"""De-identification and import validation of response files (surveys.exports, no Flask)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.codebook import codebook
from surveys.exports import (ImportProblems, SchoolRef, coarsen, combination_counts, export_columns,
                             performance_level_codes, shuffle_order, validate_import)
from surveys.instruments import load_instruments

row_strategy = st.tuples(st.integers(0, 2), st.one_of(st.none(), st.integers(1, 3)),
                         st.one_of(st.none(), st.integers(1, 2)), st.one_of(st.none(), st.integers(1, 6)))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(row_strategy, max_size=80), min_n=st.integers(2, 12))
def test_after_coarsening_every_combination_is_common_or_fully_blank(rows, min_n):
    strata = [r[0] for r in rows]
    quasi = np.array([r[1:] for r in rows], dtype=object).reshape(len(rows), 3)
    out = coarsen(strata, quasi, min_n)
    counts = combination_counts(strata, out)
    for s, row in zip(strata, out):
        assert counts[(s,) + tuple(row)] >= min_n or all(v is None for v in row)
    # only blanking: every kept value is the original one, and the input is untouched
    kept = np.not_equal(out, None)
    assert (out[kept] == quasi[kept]).all()
    assert quasi.shape == out.shape


def test_coarsening_blanks_the_first_variable_first():
    # columns: race, grade, sex. Five rows share (1, 9, 1); one has race 2 and otherwise matches the
    # five rows that did not answer race; one row is unique in everything.
    quasi = np.array([[1, 9, 1]] * 5 + [[None, 9, 1]] * 4 + [[2, 9, 1], [1, 10, 2]], dtype=object)
    out = coarsen(["A"] * 11, quasi, 5)
    assert out[:9].tolist() == quasi[:9].tolist()   # common: untouched
    assert out[9].tolist() == [None, 9, 1]          # race blanked, grade and sex kept
    assert out[10].tolist() == [None, None, None]   # nothing common enough: all blank


def test_common_combinations_are_untouched():
    strata = ["A"] * 10 + ["B"] * 10
    quasi = np.array([[1, 9]] * 20, dtype=object)
    assert coarsen(strata, quasi, 10).tolist() == quasi.tolist()


def test_shuffle_is_deterministic_grouped_by_school_and_not_by_id():
    ids = list(range(1, 201))
    schools = ["B" if i % 2 else "A" for i in ids]
    first = shuffle_order(schools, ids, b"k1")
    assert first.tolist() == shuffle_order(schools, ids, b"k1").tolist()
    assert first.tolist() != shuffle_order(schools, ids, b"k2").tolist()
    ordered = [schools[i] for i in first]
    assert ordered == sorted(ordered)
    in_a = [ids[i] for i in first if schools[i] == "A"]
    assert in_a != sorted(in_a)


def test_performance_level_codes():
    # decided on the whole-point score a reader sees (PUBLISHED_DECIMALS = 0): 299.5 shows 300, 400.5 shows 400
    out = performance_level_codes(np.array([[299.4, 299.5, 400.5, 400.6, np.nan]]))
    assert out[0, :4].tolist() == [1, 2, 2, 3] and np.isnan(out[0, 4])


@pytest.fixture(scope="module")
def student():
    return load_instruments()["student"]


def test_export_columns_follow_the_codebook(student):
    cols = export_columns(student, True, (), ["relationships", "engagement"])
    names = [c.name for c in cols]
    book = [r.variable for r in codebook(student, sro=True)]
    assert names[:7] == ["ROW", "ADMINISTRATION", "SCHOOL", "NCES_ID", "GROUP", "LANGUAGE", "STATUS"]
    assert names[7:7 + len(book)] == book
    assert names[-4:] == ["SS_RELATIONSHIPS", "SS_ENGAGEMENT", "PL_RELATIONSHIPS", "PL_ENGAGEMENT"]
    assert "S_RACE_16" in names and "S_RACE" not in names


def _validate(student, header, rows, **kw):
    kw.setdefault("school_id", 1)
    return validate_import(header, rows, instrument=student, sro=False, custom=(), measures=[], group="student",
                           schools=[SchoolRef(1, "School A", "123"), SchoolRef(2, "School B", None)], **kw)


def test_validation_lists_row_and_column(student):
    item = student.items[0].id
    header = [item, "S_GRADE", "S_RACE_1", "S_RACE_32"]
    with pytest.raises(ImportProblems) as caught:
        _validate(student, header, [["3", "9", "1", "0"], ["7", "9", "", ""], ["1", "4", "2", ""], ["1", "", "1", "1"]])
    errors = caught.value.errors
    assert f"row 3, column {item}: 7 is not one of 1, 2, 3 or 4" in errors
    assert any(e.startswith("row 4, column S_GRADE: 4 is not one of") for e in errors)
    assert "row 4, column S_RACE_1: 2 is not 0 or 1" in errors
    assert any(e.startswith("row 5, column S_RACE_32:") for e in errors)
    assert not any(e.startswith("row 2") for e in errors)


def test_validation_rejects_unknown_columns_and_maps_schools(student):
    item = student.items[0].id
    with pytest.raises(ImportProblems) as caught:
        _validate(student, [item, "NAME"], [["1", "x"]])
    assert any("column NAME" in e for e in caught.value.errors)
    rows = _validate(student, ["SCHOOL", "NCES_ID", item, "S_RACE"], [["school b", "", "2", "20"], ["", "123", "4", ""]],
                     school_id=None)
    assert [(r.school_id, r.answers) for r in rows] == [(2, {item: 2, "S_RACE": 20}), (1, {item: 4})]
    with pytest.raises(ImportProblems) as caught:
        _validate(student, ["SCHOOL", item], [["School Z", "1"]], school_id=None)
    assert caught.value.errors == ["row 2, column SCHOOL: 'School Z' is not a school of this administration"]
