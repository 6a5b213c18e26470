"""What every disclosure output shares: the minimum group size N and blanking a hidden cell.

The disclosure policy itself (which cells are hidden, the audit, revisions) is
``surveys.disclosure``; the app applies it through ``climate.disclosure``."""
from __future__ import annotations

ABSOLUTE_MIN_N = 5
DEFAULT_MIN_N = 10
NUMBER_KEYS = ("n", "mean", "se", "ci_low", "ci_high", "level", "pct_levels", "counts", "pct",
               "pct_favourable")


def check_min_n(min_n) -> int:
    if int(min_n) != min_n or min_n < ABSOLUTE_MIN_N:
        raise ValueError(f"min_n must be an integer >= {ABSOLUTE_MIN_N}, got {min_n!r}")
    return int(min_n)


def blank(cell):
    """A hidden cell keeps no number at all: means leak exactly as counts do."""
    cell["suppressed"] = True
    for k in NUMBER_KEYS:
        if k in cell:
            cell[k] = None
    return cell
