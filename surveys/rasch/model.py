"""The partial credit model itself: category probabilities, item moments and the
threshold array convention (see surveys.rasch)."""
from __future__ import annotations

import numpy as np

N_CATEGORIES = 4
MAX_CODE = N_CATEGORIES - 1
MLE_EXTREME_ADJUST = 0.3
_EXP_FLOOR = 40.0


def _check_thresholds(thresholds) -> np.ndarray:
    """Thresholds (k, m), m = 1..3, NaN-padded at the end for items with fewer categories ->
    (k, 3) float64 with +inf for the steps an item does not have (categories that cannot occur;
    +inf is accepted in place of NaN, so the output is valid input)."""
    d = np.asarray(thresholds, dtype=np.float64)
    if d.ndim != 2 or not 1 <= d.shape[1] <= MAX_CODE:
        raise ValueError(f"thresholds must have shape (n_items, 1..{MAX_CODE}), got {d.shape}")
    if np.any(d == -np.inf):
        raise ValueError("thresholds must be finite")
    absent = np.isnan(d) | (d == np.inf)
    if absent.any():
        if absent[:, 0].any() or np.any(absent[:, :-1] & ~absent[:, 1:]):
            raise ValueError("thresholds: only trailing steps may be NaN (an item with fewer categories)")
        d = np.where(absent, np.inf, d)
    if d.shape[1] < MAX_CODE:
        d = np.concatenate([d, np.full((d.shape[0], MAX_CODE - d.shape[1]), np.inf)], axis=1)
    return d


def item_max_codes(thresholds) -> np.ndarray:
    """Highest code of each item (3 for a 4-category item, 1 for a dichotomous one): (k,) int64."""
    return np.isfinite(_check_thresholds(thresholds)).sum(1).astype(np.int64)


def category_probabilities(theta, thresholds) -> np.ndarray:
    """P(X_i = x | theta) for every theta and item: shape (n, k, 4)."""
    th = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    d = _check_thresholds(thresholds)
    # cumulative sums psi_x = x*theta - sum_{j<=x} delta_j
    cum = np.concatenate([np.zeros((d.shape[0], 1)), np.cumsum(d, axis=1)], axis=1)  # (k,4)
    x = np.arange(N_CATEGORIES, dtype=np.float64)
    psi = th[:, None, None] * x[None, None, :] - cum[None, :, :]
    psi -= psi.max(axis=2, keepdims=True)
    np.maximum(psi, -_EXP_FLOOR, out=psi)  # avoid slow underflow; < 1e-17 relative
    np.exp(psi, out=psi)
    if np.isinf(d).any():  # categories an item does not have: probability exactly 0
        psi *= np.isfinite(cum)[None, :, :]
    psi /= psi.sum(axis=2, keepdims=True)
    return psi


def _moments(theta, thresholds):
    """Per-item mean and 2nd..4th central moments at each theta: each (n, k)."""
    p = category_probabilities(theta, thresholds)
    x = np.arange(N_CATEGORIES, dtype=np.float64)
    mu = p @ x
    dev = x[None, None, :] - mu[:, :, None]
    d2 = dev * dev
    m2 = np.einsum("nkc,nkc->nk", p, d2)
    m3 = np.einsum("nkc,nkc->nk", p, d2 * dev)
    m4 = np.einsum("nkc,nkc->nk", p, d2 * d2)
    return mu, m2, m3, m4


def expected_score(theta, thresholds) -> np.ndarray:
    """Expected item scores E[X_i | theta], shape (n, k)."""
    p = category_probabilities(theta, thresholds)
    return p @ np.arange(N_CATEGORIES, dtype=np.float64)


def default_min_answered(n_items: int) -> int:
    """The min-answered rule: at least half the topic's scaled items, and at least 3
    (capped at the number of items, so a topic with fewer than 3 items needs all of them)."""
    return int(min(n_items, max(3, -(-n_items // 2))))


def _item_cumulants(theta, d):
    """Item score cumulants 1..4 at each theta: four (len(theta), k) arrays."""
    t = np.asarray(theta, dtype=np.float64)[:, None]
    cum = np.cumsum(d, axis=1)
    l1 = t - cum[None, :, 0]
    l2 = 2.0 * t - cum[None, :, 1]
    l3 = 3.0 * t - cum[None, :, 2]
    mx = np.maximum(np.maximum(l1, l2), np.maximum(l3, 0.0))
    e0 = np.exp(np.maximum(-mx, -_EXP_FLOOR))
    e1 = np.exp(np.maximum(l1 - mx, -_EXP_FLOOR))
    e2 = np.exp(np.maximum(l2 - mx, -_EXP_FLOOR))
    e3 = np.exp(np.maximum(l3 - mx, -_EXP_FLOOR))
    if np.isinf(cum).any():  # steps an item does not have
        e1, e2, e3 = (e * np.isfinite(cum[None, :, j]) for j, e in enumerate((e1, e2, e3)))
    z = e0 + e1 + e2 + e3
    r1 = (e1 + 2.0 * e2 + 3.0 * e3) / z
    r2 = (e1 + 4.0 * e2 + 9.0 * e3) / z
    r3 = (e1 + 8.0 * e2 + 27.0 * e3) / z
    r4 = (e1 + 16.0 * e2 + 81.0 * e3) / z
    r1sq = r1 * r1
    var = r2 - r1sq
    k3 = r3 - 3.0 * r1 * r2 + 2.0 * r1sq * r1
    mu4 = r4 - 4.0 * r1 * r3 + 6.0 * r1sq * r2 - 3.0 * r1sq * r1sq
    return r1, var, k3, mu4 - 3.0 * var * var

