"""Where the seven cases of issue 11 are tested (each built from constructed data):

1. a hidden subgroup mean derived through domain/topic ties:  test_disclosure.py::test_leak1_domain_ties_topics_so_per_measure_complements_leak
2. a re-score revealing one late respondent:                   test_disclosure.py::test_leak2_rescoring_after_one_late_response
   (in the app: tests/climate/test_disclosure_gate.py::test_rescore_after_one_import_is_a_new_revision_hiding_the_changed_cells)
3. three staff exported with their school and answers:        test_anonymise.py::test_three_staff_at_a_school_lose_the_school_not_kept_with_their_answers
4. the all-blank rows equal to the hidden remainder:          test_disclosure.py::test_leak4_not_answered_remainder_is_a_category
5. exported rows reproducing a hidden cell:                    test_disclosure.py::test_leak5_complement_must_stay_hidden_in_every_measure
                                                               and test_anonymise.py::test_hidden_report_categories_are_withheld_in_the_export
6. large groups hidden, untrue labels:                         test_disclosure.py::test_over_hiding_large_groups_stay_visible
                                                               and test_disclosure.py::test_labels_are_true_per_cell_and_measure
7. the "de-identified" export losing race and language:        test_anonymise.py::test_demo_like_district_is_k_anonymous_and_keeps_race_and_language_for_most_rows

This module tests what surveys.suppression still holds: N's floor and blanking a hidden cell."""
import pytest

from surveys.suppression import NUMBER_KEYS, blank, check_min_n


def test_min_n_floor():
    assert check_min_n(10) == 10
    for bad in (4, 7.5, 0):
        with pytest.raises(ValueError):
            check_min_n(bad)


def test_a_blanked_cell_keeps_no_number():
    cell = {"group": "student", "n": 7, "mean": 300.0, "counts": [1, 2, 3, 1], "measure": "x"}
    blank(cell)
    assert cell["suppressed"] and all(cell[k] is None for k in NUMBER_KEYS if k in cell)
    assert cell["measure"] == "x" and cell["group"] == "student"
