"""Calibration of Rasch partial credit thresholds from collected data (with missing answers).

Method: marginal maximum likelihood (MML) by EM (Bock-Aitkin), strict Rasch (all slopes 1),
with a normal population N(mu, sigma^2) on a fixed Gauss-Hermite grid.  Missing answers are
left out of the likelihood (ignorable missingness).  Under the Rasch model the posterior of
a respondent depends only on (answered-items mask, raw score), so the E-step runs over the
distinct patterns, weighted by their counts, not over respondents.

Identification: without anchors the mean of all thresholds is fixed at 0 (mu and sigma
free).  With anchors (dict item index -> 3 thresholds from a reference calibration) those
items are held fixed, nothing is centred, and mu and sigma are free: the new thresholds are on
the reference scale.  ``link_mean_mean`` is the alternative for separately centred
calibrations.  See docs/scoring.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rasch import (
    MAX_CODE,
    N_CATEGORIES,
    category_probabilities,
    decode_keys,
    default_min_answered,
    pattern_keys,
    solve_patterns,
)


@dataclass(frozen=True)
class Calibration:
    thresholds: np.ndarray  # (k, 3)
    threshold_se: np.ndarray  # (k, 3); 0 for anchored items
    infit: np.ndarray  # (k,)
    outfit: np.ndarray  # (k,)
    reliability: float
    alpha: float
    n_persons: int
    method: str
    converged: bool
    iterations: int
    pop_mean: float = 0.0
    pop_sd: float = 1.0
    loglik: float = float("nan")


def cronbach_alpha(responses) -> float:
    """Cronbach's alpha with the pairwise (available-case) rule: each item variance from the
    respondents who answered that item, each covariance from those who answered both;
    alpha = k/(k-1) * (1 - sum var_i / sum_ij cov_ij).  NaN if k < 2 or a pair has fewer
    than 2 common respondents."""
    x = np.asarray(responses)
    k = x.shape[1]
    if k < 2:
        return float("nan")
    a = (x >= 0).astype(np.float64)
    x0 = np.where(x >= 0, x, 0).astype(np.float64)
    nij = a.T @ a
    sxy = x0.T @ x0
    sx_given_y = x0.T @ a  # [i, j] = sum of x_i over respondents answering i and j
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = (sxy - sx_given_y * sx_given_y.T / nij) / (nij - 1)
    if not np.all(np.isfinite(cov)):
        return float("nan")
    total = cov.sum()
    return float(k / (k - 1) * (1 - np.trace(cov) / total)) if total > 0 else float("nan")


def link_mean_mean(new_thresholds, reference_thresholds, common_items):
    """Mean-mean linking: shift a separately centred calibration onto a reference scale by
    the difference of the mean thresholds of the common items.  Returns (linked, shift)."""
    new = np.asarray(new_thresholds, dtype=np.float64)
    ref = np.asarray(reference_thresholds, dtype=np.float64)
    common = list(common_items)
    if not common:
        raise ValueError("mean-mean linking needs at least one common item")
    shift = float(ref[common].mean() - new[common].mean())
    return new + shift, shift


def _log_z(nodes, d):
    cum = np.concatenate([np.zeros((d.shape[0], 1)), np.cumsum(d, axis=1)], axis=1)
    psi = nodes[:, None, None] * np.arange(N_CATEGORIES)[None, None, :] - cum[None]
    mx = psi.max(2)
    return np.log(np.exp(psi - mx[..., None]).sum(2)) + mx  # (q, k)


def _initial_thresholds(counts):
    """Log ratios of adjacent category counts (smoothed), per item: (k, 3)."""
    c = counts + 0.5
    return np.log(c[:, :-1] / c[:, 1:])


def calibrate(responses, anchors=None, seed=0, n_nodes=41, tol=1e-5, max_iter=1000,
              min_answered=None) -> Calibration:
    """Calibrate PCM thresholds (n_items, 3) by MML-EM.

    responses: int (n, k) codes 0..3, -1 missing.  anchors: {item index: (3,) thresholds}
    held fixed.  seed: accepted for a stable API; the algorithm is deterministic and uses
    no random numbers.  min_answered: the rule used for the persons entering the person
    separation reliability (default: the scoring rule).
    """
    del seed
    r = np.asarray(responses)
    if r.ndim != 2:
        raise ValueError("responses must be 2-d (respondents, items)")
    if r.size and (r.min() < -1 or r.max() > MAX_CODE):
        raise ValueError("response codes must be -1 (missing) or 0..3")
    r = r.astype(np.int8)
    n, k = r.shape
    anchors = {int(i): np.asarray(v, dtype=np.float64) for i, v in (anchors or {}).items()}
    for i, v in anchors.items():
        if not 0 <= i < k or v.shape != (MAX_CODE,):
            raise ValueError(f"bad anchor for item {i}")
    free = np.array([i not in anchors for i in range(k)])

    # ---- sufficient patterns -------------------------------------------------------
    keys = pattern_keys(r)
    present, index = np.unique(keys, return_inverse=True)
    cnt = np.bincount(index, minlength=present.size).astype(np.float64)
    masks, scores = decode_keys(present, k)
    use = masks.any(1)  # respondents with no answer carry no information
    ans = r >= 0
    # N[u, i, c]: respondents with pattern u who answered item i with category c
    flat = (index[:, None] * k + np.arange(k)[None, :]) * N_CATEGORIES + np.where(ans, r, 0)
    ncat = np.bincount(flat[ans], minlength=present.size * k * N_CATEGORIES).reshape(
        present.size, k, N_CATEGORIES).astype(np.float64)
    item_counts = ncat.sum(0)  # (k, 4)
    if np.any(item_counts[free] == 0):
        bad = np.flatnonzero((item_counts == 0).any(1) & free)
        raise ValueError(f"items {bad.tolist()} have an empty category: thresholds not estimable")
    masks_u, scores_u, cnt_u, ncat_u = masks[use], scores[use].astype(np.float64), cnt[use], ncat[use]
    wmask = masks_u.astype(np.float64)
    n_persons = int(cnt_u.sum())

    d = _initial_thresholds(item_counts)
    d -= d[free].mean() if not anchors else 0.0
    for i, v in anchors.items():
        d[i] = v
    z, wq = np.polynomial.hermite_e.hermegauss(n_nodes)
    logw = np.log(wq / wq.sum())
    mu, sigma = 0.0, 1.0
    if anchors:  # start the population where the anchored items put it
        mu = 0.0
    converged = False
    it = 0
    loglik = -np.inf
    for it in range(1, max_iter + 1):
        nodes = mu + sigma * z
        ll = scores_u[:, None] * nodes[None, :] - wmask @ _log_z(nodes, d).T + logw[None, :]
        mx = ll.max(1, keepdims=True)
        post = np.exp(ll - mx)
        tot = post.sum(1, keepdims=True)
        post /= tot
        loglik = float(cnt_u @ (np.log(tot[:, 0]) + mx[:, 0]))
        # expected counts r[i, c, q]
        rq = np.einsum("uic,uq->icq", ncat_u, post)
        nq = rq.sum(1)  # (k, q)
        # population update
        pw = post * cnt_u[:, None]
        wq_post = pw.sum(0) / n_persons
        new_mu = float(wq_post @ nodes)
        new_sigma = float(np.sqrt(max(wq_post @ (nodes - new_mu) ** 2, 1e-6)))
        # item M-step: Newton on the expected complete-data log-likelihood (2 steps)
        d_new = d.copy()
        ge = np.cumsum(rq[:, ::-1, :], axis=1)[:, ::-1, :][:, 1:, :]  # (k, 3, q) E[n(X>=j)]
        for _ in range(2):
            p = category_probabilities(nodes, d_new)  # (q, k, 4)
            pge = np.cumsum(p[:, :, ::-1], axis=2)[:, :, ::-1][:, :, 1:]  # (q, k, 3) P(X>=j)
            grad = -ge.sum(2) + np.einsum("kq,qkj->kj", nq, pge)
            jj = np.maximum.outer(np.arange(3), np.arange(3))
            pmax = pge[:, :, jj]  # (q, k, 3, 3) P(X >= max(j, l))
            cov = pmax - pge[:, :, :, None] * pge[:, :, None, :]
            hess = -np.einsum("kq,qkjl->kjl", nq, cov)
            step = np.linalg.solve(hess[free], grad[free][..., None])[..., 0]
            d_new[free] -= step
        if not anchors:
            shift = d_new.mean()
            d_new -= shift
            new_mu -= shift
        change = max(np.abs(d_new - d).max(), abs(new_mu - mu), abs(new_sigma - sigma))
        d, mu, sigma = d_new, new_mu, new_sigma
        if change < tol:
            converged = True
            break

    # ---- standard errors: cross-product of per-person scores (XPD) ------------------
    nodes = mu + sigma * z
    ll = scores_u[:, None] * nodes[None, :] - wmask @ _log_z(nodes, d).T + logw[None, :]
    post = np.exp(ll - ll.max(1, keepdims=True))
    post /= post.sum(1, keepdims=True)
    p = category_probabilities(nodes, d)
    pge = np.cumsum(p[:, :, ::-1], axis=2)[:, :, ::-1][:, :, 1:]  # (q, k, 3)
    a_u = np.zeros((present.size, k, MAX_CODE))
    a_u[use] = np.einsum("uq,qkj->ukj", post, pge)
    g = a_u[index] - (r[:, :, None] >= np.arange(1, N_CATEGORIES)[None, None, :])
    g *= ans[:, :, None]
    gf = g[:, free, :].reshape(n, -1)
    se = np.zeros((k, MAX_CODE))
    if gf.shape[1]:
        xpd = gf.T @ gf
        cov = np.linalg.pinv(xpd)
        se[free] = np.sqrt(np.maximum(np.diag(cov), 0)).reshape(-1, MAX_CODE)

    # ---- fit and reliability from WLE person estimates, at pattern level ------------
    th_u, se_u = solve_patterns(masks, scores, d, method="wle")
    pk = category_probabilities(np.nan_to_num(th_u), d)  # (u, k, 4)
    cats = np.arange(N_CATEGORIES, dtype=np.float64)
    e = pk @ cats
    v = np.einsum("ukc,ukc->uk", pk, (cats[None, None, :] - e[:, :, None]) ** 2)
    sq = np.einsum("ukc,ukc->uk", ncat, (cats[None, None, :] - e[:, :, None]) ** 2)
    n_ui = ncat.sum(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        outfit = (sq / v).sum(0) / n_ui.sum(0)
        infit = sq.sum(0) / (n_ui * v).sum(0)
    ma = default_min_answered(k) if min_answered is None else int(min_answered)
    sel = masks.sum(1) >= max(ma, 1)
    wsel = cnt[sel]
    if wsel.sum() > 1:
        tm = np.average(th_u[sel], weights=wsel)
        var_obs = np.average((th_u[sel] - tm) ** 2, weights=wsel)
        mse = np.average(se_u[sel] ** 2, weights=wsel)
        reliability = float((var_obs - mse) / var_obs) if var_obs > 0 else float("nan")
    else:
        reliability = float("nan")

    return Calibration(
        thresholds=d, threshold_se=se, infit=infit, outfit=outfit, reliability=reliability,
        alpha=cronbach_alpha(r), n_persons=n_persons,
        method=f"MML-EM, Rasch PCM, normal population, {n_nodes}-point Gauss-Hermite"
        + (", anchored" if anchors else ", thresholds centred at mean 0"),
        converged=converged, iterations=it, pop_mean=mu, pop_sd=sigma, loglik=loglik,
    )
