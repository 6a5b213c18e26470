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

Empty categories (a category of an item nobody chose, common in small skewed samples) leave
some of the item's thresholds without an estimate.  The rule (docs/scoring.md):
1. when a reference calibration is given, the item is held at its reference thresholds;
2. otherwise the empty category is collapsed: only the steps between observed categories are
   estimated (a jump over an empty middle category as one step, split with the empty category
   EMPTY_CATEGORY_OFFSET logits out of the way), and the steps into an empty end category are
   placed EMPTY_CATEGORY_OFFSET logits beyond the nearest estimated step, so the category keeps
   its score but has practically no probability.  Centring then uses the estimated steps only.
Either way the calibration carries one note per item saying what was done; it never raises
for an empty category.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fit import cronbach_alpha, fit_and_reliability
from .rasch import MAX_CODE, N_CATEGORIES, category_probabilities, decode_keys, pattern_keys

EMPTY_CATEGORY_OFFSET = 5.0  # logits; an empty category then has probability below 1%


@dataclass(frozen=True)
class ItemNote:
    """What the empty-category rule did to one item."""
    item: int  # index in the topic
    empty_categories: tuple[int, ...]  # codes 0..3 nobody chose
    rule: str  # "reference" (held at the reference thresholds) or "collapsed"
    message: str


@dataclass(frozen=True)
class Calibration:
    thresholds: np.ndarray  # (k, 3)
    threshold_se: np.ndarray  # (k, 3); 0 for anchored items
    infit: np.ndarray  # (k,) mean squares, extremes excluded (surveys.fit)
    outfit: np.ndarray  # (k,)
    reliability: float  # person separation, extreme scores excluded
    alpha: float
    n_persons: int
    method: str
    converged: bool
    iterations: int
    pop_mean: float = 0.0
    pop_sd: float = 1.0
    loglik: float = float("nan")
    infit_zstd: np.ndarray | None = None  # (k,)
    outfit_zstd: np.ndarray | None = None  # (k,)
    reliability_with_extremes: float = float("nan")
    category_counts: np.ndarray | None = None  # (k, 4) int64: answers per category
    notes: tuple[ItemNote, ...] = ()  # one per item the empty-category rule touched


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


def _collapse_map(observed):
    """For an item whose observed categories are `observed` (sorted codes): thresholds
    delta = A @ beta + b with one free beta per jump between consecutive observed categories
    (the jump's mean step).  Returns A (3, p), b (3,), in_range (3,) bool: the steps between
    the lowest and highest observed category (the estimated ones)."""
    m = EMPTY_CATEGORY_OFFSET
    p = max(len(observed) - 1, 0)
    a, b, in_range = np.zeros((MAX_CODE, p)), np.zeros(MAX_CODE), np.zeros(MAX_CODE, bool)
    if not observed:
        return a, b, in_range
    for j in range(p):
        steps = range(observed[j] + 1, observed[j + 1] + 1)
        offsets = m * np.linspace(1.0, -1.0, len(steps)) if len(steps) > 1 else [0.0]
        for t, off in zip(steps, offsets):
            a[t - 1, j], b[t - 1], in_range[t - 1] = 1.0, off, True
    for t in range(1, observed[0] + 1):  # steps into empty categories at the bottom
        if p:
            a[t - 1, 0] = 1.0
        b[t - 1] = -m * (observed[0] + 1 - t)
    for t in range(observed[-1] + 1, MAX_CODE + 1):  # ... and at the top
        if p:
            a[t - 1, p - 1] = 1.0
        b[t - 1] = m * (t - observed[-1])
    return a, b, in_range


def _empty_category_rule(item_counts, anchors, reference):
    """Apply the empty-category rule: returns (anchors with the held items added,
    {item: (A, b, in_range)} for the collapsed items, notes)."""
    anchors = dict(anchors)
    collapsed, notes = {}, []
    for i in np.flatnonzero((item_counts == 0).any(1)):
        i = int(i)
        if i in anchors:
            continue
        empty = tuple(int(c) for c in np.flatnonzero(item_counts[i] == 0))
        names = ", ".join(str(c) for c in empty)
        if reference is not None:
            anchors[i] = reference[i].copy()
            notes.append(ItemNote(i, empty, "reference", f"item {i}: category {names} not chosen by anyone; "
                                  f"held at the reference thresholds {np.round(reference[i], 3).tolist()}"))
            continue
        observed = [int(c) for c in np.flatnonzero(item_counts[i] > 0)]
        collapsed[i] = _collapse_map(observed)
        if len(observed) < 2:
            how = ("no answers" if not observed else f"all answers in category {observed[0]}")
            message = f"item {i}: {how}; its thresholds cannot be estimated and are placeholders"
        else:
            message = (f"item {i}: category {names} not chosen by anyone and no reference; collapsed: "
                       f"only the steps between categories {observed[0]} and {observed[-1]} are estimated, "
                       f"an empty category is put {EMPTY_CATEGORY_OFFSET:g} logits out of the way")
        notes.append(ItemNote(i, empty, "collapsed", message))
    return anchors, collapsed, tuple(sorted(notes, key=lambda n: n.item))


