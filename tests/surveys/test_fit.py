"""surveys.fit against R's eRm 1.0.2 (fixture written by scripts/erm_fixture.R): item fit,
ZSTD, person MLEs and separation reliability, with extreme scores excluded."""
import csv
from pathlib import Path

import numpy as np
import pytest

from surveys.fit import cronbach_alpha, fit_and_reliability, item_fit, person_reliability
from surveys.rasch import estimate_theta

FIXTURES = Path(__file__).parent / "fixtures"


def _table(name):
    with open(FIXTURES / name, newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0] if key != "item"}


@pytest.fixture(scope="module")
def erm():
    x = np.loadtxt(FIXTURES / "erm_pcm_data.csv", delimiter=",", skiprows=1, dtype=np.int8)
    items = _table("erm_pcm_items.csv")
    d = np.stack([items["d1"], items["d2"], items["d3"]], axis=1)
    return x, d, items, _table("erm_pcm_persons.csv"), _table("erm_pcm_summary.csv")


def test_item_fit_matches_erm_itemfit(erm):
    x, d, items, _, summary = erm
    fit = item_fit(x, d)
    for ours, theirs in ((fit.outfit, "outfit"), (fit.infit, "infit"),
                         (fit.outfit_zstd, "outfit_z"), (fit.infit_zstd, "infit_z")):
        assert np.abs(ours - items[theirs]).max() < 0.01, theirs
    assert np.array_equal(fit.n_answers, items["n"].astype(int))
    assert fit.n_extreme == int(summary["n_extreme"][0]) and fit.n_persons + fit.n_extreme == len(x)
    # the noisy item misfits, the others overfit a little (they carry the person estimates)
    assert fit.infit[5] > 1.2 and fit.infit_zstd[5] > 2 and np.all(fit.infit[:5] < 0.9)


def test_person_mles_and_reliability_match_erm(erm):
    x, d, _, persons, summary = erm
    raw = persons["score"].astype(int)
    pattern = np.array([[min(3, max(0, s - 3 * j)) for j in range(6)] for s in raw], np.int8)
    est = estimate_theta(pattern, d, method="mle")
    assert np.abs(est.theta - persons["theta"]).max() < 1e-3
    assert np.abs(est.se - persons["se"]).max() < 1e-3
    rel = person_reliability(x, d)
    assert abs(rel.without_extremes - summary["sep_rel"][0]) < 0.001
    assert rel.n_without == len(x) - int(summary["n_extreme"][0]) and rel.n_with == len(x)
    assert rel.with_extremes < rel.without_extremes + 0.05


def test_min_answered_rule_and_missing_answers():
    rng = np.random.default_rng(3)
    d = np.array([[-1.0, 0.0, 1.0]] * 6) + rng.normal(0, 0.3, (6, 3))
    x = rng.integers(0, 4, (400, 6)).astype(np.int8)
    x[:50, 2:] = -1  # 2 answers: below the rule (3 of 6), left out
    x[50:60, :] = 3  # extreme
    fit, rel = fit_and_reliability(x, d)
    assert fit.n_persons == 340 and fit.n_extreme == 10
    assert fit.n_answers.tolist() == [340] * 6
    loose = item_fit(x, d, min_answered=1)
    assert loose.n_answers[0] > 340 and loose.n_answers[3] == 340
    assert rel.n_with == 350


def test_dichotomous_items_and_alpha():
    rng = np.random.default_rng(8)
    b = np.linspace(-1.5, 1.5, 8)
    theta = rng.normal(0, 1, 3000)
    x = (rng.random((3000, 8)) < 1 / (1 + np.exp(b[None, :] - theta[:, None]))).astype(np.int8)
    fit = item_fit(x, b[:, None])
    assert np.all(np.abs(fit.infit - 1) < 0.1) and np.all(np.abs(fit.infit_zstd) < 4)
    assert 0.5 < cronbach_alpha(x) < 0.9
