"""The shareable export tier (surveys.anonymise), verified independently: the checks below are a
plain pandas groupby over the published quasi-identifiers and share nothing with surveys.anonymise."""
import pandas as pd
import pytest

import numpy as np
from surveys.anonymise import WITHHELD_SCHOOL, l_diversity, role_groups, shareable, withheld_masks
from surveys.disclosure import Decision
from surveys.instruments import load_instruments
from surveys.simulate import draw_background
from surveys.subgroups import subgroup_values

DEMO = [(1, (0, 5), 70), (2, (0, 5), 85), (3, (6, 8), 420), (4, (6, 8), 380), (5, (9, 12), 620), (6, (9, 12), 540)]

def demo_students(schools=DEMO, seed=0, scale=0.95):
    inst = load_instruments()["student"]
    rng = np.random.default_rng(seed)
    sid, subs = [], {b.subgroup: [] for b in inst.background}
    for school, (lo, hi), n in schools:
        n = int(n * scale)
        sid.append(np.full(n, school))
        for b in inst.background:
            subs[b.subgroup].append(subgroup_values(b, draw_background(b, n, rng, grades=range(lo, hi + 1))))
    return np.concatenate(sid), {v: np.concatenate(a) for v, a in subs.items()}


def frame(columns):
    return pd.DataFrame({v: ["*" if x is None else str(x) for x in a] for v, a in columns.items()})


def smallest_class(df, quasi):
    """k: the size of the smallest equivalence class (rows sharing every published value)."""
    return int(df.groupby(quasi, dropna=False).size().min())


def fewest_sensitive_values(df, quasi, sensitive):
    """l: the fewest distinct sensitive values in an equivalence class."""
    return int(df.groupby(quasi, dropna=False)[sensitive].nunique().min())


def test_demo_like_district_is_k_anonymous_and_keeps_race_and_language_for_most_rows():
    sid, subs = demo_students(scale=0.57)  # about 1,200 students, as in Riverbend
    n = len(sid)
    q = {"school": sid.astype(str), "group": np.full(n, "student", dtype=object),
         **{v: subs[v] for v in ("grade", "sex", "race", "hispanic", "language")}}
    assert smallest_class(frame(q), list(q)) < 10  # the raw background identifies students
    out = shareable(q, 10)
    assert smallest_class(frame(out.columns), list(out.columns)) >= 10
    lost = np.zeros(n, bool)
    for v in ("race", "language"):
        lost |= np.not_equal(q[v], None) & np.equal(out.columns[v], None)
    assert lost.mean() <= 0.20
    spanish = np.isin(out.columns["language"].astype(str), ["Spanish or both", "2", "3"])
    assert spanish.sum() >= 0.8 * np.isin(q["language"].astype(str), ["2", "3"]).sum()
    bands = np.where(np.random.default_rng(0).random(n) < 0.5, "favorable", "least")
    df = frame(out.columns)
    df["band"] = bands
    assert fewest_sensitive_values(df, list(out.columns), "band") == l_diversity(out.columns, bands) >= 2


def test_three_staff_at_a_school_lose_the_school_not_kept_with_their_answers():
    sid = np.array(["1"] * 40 + ["2"] * 3 + ["5"] * 8)  # 3 and 8 staff: withheld together
    q = {"school": sid, "group": np.full(51, "noninstructional_staff", dtype=object),
         "role": np.array(["1"] * 51, dtype=object), "years": np.array(["3"] * 51, dtype=object)}
    out = shareable(q, 10)
    assert smallest_class(frame(out.columns), list(out.columns)) >= 10
    assert not (out.columns["school"] == "2").any()


