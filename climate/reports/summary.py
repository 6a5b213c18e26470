"""The summary at the top of the school report: three strengths and three concerns, each group's
response rate against the rule for trusting it, and where the recommended steps are.

Strengths and concerns are chosen from shown whole-group topic results only (a hidden cell has no
number to rank). A result stands out when it differs significantly from the district's (the
interval of surveys.stats.difference excludes 0) or its whole 95% interval lies in the Most or Least
Favorable range; those
are ranked by the same strength of evidence the recommendations use (surveys.evidence.strength):
the distance beyond the district's score, or beyond the level cut score, in half-widths of its 95%
interval, times n / (n + 30), so a small group with a wide interval does not crowd out a clear
result of a large one."""
from __future__ import annotations

from surveys.domain import CUT_SCORES, RESPONDENT_GROUPS, TOPICS
from surveys.evidence import half_width, smaller_n, strength
from surveys.recommend import DEFAULT_MIN_PARENT_RESPONSE_RATE, DEFAULT_MIN_RESPONSE_RATE
from surveys.stats import difference

SHOWN = 3  # strengths and concerns at most


def minimum_rate(group: str) -> float:
    """The response rate at or above which a group's results are taken to represent the school
    (the rule the low-response recommendation applies)."""
    return DEFAULT_MIN_PARENT_RESPONSE_RATE if group == "parent" else DEFAULT_MIN_RESPONSE_RATE


def _shown(cell: dict | None) -> bool:
    return cell is not None and not cell["suppressed"] and cell["mean"] is not None


def _candidate(entry: dict, row: dict) -> dict:
    """One topic result with its comparison to the district and how strongly it stands out
    upward (strength) and downward (concern)."""
    cell, district = row["cell"], row["district"]
    d = difference(cell, district) if _shown(district) else None
    n, half, mean = cell.get("n"), half_width(cell), cell["mean"]
    # beyond a cut only when the whole 95% interval is: a 10-person group whose interval reaches
    # back over the cut is not shown to be Least Favorable
    up = strength(mean - CUT_SCORES[1], half, n) if half and mean - half >= CUT_SCORES[1] else 0.0
    down = strength(CUT_SCORES[0] - mean, half, n) if half and mean + half < CUT_SCORES[0] else 0.0
    if d is not None and d.significant:
        side = strength(abs(d.diff), d.half, smaller_n(cell, district))
        if d.diff > 0:
            up = max(up, side)
        else:
            down = max(down, side)
    return {"group": entry["group"], "group_label": entry["label"], "topic": row["measure"], "label": row["label"],
            "cell": cell, "district": district if _shown(district) else None, "difference": d,
            "up": up, "down": down}


def _order(c: dict) -> tuple:
    return RESPONDENT_GROUPS.index(c["group"]), TOPICS.index(c["topic"]) if c["topic"] in TOPICS else 99


def strengths_and_concerns(groups: list[dict]) -> tuple[list[dict], list[dict]]:
    """(strengths, concerns), at most three each, strongest first, from the school report's group
    entries (climate.reports.school.school_report): shown whole-group topic cells only."""
    candidates = [_candidate(entry, row) for entry in groups if entry.get("scaled")
                  for row in entry["rows"] if row["kind"] == "topic" and _shown(row["cell"])]
    # a result counts on the side where it stands out more (above 400 yet below the district: one side only)
    strengths = sorted((c for c in candidates if c["up"] > 0 and c["up"] >= c["down"]),
                       key=lambda c: (-c["up"], _order(c)))[:SHOWN]
    concerns = sorted((c for c in candidates if c["down"] > 0 and c["down"] > c["up"]),
                      key=lambda c: (-c["down"], _order(c)))[:SHOWN]
    return strengths, concerns


def rate_checks(groups: list[dict]) -> list[dict]:
    """Per respondent group with an enrollment: its response rate and whether it reaches the minimum."""
    out = []
    for entry in groups:
        if entry["rate"] is None:
            continue
        threshold = minimum_rate(entry["group"])
        out.append({"group": entry["group"], "label": entry["label"], "submitted": entry["submitted"],
                    "enrollment": entry["enrollment"], "rate": entry["rate"], "minimum": threshold,
                    "enough": entry["rate"] >= threshold})
    return out


def school_summary(groups: list[dict]) -> dict:
    strengths, concerns = strengths_and_concerns(groups)
    return {"strengths": strengths, "concerns": concerns, "rates": rate_checks(groups),
            "minimum_rate": DEFAULT_MIN_RESPONSE_RATE, "minimum_parent_rate": DEFAULT_MIN_PARENT_RESPONSE_RATE,
            "shown": SHOWN}
