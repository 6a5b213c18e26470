"""Tests for surveys.rasch: PCM probabilities and person estimates."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import brentq

from surveys.rasch import (
    ThetaEstimate,
    category_probabilities,
    default_min_answered,
    estimate_theta,
    expected_score,
    item_max_codes,
    pattern_keys,
)
from surveys.rasch.patterns import _keys_generic


# ---- an independent implementation, written from the model definition ---------------
def _item_moments(theta, deltas):
    psi = [0.0]
    for j, dj in enumerate(deltas):
        psi.append(psi[-1] + theta - dj)
    mx = max(psi)
    w = [math.exp(p - mx) for p in psi]
    z = sum(w)
    p = [x / z for x in w]
    m = sum(c * pc for c, pc in enumerate(p))
    v = sum((c - m) ** 2 * pc for c, pc in enumerate(p))
    k3 = sum((c - m) ** 3 * pc for c, pc in enumerate(p))
    return m, v, k3


def _reference(resp, d, method):
    items = [i for i, x in enumerate(resp) if x >= 0]
    if not items:
        return float("nan"), float("nan")
    r = float(sum(resp[i] for i in items))
    if method == "mle":
        r = min(max(r, 0.3), sum(len(d[i]) for i in items) - 0.3)

    def f(t):
        mom = [_item_moments(t, d[i]) for i in items]
        e = sum(m[0] for m in mom)
        if method == "mle":
            return r - e
        info = sum(m[1] for m in mom)
        return r - e + sum(m[2] for m in mom) / (2 * info)

    t = brentq(f, -30, 30, xtol=1e-13, maxiter=500)
    info = sum(_item_moments(t, d[i])[1] for i in items)
    return t, 1 / math.sqrt(info)


RNG = np.random.default_rng(20240501)
D = np.sort(RNG.normal(0, 1, (10, 3)), axis=1)
D[3] = [0.8, -0.4, 1.5]  # disordered steps are allowed by the PCM


def test_probabilities_sum_to_one_and_match_definition():
    theta = np.array([-2.0, 0.0, 1.3])
    p = category_probabilities(theta, D)
    assert p.shape == (3, 10, 4)
    assert np.allclose(p.sum(2), 1)
    for a, t in enumerate(theta):
        for i in range(10):
            psi = np.concatenate([[0], np.cumsum(t - D[i])])
            ref = np.exp(psi) / np.exp(psi).sum()
            assert np.allclose(p[a, i], ref, atol=1e-14)
    e = expected_score(theta, D)
    assert np.allclose(e, (p * np.arange(4)).sum(2))


PATTERNS = np.array([
    [-1] * 10,  # all missing -> NaN
    [0] * 10,  # all lowest
    [3] * 10,  # all highest
    [0, 1, 2, 3, 0, 1, 2, 3, 1, 2],
    [3, 3, -1, 2, 3, -1, 3, 3, 3, 2],
    [-1, 0, 0, -1, 0, 1, 0, -1, 0, 0],
    [0, 0, 0, 0, 0, -1, -1, -1, -1, -1],
    [3, 3, 3, 3, 3, 3, -1, -1, -1, -1],
], dtype=np.int8)


@pytest.mark.parametrize("method", ["wle", "mle"])
def test_person_estimates_match_independent_root_finder(method):
    est = estimate_theta(PATTERNS, D, method=method)
    assert isinstance(est, ThetaEstimate)
    for row, t, s, na in zip(PATTERNS, est.theta, est.se, est.n_answered):
        ref_t, ref_s = _reference(list(row), D, method)
        assert na == (row >= 0).sum()
        if math.isnan(ref_t):
            assert math.isnan(t) and math.isnan(s)
        else:
            assert abs(t - ref_t) < 1e-6, (row, t, ref_t)
            assert abs(s - ref_s) < 1e-6


def test_extremes_are_finite_and_ordered():
    est = estimate_theta(PATTERNS[1:3], D)
    assert np.all(np.isfinite(est.theta))
    assert est.theta[0] < -2 and est.theta[1] > 2
    mle = estimate_theta(PATTERNS[1:3], D, method="mle")
    assert np.all(np.isfinite(mle.theta))


def test_random_respondents_match_reference():
    n = 60
    r = RNG.integers(-1, 4, (n, 10)).astype(np.int8)
    est = estimate_theta(r, D, min_answered=1)
    for i in range(n):
        ref_t, _ = _reference(list(r[i]), D, "wle")
        if math.isnan(ref_t):
            assert math.isnan(est.theta[i])
        else:
            assert abs(est.theta[i] - ref_t) < 1e-6


def test_eap_against_quadrature():
    row = PATTERNS[4]
    grid = np.linspace(-10, 10, 20001)
    items = np.flatnonzero(row >= 0)
    logl = np.zeros_like(grid)
    p = category_probabilities(grid, D)
    for i in items:
        logl += np.log(p[:, i, row[i]])
    w = np.exp(logl - logl.max()) * np.exp(-0.5 * grid**2)
    m = (w * grid).sum() / w.sum()
    sd = math.sqrt((w * grid**2).sum() / w.sum() - m * m)
    est = estimate_theta(row[None, :], D, method="eap")
    assert abs(est.theta[0] - m) < 1e-6 and abs(est.se[0] - sd) < 1e-6
    wide = estimate_theta(row[None, :], D, method="eap", prior_sd=3.0)
    assert wide.theta[0] > est.theta[0]  # less shrinkage toward 0 for a high pattern


def test_min_answered_rule():
    assert default_min_answered(10) == 5
    assert default_min_answered(11) == 6
    assert default_min_answered(4) == 3
    assert default_min_answered(5) == 3
    assert default_min_answered(2) == 2
    r = np.full((3, 10), -1, np.int8)
    r[0, :4] = 2  # 4 answered < 5: unscored
    r[1, :5] = 2  # 5 answered: scored
    r[2, :1] = 2
    est = estimate_theta(r, D)
    assert np.isnan(est.theta[0]) and np.isfinite(est.theta[1]) and np.isnan(est.theta[2])
    est = estimate_theta(r, D, min_answered=1)
    assert np.all(np.isfinite(est.theta))
    assert list(est.n_answered) == [4, 5, 1]


def test_rating_scale_model_is_a_special_case():
    b = np.array([-0.5, 0.0, 0.7, 1.1])
    tau = np.array([-1.0, 0.2, 0.8])
    d = b[:, None] + tau[None, :]
    r = np.array([[0, 1, 2, 3], [3, 3, 3, 2]], np.int8)
    est = estimate_theta(r, d)
    for row, t in zip(r, est.theta):
        assert abs(t - _reference(list(row), d, "wle")[0]) < 1e-6


def test_bad_input():
    with pytest.raises(ValueError):
        estimate_theta(np.array([[4, 0, 0]]), D[:3])
    with pytest.raises(ValueError):
        estimate_theta(np.array([[-2, 0, 0]]), D[:3])
    with pytest.raises(ValueError):
        estimate_theta(np.zeros((2, 3), np.int8), D[:4])
    with pytest.raises(ValueError):
        estimate_theta(np.zeros((2, 3), np.int8), D[:3], method="map")


def test_nan_and_fractional_codes_are_refused_naming_the_item():
    # cast to int8, NaN would become 0 (the least favourable answer) and 2.5 would become 2
    for bad, shown in ((np.nan, "nan"), (2.5, "2.5"), (np.inf, "inf")):
        r = np.array([[0, 1, 2], [1, bad, 3]])
        with pytest.raises(ValueError, match=f"whole numbers.*item S_B has {shown} for respondent 1"):
            estimate_theta(r, D[:3], item_names=["S_A", "S_B", "S_C"])
        with pytest.raises(ValueError, match="item column 1 has"):
            estimate_theta(r, D[:3])
    with pytest.raises(ValueError, match="item S_C has others"):
        estimate_theta(np.array([[0, 1, 7]]), D[:3], item_names=["S_A", "S_B", "S_C"])
    whole = estimate_theta(np.array([[0.0, 1.0, -1.0]]), D[:3], min_answered=1).theta
    assert whole[0] == estimate_theta(np.array([[0, 1, -1]], np.int8), D[:3], min_answered=1).theta[0]


def test_dtype_and_empty():
    r = np.array([[0, 1, 2, 3, 2]], dtype=np.int64)
    a = estimate_theta(r, D[:5]).theta
    b = estimate_theta(r.astype(np.int8), D[:5]).theta
    assert a[0] == b[0]
    e = estimate_theta(np.zeros((0, 10), np.int8), D)
    assert e.theta.shape == (0,)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_fast_keys_equal_generic_keys_and_scores_are_lookups(k, seed):
    rng = np.random.default_rng(seed)
    r = rng.integers(-1, 4, (200, k)).astype(np.int8)
    assert np.array_equal(pattern_keys(r), _keys_generic(r))
    d = np.sort(rng.normal(0, 1, (k, 3)), axis=1)
    est = estimate_theta(r, d, min_answered=1)
    one = np.array([estimate_theta(r[i:i + 1], d, min_answered=1).theta[0] for i in range(0, 200, 37)])
    assert np.allclose(est.theta[::37], one, equal_nan=True, atol=1e-12, rtol=0)


def test_fischer_molenaar_dichotomous_example():
    """The Winsteps manual's worked example (Fischer & Molenaar): five dichotomous items at
    -1.5, -0.75, 0, 0.75, 1.5 give WLE -2.95, -1.45, -0.46, 0.46, 1.45, 2.95 for raw scores
    0..5.  The values are printed to 2 decimals, so they hold to half a unit in the last place."""
    d = np.array([[-1.5], [-0.75], [0.0], [0.75], [1.5]])
    r = np.array([[1] * s + [0] * (5 - s) for s in range(6)], np.int8)
    est = estimate_theta(r, d)
    published = np.array([-2.95, -1.45, -0.46, 0.46, 1.45, 2.95])
    assert np.all(np.abs(est.theta - published) <= 0.005)
    # the same items written as (k, 3) with NaN padding give the same estimates
    padded = np.concatenate([d, np.full((5, 2), np.nan)], axis=1)
    assert np.allclose(estimate_theta(r, padded).theta, est.theta, atol=1e-12)


def test_items_with_fewer_categories_match_reference():
    d = [[-1.0], [-0.2, 0.9], D[2].tolist(), [0.4], D[4].tolist()]
    padded = np.array([row + [np.nan] * (3 - len(row)) for row in d])
    assert item_max_codes(padded).tolist() == [1, 2, 3, 1, 3]
    p = category_probabilities(np.array([0.3]), padded)
    assert p[0, 0, 2] == 0 and p[0, 1, 3] == 0 and np.allclose(p.sum(2), 1)
    rng = np.random.default_rng(7)
    r = np.stack([rng.integers(-1, m + 1, 40) for m in (1, 2, 3, 1, 3)], axis=1).astype(np.int8)
    for method in ("wle", "mle"):
        est = estimate_theta(r, padded, method=method, min_answered=1)
        for row, t in zip(r, est.theta):
            ref = _reference(list(row), d, method)[0]
            assert (math.isnan(t) and math.isnan(ref)) or abs(t - ref) < 1e-6


def test_fewer_categories_bad_input():
    padded = np.array([[0.0, np.nan, np.nan], [0.5, 1.0, 2.0]])
    with pytest.raises(ValueError, match="highest category"):
        estimate_theta(np.array([[2, 1]]), padded, min_answered=1)
    with pytest.raises(ValueError, match="trailing"):
        estimate_theta(np.array([[0, 1]]), np.array([[np.nan, 0.0, 1.0], [0.5, 1.0, 2.0]]))
    with pytest.raises(ValueError):
        estimate_theta(np.array([[0, 1]]), np.array([[-np.inf], [0.5]]))
