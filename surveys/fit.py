"""Item fit, person reliability and Cronbach's alpha, by the Winsteps / eRm convention.

Person locations are maximum likelihood estimates with the thresholds held fixed (eRm's
``person.parameter``).  Item fit (eRm's ``itemfit``) uses only the respondents who answered at
least the minimum number of items (the scoring rule) and whose raw score is not extreme (not the
lowest or highest possible on the items they answered): an extreme score has no finite MLE and
its residuals carry no information about misfit.  For respondent n and answered item i, with
E, V and C the model mean, variance and fourth central moment of the item score at theta_n:

    outfit_i = mean over n of (x_ni - E_ni)^2 / V_ni        (unweighted mean square)
    infit_i  = sum_n (x_ni - E_ni)^2 / sum_n V_ni           (information-weighted)
    q^2(outfit) = sum_n C_ni / V_ni^2 / N_i^2 - 1 / N_i
    q^2(infit)  = sum_n (C_ni - V_ni^2) / (sum_n V_ni)^2
    ZSTD = (MSQ^(1/3) - 1) (3 / q) + q / 3                  (Wilson-Hilferty)

Both mean squares have expectation 1; values above 1 mean noise (unexpected answers), below 1
answers more predictable than the model expects.  Person separation reliability is
(var(theta) - mean(SE^2)) / var(theta) (eRm's ``SepRel``, variance with n - 1), once without
the extreme scores and once with them, extremes then estimated with the 0.3 score-point
correction (Winsteps' default EXTRSCORE).  Everything is computed once per distinct
(answered-items mask, raw score) pattern, weighted by its count.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rasch import N_CATEGORIES, category_probabilities, decode_keys, default_min_answered, pattern_keys, solve_patterns
from .rasch.model import _check_thresholds


@dataclass(frozen=True)
class ItemFit:
    """Per item, shape (k,): mean squares, their ZSTD, and the answers that entered."""
    infit: np.ndarray
    outfit: np.ndarray
    infit_zstd: np.ndarray
    outfit_zstd: np.ndarray
    n_answers: np.ndarray  # int64: answers of the non-extreme respondents used
    n_persons: int  # respondents used (non-extreme, at least min_answered answers)
    n_extreme: int  # respondents left out for an extreme raw score


@dataclass(frozen=True)
class Reliability:
    without_extremes: float
    with_extremes: float
    n_without: int
    n_with: int


@dataclass(frozen=True)
class _Patterns:
    masks: np.ndarray  # (u, k) bool
    scores: np.ndarray  # (u,) float
    counts: np.ndarray  # (u,) float: respondents with the pattern
    ncat: np.ndarray  # (u, k, 4) float: of those, how many chose category c of item i
    extreme: np.ndarray  # (u,) bool
    enough: np.ndarray  # (u,) bool: at least min_answered answers


def _patterns(responses, d, min_answered) -> _Patterns:
    r = np.asarray(responses).astype(np.int8)
    n, k = r.shape
    present, index = np.unique(pattern_keys(r), return_inverse=True)
    masks, scores = decode_keys(present, k)
    ans = r >= 0
    flat = (index[:, None] * k + np.arange(k)[None, :]) * N_CATEGORIES + np.where(ans, r, 0)
    ncat = np.bincount(flat[ans], minlength=present.size * k * N_CATEGORIES).reshape(
        present.size, k, N_CATEGORIES).astype(np.float64)
    counts = np.bincount(index, minlength=present.size).astype(np.float64)
    top = masks @ np.isfinite(d).sum(1)
    ma = default_min_answered(k) if min_answered is None else max(1, int(min_answered))
    return _Patterns(masks, scores.astype(np.float64), counts, ncat,
                     (scores == 0) | (scores == top), masks.sum(1) >= ma)


def _item_fit(p: _Patterns, d) -> ItemFit:
    use = p.enough & ~p.extreme
    theta, _ = solve_patterns(p.masks[use], p.scores[use], d, method="mle")
    prob = category_probabilities(theta, d)  # (u, k, 4)
    cats = np.arange(N_CATEGORIES, dtype=np.float64)
    e = prob @ cats
    dev2 = (cats[None, None, :] - e[:, :, None]) ** 2
    v = np.einsum("ukc,ukc->uk", prob, dev2)
    c4 = np.einsum("ukc,ukc->uk", prob, dev2 * dev2)
    ncat = p.ncat[use]
    n_ui = ncat.sum(2)  # 0 or the pattern count
    sq = np.einsum("ukc,ukc->uk", ncat, dev2)
    n_i = n_ui.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        outfit = (sq / v).sum(0) / n_i
        infit = sq.sum(0) / (n_ui * v).sum(0)
        q_out = np.sqrt((n_ui * c4 / v**2).sum(0) / n_i**2 - 1.0 / n_i)
        q_in = np.sqrt((n_ui * (c4 - v * v)).sum(0) / (n_ui * v).sum(0) ** 2)
        z_out = (np.cbrt(outfit) - 1.0) * (3.0 / q_out) + q_out / 3.0
        z_in = (np.cbrt(infit) - 1.0) * (3.0 / q_in) + q_in / 3.0
    return ItemFit(infit=infit, outfit=outfit, infit_zstd=z_in, outfit_zstd=z_out,
                   n_answers=n_i.astype(np.int64), n_persons=int(p.counts[use].sum()),
                   n_extreme=int(p.counts[p.enough & p.extreme].sum()))


def item_fit(responses, thresholds, min_answered=None) -> ItemFit:
    """Infit and outfit mean squares and ZSTD of every item (see the module docstring).

    responses: int (n, k), codes 0..item max, -1 missing.  thresholds: (k, 3) (or fewer
    categories, as in surveys.rasch).  min_answered: default the scoring rule.  An item no
    used respondent answered gets NaN."""
    d = _check_thresholds(thresholds)
    return _item_fit(_patterns(responses, d, min_answered), d)


def _separation(theta, se, w) -> float:
    if w.sum() < 2:
        return float("nan")
    mean = np.average(theta, weights=w)
    var = float(w @ (theta - mean) ** 2 / (w.sum() - 1))
    mse = float(np.average(se**2, weights=w))
    return (var - mse) / var if var > 0 else float("nan")


def _reliability(p: _Patterns, d) -> Reliability:
    sel = p.enough
    theta, se = solve_patterns(p.masks[sel], p.scores[sel], d, method="mle")  # 0.3 rule at extremes
    w, inner = p.counts[sel], ~p.extreme[sel]
    return Reliability(without_extremes=_separation(theta[inner], se[inner], w[inner]),
                       with_extremes=_separation(theta, se, w),
                       n_without=int(w[inner].sum()), n_with=int(w.sum()))


def person_reliability(responses, thresholds, min_answered=None) -> Reliability:
    """Person separation reliability without and with the extreme scores (module docstring)."""
    d = _check_thresholds(thresholds)
    return _reliability(_patterns(responses, d, min_answered), d)


def fit_and_reliability(responses, thresholds, min_answered=None) -> tuple[ItemFit, Reliability]:
    """Both at once, sharing the pattern table."""
    d = _check_thresholds(thresholds)
    p = _patterns(responses, d, min_answered)
    return _item_fit(p, d), _reliability(p, d)


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
