"""From theta (logits) to the 100-500 reporting scale, performance levels and domain scores.

Cut convention (docs/scoring.md): for each topic the transform is linear in theta and fixed
by two points of the topic's test characteristic curve (TCC), the expected mean item score
(0..3) over the topic's scaled items:

    scale 300  at the theta where TCC = 1.5  (the typical respondent moves from disagreeing
                                              to agreeing)
    scale 400  at the theta where TCC = 2.5  (from agreeing to strongly agreeing)

Individual scores are trimmed to [INDIVIDUAL_MIN, INDIVIDUAL_MAX] = [0, 600] (three
category steps beyond the cut scores); group means are clamped to [100, 500] when reported.
Levels: least_favorable < 300 <= favorable <= 400 < most_favorable, decided on the score
rounded to PUBLISHED_DECIMALS (the score as a reader sees it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .domain import (CUT_SCORES, DOMAINS, PERFORMANCE_LEVELS, PUBLISHED_DECIMALS, REPORT_MAX, REPORT_MIN,
                     SCALED_TOPICS, TOPIC_DOMAIN)
from .rasch import MAX_CODE, expected_score

INDIVIDUAL_MIN, INDIVIDUAL_MAX = 0.0, 600.0
TCC_300, TCC_400 = 1.5, 2.5


def tcc(theta, thresholds) -> np.ndarray:
    """Expected mean item score (0..3) over the items at each theta."""
    return expected_score(np.atleast_1d(theta), thresholds).mean(axis=1)


def tcc_inverse(value: float, thresholds) -> float:
    """The theta where the TCC equals value (0 < value < 3); the TCC is strictly increasing."""
    if not 0.0 < value < MAX_CODE:
        raise ValueError("TCC value must lie strictly between 0 and 3")
    f = lambda t: float(tcc(t, thresholds)[0]) - value  # noqa: E731
    lo, hi = -50.0, 50.0
    return float(brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500))


@dataclass(frozen=True)
class ScaleTransform:
    theta_300: float
    theta_400: float
    slope: float
    intercept: float
    trim_low: float = INDIVIDUAL_MIN
    trim_high: float = INDIVIDUAL_MAX

    def scale(self, theta) -> np.ndarray:
        """Scale scores for thetas (NaN stays NaN), trimmed to [trim_low, trim_high]."""
        t = np.asarray(theta, dtype=np.float64)
        return np.clip(self.intercept + self.slope * t, self.trim_low, self.trim_high)

    def theta(self, scale_score) -> np.ndarray:
        return (np.asarray(scale_score, dtype=np.float64) - self.intercept) / self.slope

    def to_dict(self) -> dict:
        return {"theta_300": self.theta_300, "theta_400": self.theta_400, "slope": self.slope,
                "intercept": self.intercept, "trim_low": self.trim_low, "trim_high": self.trim_high}

    @classmethod
    def from_dict(cls, d: dict) -> "ScaleTransform":
        return cls(**{k: float(d[k]) for k in ("theta_300", "theta_400", "slope", "intercept")},
                   trim_low=float(d.get("trim_low", INDIVIDUAL_MIN)),
                   trim_high=float(d.get("trim_high", INDIVIDUAL_MAX)))


def topic_transform(thresholds) -> ScaleTransform:
    """The topic's transform: 300 where TCC = 1.5 and 400 where TCC = 2.5."""
    t300 = tcc_inverse(TCC_300, thresholds)
    t400 = tcc_inverse(TCC_400, thresholds)
    lo_cut, hi_cut = CUT_SCORES
    slope = (hi_cut - lo_cut) / (t400 - t300)
    intercept = lo_cut - slope * t300
    return ScaleTransform(theta_300=t300, theta_400=t400, slope=slope, intercept=intercept)


def to_scale(theta, transform: ScaleTransform) -> np.ndarray:
    return transform.scale(theta)


