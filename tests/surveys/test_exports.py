"""The shareable tier's codes, the row order and import validation of response files (surveys.exports, no Flask)."""
import numpy as np
import pytest

from surveys.codebook import codebook
from surveys.exports import (GENERALISED_FROM, MORE_THAN_ONE_RACE, SHAREABLE_BLANK, ImportProblems, SchoolRef,
                             export_columns, performance_level_codes, recode_shareable, shuffle_order,
                             validate_import)
from surveys.instruments import load_instruments

def test_shareable_codes_keep_original_categories_and_number_generalised_ones():
    originals = {"5": "5th grade", "6": "6th grade", "7": "7th grade"}
    codes, labels = recode_shareable(["5", "7-8", None, "5-6", "7-8"], originals)
    assert codes == [5, GENERALISED_FROM + 1, None, GENERALISED_FROM, GENERALISED_FROM + 1]
    assert dict(labels) == {5: "5th grade", 6: "6th grade", 7: "7th grade", GENERALISED_FROM: "5-6",
                            GENERALISED_FROM + 1: "7-8", SHAREABLE_BLANK: "No answer, prefer not to say, or withheld"}
    race, _ = recode_shareable(["16", "multiple", "Other"], {"16": "White", "multiple": "More than one race"})
    assert race == [16, MORE_THAN_ONE_RACE, GENERALISED_FROM]


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
