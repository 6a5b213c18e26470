"""Person estimates (WLE, MLE, EAP) with thresholds held fixed, solved once per distinct
(answered-items mask, raw score) pattern (see surveys.rasch)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import (MAX_CODE, MLE_EXTREME_ADJUST, N_CATEGORIES, _check_thresholds, _item_cumulants, _moments,
                    default_min_answered)
from .patterns import decode_keys, pattern_keys

_BRACKET = 30.0  # logits; every estimate lies well inside +-_BRACKET


@dataclass(frozen=True)
class ThetaEstimate:
    theta: np.ndarray  # (n,) float64, NaN = unscored
    se: np.ndarray  # (n,) float64, NaN = unscored
    n_answered: np.ndarray  # (n,) int64


# --------------------------------------------------------------------------------------
# Solving per (mask, raw score) pattern
# --------------------------------------------------------------------------------------

def _pattern_sums(theta, d, masks):
    """Sums over the answered items of the item score cumulants 1..4 (mean, variance,
    third and fourth cumulant), for each pattern (theta (u,), masks (u, k) bool).  For the
    PCM d(kappa_r)/d(theta) = kappa_{r+1}, so these give E, I = dE/dtheta, J = dI/dtheta
    and dJ/dtheta.  Written as a few passes over (u, k) slabs, one per category."""
    r1, var, k3, k4 = _item_cumulants(theta, d)
    w = masks.astype(np.float64)
    return (np.einsum("uk,uk->u", r1, w), np.einsum("uk,uk->u", var, w),
            np.einsum("uk,uk->u", k3, w), np.einsum("uk,uk->u", k4, w))


def solve_patterns(masks, scores, thresholds, method="wle", prior_mean=0.0, prior_sd=1.0,
                   tol=1e-10, max_iter=100):
    """Estimate theta and SE for each pattern (mask (u, k) bool, raw score (u,)).

    Vectorised over patterns: tabulate-and-interpolate with an exact Newton polish
    (_solve_interp), and a safeguarded Newton/bisection solver for any pattern whose checks
    fail.  Patterns with no answered item give NaN.
    """
    d = _check_thresholds(thresholds)
    masks = np.asarray(masks, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    u = masks.shape[0]
    n_ans = masks.sum(1)
    theta = np.full(u, np.nan)
    se = np.full(u, np.nan)
    ok = n_ans > 0
    if not ok.any():
        return theta, se
    if method == "eap":
        return _solve_eap(masks, scores, d, prior_mean, prior_sd)
    if method not in ("wle", "mle"):
        raise ValueError(f"unknown method {method!r}")
    m = masks[ok]
    r = scores[ok]
    if method == "mle":
        maxs = m @ np.isfinite(d).sum(1)
        r = np.clip(r, MLE_EXTREME_ADJUST, maxs - MLE_EXTREME_ADJUST)
    t, s, good = _solve_interp(m, r, d, method)
    if not good.all():
        bad = ~good
        t[bad], s[bad] = _solve_newton(m[bad], r[bad], d, method, tol, max_iter)
    theta[ok] = t
    se[ok] = s
    return theta, se



_GRID_STEP = 0.05  # Hermite error ~1e-7 before the exact polish step
_MAX_GRID_MASKS = 4096
_GRID_MARGIN = 10.0  # logits beyond the extreme thresholds (roots outside: Newton fallback)


def _solve_interp(m, r, d, method):
    """Solve every pattern at once by tabulating, per distinct answered-items mask, the
    estimating function on a fine theta grid (a matrix product), locating each root's grid
    interval, inverting the cubic Hermite interpolant there, and polishing with one exact
    Newton step.  Returns (theta, se, good); good is False where the checks fail (non-
    monotone function or a polish step that is not tiny), to be solved by _solve_newton."""
    k = d.shape[0]
    mint = m.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64)) if k < 63 else None
    if mint is None:
        return np.full(r.shape, np.nan), np.full(r.shape, np.nan), np.zeros(r.shape, bool)
    umask, mi = np.unique(mint, return_inverse=True)
    if umask.size > _MAX_GRID_MASKS:  # tabulating per mask would cost more than Newton
        return np.full(r.shape, np.nan), np.full(r.shape, np.nan), np.zeros(r.shape, bool)
    w = ((umask[:, None] >> np.arange(k)[None, :]) & 1).astype(np.float64)  # (M, k)
    steps = d[np.isfinite(d)]
    lo = max(-_BRACKET, float(steps.min()) - _GRID_MARGIN)
    hi = min(_BRACKET, float(steps.max()) + _GRID_MARGIN)
    grid = np.arange(lo, hi + _GRID_STEP / 2, _GRID_STEP)
    c1, c2, c3, c4 = _item_cumulants(grid, d)
    G = grid.size
    # one matrix product for the four sums over each mask's items: (M, k) @ (k, 4G)
    sums = w @ np.concatenate([c1.T, c2.T, c3.T, c4.T], axis=1)
    e, i2, i3, i4 = (sums[:, q * G:(q + 1) * G] for q in range(4))  # (M, G) each
    if method == "wle":
        g = e - i3 / (2.0 * i2)
        dg = i2 - (i4 * i2 - i3 * i3) / (2.0 * i2 * i2)
    else:
        g, dg = e, i2
    # global search: rows are increasing, offset them so the flattened table is sorted
    span = float(np.max(np.abs(g))) * 2.0 + 10.0
    off = (np.arange(umask.size) * span)[:, None]
    flat = (g + off).ravel()
    target = r + mi * span
    pos = np.searchsorted(flat, target, side="right") - 1 - mi * G  # interval index
    # (far out in the tails g is flat to rounding noise, never near a valid raw score;
    # the located interval is checked to increase and the root is checked by the polish)
    j = np.clip(pos, 0, G - 2)
    g0, g1 = g[mi, j], g[mi, j + 1]
    inside = (pos >= 0) & (pos < G - 1) & (g1 > g0) & (g0 <= r) & (r <= g1)
    s0, s1 = dg[mi, j] * _GRID_STEP, dg[mi, j + 1] * _GRID_STEP
    # Hermite cubic H(x) on x in [0, 1]; solve H(x) = r by Newton from the linear guess
    x = np.clip((r - g0) / np.where(g1 > g0, g1 - g0, 1.0), 0.0, 1.0)
    a3 = 2 * g0 - 2 * g1 + s0 + s1
    a2 = -3 * g0 + 3 * g1 - 2 * s0 - s1
    for _ in range(4):
        h = ((a3 * x + a2) * x + s0) * x + g0 - r
        dh = (3 * a3 * x + 2 * a2) * x + s0
        x = np.clip(x - h / np.where(dh > 0, dh, 1.0), 0.0, 1.0)
    t = grid[j] + x * _GRID_STEP
    # one exact Newton step
    ee, ii, jj, kk = _pattern_sums(t, d, m)
    f, df = _estimating_equation(r, ee, ii, jj, kk, method)
    step = -f / df
    t = t + step
    se = 1.0 / np.sqrt(ii + jj * step)
    good = inside & np.isfinite(t) & (np.abs(step) < 1e-5) & (df < 0)
    return t, se, good


def _estimating_equation(r, e, i2, i3, i4, method):
    """The estimating function and its derivative in theta: MLE f = r - E; Warm's WLE adds
    J / (2 I). e, i2, i3, i4 are the pattern sums E, I, J, K (E' = I, I' = J, J' = K)."""
    if method == "wle":
        return r - e + i3 / (2.0 * i2), -i2 + (i4 * i2 - i3 * i3) / (2.0 * i2 * i2)
    return r - e, -i2


def _solve_newton(m, r, d, method, tol=1e-10, max_iter=100):
    """Safeguarded Newton inside a bisection bracket (the robust fallback)."""
    def f_and_df(t, mm, rr):
        e, i2, i3, i4 = _pattern_sums(t, d, mm)
        f, df = _estimating_equation(rr, e, i2, i3, i4, method)
        return f, df, i2

    # Bracket every root on a grid: the cumulants are evaluated once per grid point and
    # item, and the per-pattern sums are a matrix product.
    grid = np.linspace(-_BRACKET, _BRACKET, 61)
    mu, m2, m3, _ = _moments(grid, d)
    w = m.astype(np.float64)
    e_g, i_g, j_g = w @ mu.T, w @ m2.T, w @ m3.T  # (u, G)
    fg = r[:, None] - e_g
    if method == "wle":
        fg += j_g / (2.0 * i_g)
    pos = fg > 0  # f decreases in theta; first grid point where f <= 0
    first = np.minimum(pos.sum(1), grid.size - 1)
    first = np.maximum(first, 1)
    lo = grid[first - 1].copy()
    hi = grid[first].copy()
    f_lo = np.take_along_axis(fg, (first - 1)[:, None], 1)[:, 0]
    f_hi = np.take_along_axis(fg, first[:, None], 1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = lo + (hi - lo) * f_lo / (f_lo - f_hi)
    t = np.where(np.isfinite(t) & (t > lo) & (t < hi), t, 0.5 * (lo + hi))
    active = np.ones(r.shape, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ti = t[idx]
        f, df, _ = f_and_df(ti, m[idx], r[idx])
        # f is decreasing in theta: f > 0 means the root lies above
        lo[idx] = np.where(f > 0, ti, lo[idx])
        hi[idx] = np.where(f <= 0, ti, hi[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -f / df
        new = ti + step
        converged = np.isfinite(step) & (np.abs(step) < tol)
        bad = ~np.isfinite(new) | (new <= lo[idx]) | (new >= hi[idx]) | (df >= 0)
        bad &= ~converged
        new = np.where(bad, 0.5 * (lo[idx] + hi[idx]), new)
        done = converged | (hi[idx] - lo[idx] < tol)
        t[idx] = new
        active[idx[done]] = False
    _, i2, _, _ = _pattern_sums(t, d, m)
    return t, 1.0 / np.sqrt(i2)


def _solve_eap(masks, scores, d, prior_mean, prior_sd, n_points=201):
    if not prior_sd > 0:
        raise ValueError("prior_sd must be positive")
    nodes = prior_mean + prior_sd * np.linspace(-8.0, 8.0, n_points)
    logprior = -0.5 * ((nodes - prior_mean) / prior_sd) ** 2
    cum = np.concatenate([np.zeros((d.shape[0], 1)), np.cumsum(d, axis=1)], axis=1)
    psi = nodes[:, None, None] * np.arange(N_CATEGORIES)[None, None, :] - cum[None]
    logz = np.log(np.exp(psi - psi.max(2, keepdims=True)).sum(2)) + psi.max(2)  # (q, k)
    # log-likelihood up to a pattern constant: r*theta - sum_{answered} log Z_i(theta)
    ll = scores[:, None] * nodes[None, :] - masks.astype(np.float64) @ logz.T + logprior[None, :]
    ll -= ll.max(1, keepdims=True)
    np.maximum(ll, -60.0, out=ll)  # weights below e^-60 are negligible; avoids slow underflow
    w = np.exp(ll)
    w /= w.sum(1, keepdims=True)
    mean = w @ nodes
    sd = np.sqrt(np.maximum(w @ nodes**2 - mean**2, 0.0))
    none = masks.sum(1) == 0
    mean[none] = np.nan
    sd[none] = np.nan
    return mean, sd


# Dense lookup tables (and the cache) are used while 2^k (3k+1) <= _DENSE_LIMIT (k <= 12,
# about 6 MB per table); longer scales use np.unique on the keys and are not cached.
_DENSE_LIMIT = 1 << 18
_TABLE_CACHE: dict = {}
_TABLE_CACHE_SIZE = 16
_BLOCK = 32768  # rows per block: the working arrays of a block stay in the CPU cache


def _check_codes(r, top, item_names=None):
    """Codes must be whole numbers, -1 (missing) or 0..the item's highest code (top: (k,) or None =
    all 3). NaN or fractional codes are refused, naming the item: cast to int8 they would silently
    become other answers (NaN becomes 0, the least favourable one)."""
    def name(j):
        return item_names[j] if item_names is not None else f"column {j}"
    if not (np.issubdtype(r.dtype, np.integer) or np.issubdtype(r.dtype, np.bool_)):
        if not np.issubdtype(r.dtype, np.floating):
            raise ValueError(f"response codes must be numbers, got {r.dtype}")
        bad = ~np.isfinite(r) | (r != np.round(r))
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"response codes must be whole numbers (-1 = missing): item {name(j)} has "
                             f"{float(r[i, j])} for respondent {i} ({int(bad.sum())} such codes in all)")
    if r.min() < -1 or r.max() > MAX_CODE:
        j = int(np.flatnonzero(((r < -1) | (r > MAX_CODE)).any(0))[0])
        raise ValueError(f"response codes must be -1 (missing) or 0..3 (item {name(j)} has others)")
    if top is not None and np.any(r > top[None, :]):
        bad = np.flatnonzero((r > top[None, :]).any(0))
        raise ValueError(f"items {[name(j) for j in bad] if item_names is not None else bad.tolist()} "
                         "have codes above their highest category")


def clear_cache():
    """Forget the solved-pattern tables (they are a pure function of their inputs)."""
    _TABLE_CACHE.clear()


def estimate_theta(responses, thresholds, method="wle", min_answered=None, prior_sd=1.0,
                   prior_mean=0.0, item_names=None) -> ThetaEstimate:
    """Person estimates with thresholds fixed.

    responses: int (n, k), codes 0..3, -1 missing.  thresholds: (k, 3), or (k, m) with m < 3
    or trailing NaN for items with fewer categories (a dichotomous item: one threshold, codes
    0..1).  Returns ThetaEstimate(theta, se, n_answered); theta and se are the two columns of one
    (n, 2) array (views), n_answered is int64.
    min_answered: respondents with fewer answered items get NaN; default
    ``default_min_answered(k)`` = max(3, ceil(k/2)) capped at k.  Pass 1 to score anyone
    with at least one answer.  item_names: (k,) names for error messages (NaN, fractional or
    out-of-range codes are refused, naming the item).
    """
    d = _check_thresholds(thresholds)
    top = np.isfinite(d).sum(1) if np.isinf(d).any() else None
    r = np.asarray(responses)
    if r.ndim != 2 or r.shape[1] != d.shape[0]:
        raise ValueError(f"responses must have shape (n, {d.shape[0]}), got {r.shape}")
    n, k = r.shape
    if method not in ("wle", "mle", "eap"):
        raise ValueError(f"unknown method {method!r}")
    if r.dtype != np.int8:
        if n:
            _check_codes(r, top, item_names)
        r = r.astype(np.int8)
    if min_answered is None:
        min_answered = default_min_answered(k)
    min_answered = max(1, int(min_answered))
    size = (1 << k) * (3 * k + 1)
    if size <= _DENSE_LIMIT:
        # Tables of solved patterns are kept per (thresholds, method, rule, prior): scoring
        # many batches against the same calibration solves each pattern once.
        ckey = (d.tobytes(), d.shape, method, min_answered, float(prior_sd), float(prior_mean))
        entry = _TABLE_CACHE.pop(ckey, None)
        if entry is None:
            entry = (np.full((size, 2), np.nan), np.zeros(size, bool), np.zeros(size, np.int64))
        _TABLE_CACHE[ckey] = entry  # most recently used last
        while len(_TABLE_CACHE) > _TABLE_CACHE_SIZE:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)))
        table, solved, na_table = entry
        out = np.empty((n, 2))
        n_ans = np.empty(n, dtype=np.int64)
        keys = np.empty(n, dtype=np.int64)

        def solve(todo):
            masks, scores = decode_keys(todo, k)
            th, se = solve_patterns(masks, scores, d, method=method, prior_mean=prior_mean,
                                    prior_sd=prior_sd)
            na = masks.sum(1)
            low = na < min_answered
            th[low] = np.nan
            se[low] = np.nan
            table[todo, 0] = th
            table[todo, 1] = se
            na_table[todo] = na
            solved[todo] = True

        # Work in blocks of rows that fit in the CPU cache, so each pass over a block runs from
        # cache rather than memory (this halves the time for a million respondents). The first
        # block's new patterns are solved at once (they are most of them); later blocks with
        # patterns still unsolved wait, and their patterns are solved together at the end.
        waiting, needed = [], np.zeros(size, dtype=bool)
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            block = r[start:stop]
            _check_codes(block, top)
            bkeys = keys[start:stop]
            bkeys[:] = pattern_keys(block)
            known = solved[bkeys]
            if not known.all():
                needed[bkeys[~known]] = True
                if start > 0:
                    waiting.append((start, stop))
                    continue
                solve(np.flatnonzero(needed))
                needed[:] = False
            np.take(table, bkeys, axis=0, out=out[start:stop])
            np.take(na_table, bkeys, out=n_ans[start:stop])
        if waiting:
            solve(np.flatnonzero(needed))
            for start, stop in waiting:
                np.take(table, keys[start:stop], axis=0, out=out[start:stop])
                np.take(na_table, keys[start:stop], out=n_ans[start:stop])
        return ThetaEstimate(theta=out[:, 0], se=out[:, 1], n_answered=n_ans)
    # long scales: too many patterns for a dense table, so solve the distinct ones present
    if n:
        _check_codes(r, top)
    present, index = np.unique(pattern_keys(r), return_inverse=True)
    masks, scores = decode_keys(present, k)
    th, se = solve_patterns(masks, scores, d, method=method, prior_mean=prior_mean, prior_sd=prior_sd)
    na = masks.sum(1)
    low = na < min_answered
    th[low] = np.nan
    se[low] = np.nan
    table = np.stack([th, se], axis=1)
    na_table = na.astype(np.int64)
    # one gather of (theta, se) pairs; theta and se are views of its columns
    out = np.take(table, index, axis=0)
    n_ans = np.take(na_table, index)
    return ThetaEstimate(theta=out[:, 0], se=out[:, 1], n_answered=n_ans)