def _published_edge(cut: float, above: bool) -> float:
    """The smallest float whose published value (correctly rounded to PUBLISHED_DECIMALS, as
    round() and an f"{x:.0f}" column do; an exact half goes to the even neighbour, so 299.5 is
    published 300 and 400.5 is published 400) is >= cut, or > cut when above."""
    def reaches(x: float) -> bool:
        r = round(x, PUBLISHED_DECIMALS)
        return r > cut if above else r >= cut
    half = 0.5 * 10.0 ** -PUBLISHED_DECIMALS
    x = cut + half if above else cut - half
    while reaches(np.nextafter(x, -np.inf)):
        x = float(np.nextafter(x, -np.inf))
    while not reaches(x):
        x = float(np.nextafter(x, np.inf))
    return x


# Published score >= 300 from _FAVORABLE_FROM on, published score > 400 from _MOST_FAVORABLE_FROM on.
_FAVORABLE_FROM = _published_edge(CUT_SCORES[0], above=False)
_MOST_FAVORABLE_FROM = _published_edge(CUT_SCORES[1], above=True)


def performance_levels(scale_scores) -> np.ndarray:
    """Scale scores (any shape) -> int8 of the same shape: 0 least_favorable (< 300),
    1 favorable (300 <= s <= 400), 2 most_favorable (> 400), -1 for NaN.

    The one level rule of the platform. Both cut scores belong to the favorable level, and
    the comparison is made on the score as published (rounded to PUBLISHED_DECIMALS, whole
    points), so 299.5 and 400.5 (published 300 and 400) are both Favorable and 400.50000000000006
    (published 401) is Most Favorable."""
    s = np.asarray(scale_scores, dtype=np.float64)
    out = np.where(s < _FAVORABLE_FROM, 0, np.where(s < _MOST_FAVORABLE_FROM, 1, 2)).astype(np.int8)
    out[np.isnan(s)] = -1
    return out


def level_name(scale_score) -> str | None:
    """The performance level of one score, None when there is no score (None or NaN)."""
    if scale_score is None:
        return None
    code = int(performance_levels(scale_score))
    return PERFORMANCE_LEVELS[code] if code >= 0 else None


def clamp_report(value):
    """Clamp a reported group mean to [REPORT_MIN, REPORT_MAX]."""
    return np.clip(value, REPORT_MIN, REPORT_MAX)


def domain_topics(group: str) -> dict[str, tuple[str, ...]]:
    """The scaled topics of each domain for a respondent group."""
    scaled = SCALED_TOPICS[group]
    return {dom: tuple(t for t in scaled if TOPIC_DOMAIN[t] == dom) for dom in DOMAINS}


def domain_scores(topic_scores, topic_ids, group: str) -> np.ndarray:
    """Domain scale scores (n, 3) in DOMAINS order.

    Rule: a respondent's domain score is the mean of their scored (non-NaN) topic scale
    scores over the domain's scaled topics for the group, provided they have at least half
    (rounded up) of the domain's scaled topics for that group; otherwise NaN.  Domains with
    no scaled topic for the group (parents) are NaN.  Topics not scaled for the group are
    ignored; a scaled topic missing from topic_ids counts as unscored.
    """
    s = np.asarray(topic_scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] != len(topic_ids):
        raise ValueError("topic_scores must be (n, len(topic_ids))")
    pos = {t: j for j, t in enumerate(topic_ids)}
    out = np.full((s.shape[0], len(DOMAINS)), np.nan)
    for di, (dom, topics) in enumerate(domain_topics(group).items()):
        if not topics:
            continue
        cols = [pos[t] for t in topics if t in pos]
        if not cols:
            continue
        sub = s[:, cols]
        scored = ~np.isnan(sub)
        k = scored.sum(1)
        need = -(-len(topics) // 2)
        with np.errstate(invalid="ignore"):
            mean = np.where(scored, sub, 0.0).sum(1) / k
        out[:, di] = np.where(k >= need, mean, np.nan)
    return out
