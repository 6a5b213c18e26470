"""Comparisons of two group results: one difference with its interval, used by reports,
recommendations and plan monitoring alike, so that every page calls the same change the same way.

A cell is a mapping with `mean` (scale score), `se` (its standard error) and, where known, `n`
(respondents). The interval uses Student's t with Welch-Satterthwaite degrees of freedom when both
cells give n, the normal quantile otherwise."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from scipy.stats import norm, t as student_t

CONFIDENCE = 0.95
Z95 = float(norm.ppf(0.5 + CONFIDENCE / 2))


@dataclass(frozen=True)
class Difference:
    """a - b in scale points with its 95% interval; `direction` is "up"/"down" only when the
    interval excludes 0."""
    diff: float
    se: float
    lower: float
    upper: float

    @property
    def half(self) -> float:
        return (self.upper - self.lower) / 2

    @property
    def significant(self) -> bool:
        return self.lower > 0 or self.upper < 0

    @property
    def direction(self) -> str | None:
        if not self.significant:
            return None
        return "up" if self.diff > 0 else "down"


def _usable(cell: Mapping | None) -> bool:
    return bool(cell) and cell.get("mean") is not None and cell.get("se") is not None \
        and not cell.get("suppressed")


def quantile(a: Mapping, b: Mapping, confidence: float = CONFIDENCE) -> float:
    """The two-sided quantile for the difference: t (Welch-Satterthwaite) when both n are known."""
    na, nb = a.get("n"), b.get("n")
    va, vb = float(a["se"]) ** 2, float(b["se"]) ** 2
    if not na or not nb or na < 2 or nb < 2 or va + vb == 0:
        return float(norm.ppf(0.5 + confidence / 2))
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    return float(student_t.ppf(0.5 + confidence / 2, max(df, 1.0)))


def difference(a: Mapping | None, b: Mapping | None, confidence: float = CONFIDENCE) -> Difference | None:
    """a.mean - b.mean with its interval; None when either cell has no mean or standard error
    (missing, or hidden by the disclosure policy)."""
    if not _usable(a) or not _usable(b):
        return None
    d = float(a["mean"]) - float(b["mean"])
    se = math.sqrt(float(a["se"]) ** 2 + float(b["se"]) ** 2)
    q = quantile(a, b, confidence)
    return Difference(diff=d, se=se, lower=d - q * se, upper=d + q * se)


def interval(cell: Mapping, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """A cell's own interval: its stored ci_low/ci_high when present, else mean +- z * se."""
    if cell.get("ci_low") is not None and cell.get("ci_high") is not None:
        return float(cell["ci_low"]), float(cell["ci_high"])
    q = float(norm.ppf(0.5 + confidence / 2))
    return float(cell["mean"]) - q * float(cell["se"]), float(cell["mean"]) + q * float(cell["se"])
