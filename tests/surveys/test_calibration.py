"""Tests for surveys.calibration: MML-EM PCM calibration, anchoring, fit, alpha."""
import numpy as np
import pytest

from surveys.calibration import Calibration, calibrate, cronbach_alpha, link_mean_mean
from surveys.rasch import category_probabilities


def simulate(n, d, rng, missing=0.05, mean=0.0, sd=1.0):
    theta = rng.normal(mean, sd, n)
    p = category_probabilities(theta, d)
    x = (p.cumsum(2) < rng.random((n, d.shape[0], 1))).sum(2).astype(np.int8)
    x[rng.random(x.shape) < missing] = -1
    return x


def true_thresholds(k, rng):
    b = rng.normal(0, 0.7, k)
    tau = np.array([-1.3, 0.0, 1.2])
    return b[:, None] + tau[None, :] + rng.normal(0, 0.25, (k, 3))


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(7)
    d = true_thresholds(10, rng)
    x = simulate(20_000, d, rng, missing=0.05, mean=0.4, sd=1.1)
    return d, x, calibrate(x, seed=0)


def test_parameter_recovery_20000_by_10(big):
    d, x, cal = big
    assert isinstance(cal, Calibration)
    assert cal.converged and cal.n_persons == 20_000
    # identification: mean threshold 0; compare on the same (centred) identification
    assert abs(cal.thresholds.mean()) < 1e-9
    rmse = np.sqrt(np.mean((cal.thresholds - (d - d.mean())) ** 2))
    assert rmse <= 0.05, rmse
    assert abs(cal.pop_sd - 1.1) < 0.05
    assert abs(cal.pop_mean - (0.4 - d.mean())) < 0.05
    # standard errors are of the right size: errors mostly within 3 SE
    z = (cal.thresholds - (d - d.mean())) / cal.threshold_se
    assert np.mean(np.abs(z) < 3) > 0.9
    assert np.all((cal.threshold_se > 0.005) & (cal.threshold_se < 0.2))


def test_fit_reliability_alpha(big):
    d, x, cal = big
    assert np.all((cal.infit > 0.75) & (cal.infit < 1.1))
    assert np.all((cal.outfit > 0.75) & (cal.outfit < 1.1))
    assert 0.6 < cal.reliability < 0.95
    assert 0.6 < cal.alpha < 0.95


def test_deterministic():
    rng = np.random.default_rng(1)
    d = true_thresholds(5, rng)
    x = simulate(1500, d, rng)
    a, b = calibrate(x, seed=3), calibrate(x, seed=3)
    assert np.array_equal(a.thresholds, b.thresholds) and a.iterations == b.iterations


def test_misfitting_item_is_flagged():
    rng = np.random.default_rng(2)
    d = true_thresholds(8, rng)
    x = simulate(3000, d, rng)
    x[:, 5] = rng.integers(0, 4, 3000)  # noise item
    cal = calibrate(x)
    assert cal.infit[5] > 1.2 and cal.outfit[5] > 1.2
    assert np.all(np.delete(cal.infit, 5) < 1.1)


def test_anchoring_keeps_reference_scale():
    rng = np.random.default_rng(3)
    d = true_thresholds(8, rng)
    x = simulate(5000, d, rng, mean=0.5)  # a new, better-off population
    anchors = {i: d[i] for i in (0, 2, 4, 6)}
    cal = calibrate(x, anchors=anchors)
    for i, v in anchors.items():
        assert np.array_equal(cal.thresholds[i], v)
        assert np.all(cal.threshold_se[i] == 0)
    free = [1, 3, 5, 7]
    assert np.sqrt(np.mean((cal.thresholds[free] - d[free]) ** 2)) < 0.1
    assert abs(cal.pop_mean - 0.5) < 0.1  # the population shift shows, not absorbed
    # unanchored calibration is centred; mean-mean linking puts it back
    cal0 = calibrate(x)
    linked, shift = link_mean_mean(cal0.thresholds, d, list(anchors))
    assert np.sqrt(np.mean((linked - d) ** 2)) < 0.1


def test_alpha_pairwise_rule():
    rng = np.random.default_rng(4)
    d = true_thresholds(6, rng)
    x = simulate(800, d, rng, missing=0.0)
    xf = x.astype(float)
    k = 6
    ref = k / (k - 1) * (1 - xf.var(0, ddof=1).sum() / xf.sum(1).var(ddof=1))
    assert abs(cronbach_alpha(x) - ref) < 1e-12
    x[rng.random(x.shape) < 0.1] = -1
    cov = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            both = (x[:, i] >= 0) & (x[:, j] >= 0)
            cov[i, j] = np.cov(x[both, i], x[both, j], ddof=1)[0, 1]
    ref = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    assert abs(cronbach_alpha(x) - ref) < 1e-12


def test_bad_input():
    with pytest.raises(ValueError):
        calibrate(np.array([[4, 0], [0, 1]]))
    x = np.zeros((50, 3), np.int8)
    x[:, 1] = 1
    with pytest.raises(ValueError):
        calibrate(x)  # empty categories