def test_hidden_report_categories_are_withheld_in_the_export():
    sid = np.array([3] * 60)
    grade = np.array(["6"] * 7 + ["7"] * 23 + ["8"] * 30, dtype=object)
    decision = Decision({("student", 3, "grade", "6"): "fewer", ("student", 3, "grade", "7"): "complement"}, 10)
    held = withheld_masks(sid, "student", {"grade": grade}, decision)
    out = shareable({"school": sid.astype(str), "grade": grade}, 10, withheld=held)
    assert np.equal(out.columns["grade"][:30], None).all() and out.loss["grade"]["withheld"] == 50.0


def test_a_group_smaller_than_k_cannot_be_shared():
    with pytest.raises(ValueError, match="fewer than 10"):
        shareable({"group": np.array(["parent"] * 5, dtype=object)}, 10)


def _staff(schools, seed, roles="12345"):
    rng = np.random.default_rng(seed)
    sid = np.concatenate([np.full(n, str(s), dtype=object) for s, n in schools])
    n = len(sid)
    return {"school": sid, "group": np.full(n, "staff", dtype=object),
            "role": rng.choice(list(roles), n).astype(object), "years": rng.choice(list("1234"), n).astype(object)}


@pytest.mark.parametrize("seed", range(5))
def test_two_schools_of_15_and_12_staff_keep_their_schools(seed):
    q = _staff([(1, 15), (2, 12)], seed)
    out = shareable(q, 10)
    assert smallest_class(frame(out.columns), list(out.columns)) >= 10
    assert (out.columns["school"] == q["school"]).all()  # blanking role and years is enough
    assert out.loss["school"]["blanked"] == 0.0 and out.loss["role"]["blanked"] > 0


@pytest.mark.parametrize("seed", range(5))
def test_three_staff_at_one_school_join_a_larger_class_with_the_school_withheld(seed):
    q = _staff([(1, 40), (2, 3), (3, 24)], seed, roles="123456789")
    out = shareable(q, 10)
    df = frame(out.columns)
    assert smallest_class(df, list(out.columns)) >= 10
    assert not (out.columns["school"] == "2").any()
    assert set(out.columns["school"][40:43]) == {WITHHELD_SCHOOL}
    assert 10 <= (df["school"] == WITHHELD_SCHOOL).sum() < 67 and out.loss["school"]["blanked"] > 0
    assert not {str(v) for v in out.columns["role"]} & {"teacher", "other instructional"}


def test_a_hidden_grade_of_seven_is_never_exactly_the_blank_grade_rows():
    sid = np.array(["1"] * 97 + ["2"] * 60, dtype=object)  # 90 + 7 in a hidden grade 6, and 60
    grade = np.array(["6"] * 7 + ["7"] * 43 + ["8"] * 47 + ["7"] * 30 + ["8"] * 30, dtype=object)
    rng = np.random.default_rng(3)
    q = {"school": sid, "group": np.full(157, "student", dtype=object), "grade": grade,
         "sex": rng.choice(["1", "2"], 157).astype(object)}
    held = {"grade": np.arange(157) < 7}
    out = shareable(q, 10, withheld=held)
    df = frame(out.columns)
    assert smallest_class(df, list(out.columns)) >= 10
    assert np.equal(out.columns["grade"][:7], None).all()
    blank_at_1 = df[(df["school"] == "1") & (df["grade"] == "*")]
    assert len(blank_at_1) >= 10 and len(blank_at_1) != 7


def test_staff_roles_are_grouped_under_the_instrument_labels():
    labels = {"1": "Principal or assistant principal", "2": "Counselor", "3": "Nurse", "4": "Office", "5": "Food service"}
    q = _staff([(1, 30)], 0)
    out = shareable(q, 10, hierarchies={"role": role_groups(labels)})
    assert smallest_class(frame(out.columns), list(out.columns)) >= 10
    assert set(out.columns["role"]) - {None} <= {"Principal or assistant principal / Counselor / Nurse",
                                                  "Office / Food service", *labels}


def test_a_group_smaller_than_k_gets_a_message_not_a_traceback():
    with pytest.raises(ValueError, match="'staff' has 9 respondents, fewer than 10"):
        shareable(_staff([(1, 9)], 0), 10)
