"""Reading result cells for the recommendation rules and SRO action items: which cells count,
their level and interval, and the sentences that quote them.

A cell is the plain dict made by the scoring engine (keys in `surveys.recommend.recommend`'s
docstring). Only visible numbers are ever quoted: a suppressed cell has no mean here."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from surveys.domain import GROUP_LABELS, LEVEL_LABELS, TOPIC_LABELS
from surveys.guidance import Guidance
from surveys.scales import level_name
from surveys.stats import interval


def is_topic_cell(c: Mapping) -> bool:
    return c.get("measure_kind") == "topic"


def has_mean(c: Mapping) -> bool:
    return not c.get("suppressed") and c.get("mean") is not None


def has_mean_se(c: Mapping) -> bool:
    return has_mean(c) and c.get("se") is not None


def level(cell: Mapping) -> str:
    """The performance level of a cell's mean, by the platform's one level rule."""
    return level_name(cell["mean"])


def cell_interval(cell: Mapping) -> tuple[float, float] | None:
    """The cell's 95% interval (stored, else from its se), None without either."""
    if cell.get("se") is None and (cell.get("ci_low") is None or cell.get("ci_high") is None):
        return None
    return interval(cell)


def fmt(x: float) -> str:
    return f"{x:.0f}"


def score_text(cell: Mapping) -> str:
    iv = cell_interval(cell)
    if iv is None:
        return fmt(cell["mean"])
    return f"{fmt(cell['mean'])} (95% interval {fmt(iv[0])}-{fmt(iv[1])})"


def group_label(group: str) -> str:
    return GROUP_LABELS[group]["en"]


def possessive(group: str) -> str:
    label = group_label(group)
    return label + ("'" if label.endswith("s") else "'s")


def topic_label(topic: str) -> str:
    return TOPIC_LABELS[topic]["en"] if topic in TOPIC_LABELS else topic


def level_label(level: str) -> str:
    return LEVEL_LABELS[level]["en"]


def subgroup_label(variable: str, value: str) -> str:
    if variable == "grade":
        return f"grade {value}"
    return f"{value} ({variable})"


# Respondents at which the shrinkage of evidence strength is one half (see `strength`).
SHRINK_N = 30


def half_width(cell: Mapping) -> float | None:
    """Half the width of the cell's 95% interval, None without one."""
    iv = cell_interval(cell)
    return None if iv is None else (iv[1] - iv[0]) / 2


def strength(distance: float, half: float | None, n: int | None) -> float:
    """How strongly the data show a problem: the distance beyond the cut (or the difference) in
    units of its 95% interval half-width, times n / (n + SHRINK_N) so that few respondents weigh
    less. 0 without an interval (nothing to judge the distance by); no shrinkage when n is unknown."""
    if not half or half <= 0:
        return 0.0
    shrink = 1.0 if not n else n / (n + SHRINK_N)
    return max(distance, 0.0) / half * shrink


def smaller_n(*cells: Mapping) -> int | None:
    """The smallest respondent count among cells that carry one (a comparison is as strong as its
    smaller side)."""
    ns = [c.get("n") for c in cells if c.get("n")]
    return min(ns) if ns else None


def known_steps(guidance: Guidance, ids: Iterable[str]) -> tuple[str, ...]:
    out = []
    for i in ids:
        try:
            guidance.step(i)
        except KeyError:
            continue
        out.append(i)
    return tuple(out)


def topic_strategies(guidance: Guidance, topic: str, tiers: tuple[str, ...]) -> tuple[str, ...]:
    try:
        tg = guidance.topic(topic)
    except KeyError:
        return ()
    out: list[str] = []
    if "universal" in tiers:
        out += [s.id for s in tg.universal]
    if "targeted" in tiers:
        out += [s.id for s in tg.targeted]
    return tuple(out)


def cell_numbers(prefix: str, cell: Mapping) -> dict[str, Any]:
    iv = cell_interval(cell)
    out = {f"{prefix}mean": cell["mean"], f"{prefix}se": cell.get("se"), f"{prefix}n": cell.get("n")}
    if iv is not None:
        out[f"{prefix}ci_low"], out[f"{prefix}ci_high"] = iv
    return out


def whole_group_index(cells: Iterable[Mapping]) -> dict[tuple, Mapping]:
    """(school_id, group, topic) -> the whole-group topic cell (the first one seen)."""
    idx: dict[tuple, Mapping] = {}
    for c in cells:
        if is_topic_cell(c) and c.get("subgroup") is None:
            idx.setdefault((c.get("school_id"), c["group"], c["measure"]), c)
    return idx


def least_favorable_sentence(group: str, topic: str, cell: Mapping, cut: float) -> str:
    return (f"{possessive(group)} {topic_label(topic)} score is {score_text(cell)}, "
            f"in the {level_label('least_favorable')} range (below {fmt(cut)}).")