def calibrate(responses, anchors=None, reference=None, seed=0, n_nodes=41, tol=1e-5, max_iter=1000,
              min_answered=None) -> Calibration:
    """Calibrate PCM thresholds (n_items, 3) by MML-EM.

    responses: int (n, k) codes 0..3, -1 missing.  anchors: {item index: (3,) thresholds}
    held fixed.  reference: (k, 3) thresholds of the reference calibration, used only for
    the empty-category rule (module docstring); without it empty categories are collapsed.
    seed: accepted for a stable API; the algorithm is deterministic and uses no random
    numbers.  min_answered: the rule for the respondents entering item fit and person
    reliability (default: the scoring rule).  Never raises for an empty category: see notes.
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
    if reference is not None:
        reference = np.asarray(reference, dtype=np.float64)
        if reference.shape != (k, MAX_CODE) or not np.all(np.isfinite(reference)):
            raise ValueError(f"reference must be finite thresholds of shape ({k}, {MAX_CODE})")

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
    anchors, collapsed, notes = _empty_category_rule(item_counts, anchors, reference)
    held = np.array([i in anchors for i in range(k)])
    # free: all steps estimated; collapsed items with p > 0 are estimated through their map
    free = ~held & np.array([i not in collapsed for i in range(k)])
    maps = {i: m for i, m in collapsed.items() if m[0].shape[1]}
    in_range = np.ones((k, MAX_CODE), bool)
    for i, (_, _, rng_i) in collapsed.items():
        in_range[i] = rng_i
    centre = ~held[:, None] & in_range
    masks_u, scores_u, cnt_u, ncat_u = masks[use], scores[use].astype(np.float64), cnt[use], ncat[use]
    wmask = masks_u.astype(np.float64)
    n_persons = int(cnt_u.sum())

    def project(d):
        """Put the collapsed items on their maps (least squares in beta)."""
        for i, (a, b, _) in collapsed.items():
            beta = np.linalg.lstsq(a, d[i] - b, rcond=None)[0] if a.shape[1] else np.zeros(0)
            d[i] = a @ beta + b
        return d

    d = project(_initial_thresholds(item_counts))
    if not anchors and centre.any():
        d[~held] -= d[centre].mean()
    for i, v in anchors.items():
        d[i] = v
    z, wq = np.polynomial.hermite_e.hermegauss(n_nodes)
    logw = np.log(wq / wq.sum())
    mu, sigma = 0.0, 1.0
    converged = False
    it = 0
    loglik = -np.inf
    jj = np.maximum.outer(np.arange(3), np.arange(3))
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
            pmax = pge[:, :, jj]  # (q, k, 3, 3) P(X >= max(j, l))
            cov = pmax - pge[:, :, :, None] * pge[:, :, None, :]
            hess = -np.einsum("kq,qkjl->kjl", nq, cov)
            if free.any():
                d_new[free] -= np.linalg.solve(hess[free], grad[free][..., None])[..., 0]
            for i, (a, _, _) in maps.items():  # a Newton step in beta, mapped back
                d_new[i] -= a @ np.linalg.solve(a.T @ hess[i] @ a, a.T @ grad[i])
        if not anchors and centre.any():
            shift = d_new[centre].mean()
            d_new[~held] -= shift
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
    # the free parameters: all 3 steps of a free item, one beta per jump of a collapsed one
    blocks = [(i, np.eye(MAX_CODE)) for i in np.flatnonzero(free)] + [(i, m[0]) for i, m in maps.items()]
    se = np.zeros((k, MAX_CODE))
    if blocks:
        gf = np.concatenate([g[:, i, :] @ a for i, a in blocks], axis=1)
        cov = np.linalg.pinv(gf.T @ gf)
        start = 0
        for i, a in blocks:
            q = a.shape[1]
            se[i] = np.sqrt(np.maximum(np.diag(a @ cov[start:start + q, start:start + q] @ a.T), 0))
            start += q

    # ---- fit and reliability by the Winsteps / eRm convention (surveys.fit) ----------
    fit, rel = fit_and_reliability(r, d, min_answered=min_answered)
    return Calibration(
        thresholds=d, threshold_se=se, infit=fit.infit, outfit=fit.outfit,
        reliability=rel.without_extremes, alpha=cronbach_alpha(r), n_persons=n_persons,
        method=f"MML-EM, Rasch PCM, normal population, {n_nodes}-point Gauss-Hermite"
        + (", anchored" if anchors else ", thresholds centred at mean 0"),
        converged=converged, iterations=it, pop_mean=mu, pop_sd=sigma, loglik=loglik,
        infit_zstd=fit.infit_zstd, outfit_zstd=fit.outfit_zstd,
        reliability_with_extremes=rel.with_extremes, category_counts=item_counts.astype(np.int64),
        notes=notes,
    )
