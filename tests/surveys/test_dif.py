"""surveys.dif: Mantel-Haenszel DIF on simulated data with planted DIF, and its false alarm
rate on clean data (seeded replications)."""
import numpy as np
import pytest

from surveys.dif import ets_classes, mantel_haenszel, topic_dif
from surveys.rasch import category_probabilities


def simulate(theta, d, rng):
    p = category_probabilities(theta, d)
    return (p.cumsum(2) < rng.random((len(theta), d.shape[0], 1))).sum(2).astype(np.int8)


def two_groups(rng, n, k, planted=(), shift=1.0, impact=0.5):
    """n respondents per group; the focal group stands `impact` logits lower and finds the
    planted items `shift` logits harder."""
    d = rng.normal(0, 0.6, k)[:, None] + np.array([-1.2, 0.0, 1.2])[None, :]
    ref = simulate(rng.normal(0.3, 1.0, n), d, rng)
    d_focal = d.copy()
    d_focal[list(planted)] += shift
    foc = simulate(rng.normal(0.3 - impact, 1.0, n), d_focal, rng)
    return np.vstack([ref, foc]), np.repeat(np.array(["en", "es"], dtype=object), n)


def test_planted_dif_is_found_at_the_planted_items():
    rng = np.random.default_rng(2015)
    x, lang = two_groups(rng, 1500, 8, planted=(2, 5))
    x[rng.random(x.shape) < 0.03] = -1
    rows = topic_dif(x, {"language": lang})
    assert [r.item for r in rows] == list(range(8))
    assert all(r.reference == "en" and r.focal == "es" for r in rows)
    classes = [r.ets_class for r in rows]
    assert classes[2] == "C" and classes[5] == "C"
    assert rows[2].delta < -1.5 and rows[2].favours == "en"
    assert all(c == "A" for i, c in enumerate(classes) if i not in (2, 5))  # purified matching
    assert all(0 < r.se < 0.5 and r.n_reference > 1400 for r in rows)


def test_clean_data_false_alarms_at_the_nominal_level():
    rng = np.random.default_rng(7)
    significant = large = tests = 0
    for _ in range(200):
        x, lang = two_groups(rng, 300, 6, impact=0.6)
        stats = mantel_haenszel(x, lang == "es", lang == "en")
        significant += int(np.sum(stats["p_value"] < 0.05))
        large += int(np.sum(stats["ets_class"] == "C"))
        tests += 6
    assert 0.03 <= significant / tests <= 0.07, significant / tests  # 5% test, 1200 tests
    assert large / tests <= 0.05


def test_suppression_and_grouping_variables():
    rng = np.random.default_rng(3)
    x, _ = two_groups(rng, 200, 5)
    band = np.array(["6-8"] * 250 + ["9-12"] * 142 + ["K-5"] * 8, dtype=object)
    sex = np.array(["female", "male", None, ""] * 100, dtype=object)
    rows = topic_dif(x, {"grade_band": band, "sex": sex}, reference={"sex": "male"}, min_group=10)
    small = [r for r in rows if r.focal == "K-5"]
    assert len(small) == 5 and all(r.suppressed and r.ets_class is None and np.isnan(r.delta) for r in small)
    mid = [r for r in rows if r.focal == "9-12"]
    assert all(r.reference == "6-8" and not r.suppressed and r.ets_class in "ABC" for r in mid)
    by_sex = [r for r in rows if r.comparison == "sex"]
    assert all(r.reference == "male" and r.focal == "female" and r.n_focal + r.n_reference == 200 for r in by_sex)
    with pytest.raises(ValueError):
        topic_dif(x, {"sex": sex[:10]})
    with pytest.raises(ValueError):
        mantel_haenszel(x, np.ones(400, bool), np.ones(400, bool))


def test_ets_rules_and_a_hand_computed_table():
    assert list(ets_classes([-0.5, 1.2, 1.6, 1.6, -2.0, np.nan], [0.1, 0.1, 0.1, 0.5, 0.2, 0.1],
                            [0.001, 0.001, 0.001, 0.001, 0.2, 0.01])) == ["A", "B", "C", "B", "A", None]
    # one stratum, dichotomous item: alpha = (A D) / (B C) = (30 * 20) / (10 * 40) = 1.5
    x = np.array([[1, 1]] * 30 + [[0, 1]] * 10 + [[1, 1]] * 40 + [[0, 1]] * 20, np.int8)
    x[:, 1] = 1 - x[:, 0]  # every respondent has raw score 1: one stratum
    focal = np.arange(100) >= 40
    s = mantel_haenszel(x, focal, ~focal, favourable=1)
    assert s["odds_ratio"][0] == pytest.approx(1.5)
    assert s["delta"][0] == pytest.approx(-2.35 * np.log(1.5))
    se = 2.35 * np.sqrt(1 / 30 + 1 / 10 + 1 / 40 + 1 / 20)  # one stratum: Woolf's variance
    assert s["se"][0] == pytest.approx(se)
