"""Rasch partial credit model (PCM) for items of 2 to 4 categories, and person estimates.

Model (Masters' PCM).  Item i has step parameters delta_i1, delta_i2, delta_i3 (logits)
and a respondent with location theta answers category x in 0..3 with

    P(X_i = x | theta)  ∝  exp( sum_{j <= x} (theta - delta_ij) )       (empty sum = 0 for x = 0)

Code 3 is the favourable end of every item.  -1 marks a missing answer; missing answers are
simply left out of the likelihood.  The rating scale model is the special case
delta_ij = b_i + tau_j.

Person estimates with thresholds held fixed depend on the answers only through the
sufficient statistic (which items were answered, raw score).  ``estimate_theta`` therefore
solves each distinct (answered-items mask, raw score) pair once, vectorised over the
distinct pairs, and looks the result up for every respondent: there is no loop over
respondents, and the result is exactly the same as solving every respondent separately.

Estimators (see docs/scoring.md):
- "wle": Warm's weighted likelihood estimate, root of  r - E(theta) + J(theta) / (2 I(theta)) = 0
  where E is the expected raw score over the answered items, I the test information (sum of
  item variances) and J = dI/dtheta (sum of item third central moments).  Finite for
  all-lowest and all-highest patterns.
- "mle": root of r' - E(theta) = 0 where extreme raw scores are moved in by 0.3 score points
  (r' = 0.3 for a zero score, r' = max - 0.3 for a perfect score).
- "eap": posterior mean under a normal prior N(prior_mean, prior_sd^2), by quadrature on
  201 equally spaced points over prior_mean +- 8 prior_sd; SE = posterior sd.
SE for WLE and MLE is 1 / sqrt(I(theta_hat)).

Items with fewer categories (a dichotomous item has one threshold and codes 0..1) are given
as (k, m) thresholds with m < 3, or with trailing NaN per item; the model then gives their
missing categories probability 0.

Modules: ``model`` (probabilities, moments), ``patterns`` (the sufficient-statistic keys),
``person`` (the estimators).  Item fit is in surveys.fit, calibration in surveys.calibration.
"""
from .model import (MAX_CODE, MLE_EXTREME_ADJUST, N_CATEGORIES, category_probabilities, default_min_answered,
                    expected_score, item_max_codes)
from .patterns import decode_keys, pattern_keys
from .person import ThetaEstimate, clear_cache, estimate_theta, solve_patterns

__all__ = ["MAX_CODE", "MLE_EXTREME_ADJUST", "N_CATEGORIES", "ThetaEstimate", "category_probabilities",
           "clear_cache", "decode_keys", "default_min_answered", "estimate_theta", "expected_score",
           "item_max_codes", "pattern_keys", "solve_patterns"]
