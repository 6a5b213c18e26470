"""Tests for surveys.calibration: MML-EM PCM calibration, anchoring, fit, alpha."""
import numpy as np
import pytest

from surveys.calibration import EMPTY_CATEGORY_OFFSET, Calibration, _collapse_map, calibrate, link_mean_mean
from surveys.fit import cronbach_alpha
from surveys.rasch import category_probabilities, estimate_theta


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
    # extremes excluded (surveys.fit): well-fitting items a little below 1 (person locations
    # are estimated from the same 10 answers, which absorbs about one answer's worth of noise)
    assert np.all((cal.infit > 0.85) & (cal.infit < 1.05)) and np.all((cal.outfit > 0.85) & (cal.outfit < 1.05))
    assert np.all(np.isfinite(cal.infit_zstd)) and np.all(cal.outfit_zstd < 0)
    assert 0.6 < cal.reliability < 0.95
    assert cal.reliability_with_extremes > cal.reliability - 0.05
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
    with pytest.raises(ValueError, match="reference"):
        calibrate(np.array([[0, 1], [1, 2]]), reference=np.zeros((3, 3)))


def skewed_topic(rng, n=100):
    """A small skewed 5-item topic: easy items, a favourable population (issue 15)."""
    d = np.array([-1.6, -1.2, -0.9, -0.5, -0.2])[:, None] + np.array([-1.2, 0.0, 1.1])[None, :]
    return d, simulate(n, d, rng, missing=0.03, mean=1.0, sd=1.0)


def test_small_skewed_topics_calibrate_with_a_note_for_every_empty_category():
    rng = np.random.default_rng(15)
    with_empty = 0
    for _ in range(60):
        d, x = skewed_topic(rng)
        counts = np.stack([(x == c).sum(0) for c in range(4)], axis=1)
        empty_items = np.flatnonzero((counts == 0).any(1)).tolist()
        with_empty += bool(empty_items)
        for reference in (None, d):
            cal = calibrate(x, reference=reference)
            assert cal.converged and np.all(np.isfinite(cal.thresholds))
            assert np.array_equal(cal.category_counts, counts)
            assert [note.item for note in cal.notes] == empty_items
            for note in cal.notes:
                assert note.empty_categories == tuple(np.flatnonzero(counts[note.item] == 0))
                assert f"item {note.item}:" in note.message
                if reference is None:
                    assert note.rule == "collapsed" and "collapsed" in note.message
                else:
                    assert note.rule == "reference" and "reference" in note.message
                    assert np.array_equal(cal.thresholds[note.item], d[note.item])
            scored = estimate_theta(x, cal.thresholds)
            assert np.all(np.isfinite(scored.theta[scored.n_answered >= 3]))
    assert with_empty >= 30  # the rule is exercised in most samples, as in the issue (44 of 60)


def test_collapsed_item_keeps_its_estimable_steps():
    """Nobody chose category 0 of item 0: its steps 2 and 3 are still estimated, step 1 sits
    EMPTY_CATEGORY_OFFSET below step 2, and the other items are hardly moved."""
    rng = np.random.default_rng(4)
    d = true_thresholds(6, rng)
    x = simulate(4000, d, rng)
    full = calibrate(x)
    x0 = x.copy()
    x0[x0[:, 0] == 0, 0] = 1
    cal = calibrate(x0)
    assert [n.empty_categories for n in cal.notes] == [(0,)]
    assert cal.thresholds[0, 0] == pytest.approx(cal.thresholds[0, 1] - EMPTY_CATEGORY_OFFSET)
    assert np.abs(cal.thresholds[1:] - full.thresholds[1:]).max() < 0.15
    assert np.all(cal.threshold_se[0] > 0)
    assert abs(cal.thresholds[cal.thresholds > cal.thresholds[0, 0]].mean()) < 1.0


def test_collapse_map_cases():
    m = EMPTY_CATEGORY_OFFSET
    a, b, in_range = _collapse_map([0, 2, 3])  # empty middle category 1
    beta = np.array([0.4, 1.0])
    assert np.allclose(a @ beta + b, [0.4 + m, 0.4 - m, 1.0]) and in_range.all()
    a, b, in_range = _collapse_map([0, 1, 2])  # empty top category
    assert np.allclose(a @ np.array([-1.0, 0.5]) + b, [-1.0, 0.5, 0.5 + m])
    assert in_range.tolist() == [True, True, False]
    a, b, in_range = _collapse_map([2])  # one category only: nothing to estimate
    assert a.shape == (3, 0) and np.allclose(b, [-2 * m, -m, m]) and not in_range.any()
    x = np.full((30, 3), 2, np.int8)
    x[:15, 1:] = [[0, 3]] * 15
    cal = calibrate(x)
    assert np.all(np.isfinite(cal.thresholds)) and "cannot be estimated" in cal.notes[0].message
