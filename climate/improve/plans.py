"""Action plans: the plan items of schools, and monitoring each item's topics at the next
administration scored with the same calibration (the change with its interval)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from surveys.stats import difference

from .. import results
from ..extensions import db
from ..labels import group_label, topic_label
from ..models import Administration, PlanItem, School
from .recommendations import whole_cell

STATUS_LABELS = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}


def plan_item_or_404(school: School, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or item.school_id != school.id:
        abort(404)
    return item


def plan_items(school_ids) -> list[PlanItem]:
    if not school_ids:
        return []
    return db.session.scalars(select(PlanItem).where(PlanItem.school_id.in_(list(school_ids)))
                              .order_by(PlanItem.school_id, PlanItem.created_at, PlanItem.id)).all()


@dataclass
class Change:
    topic: str
    group: str
    text: str
    outcome: str  # improved | declined | no_clear_change | hidden | missing


def change_text(topic: str, group: str, before: dict | None, after: dict | None, base_name: str,
                later_name: str) -> Change:
    """One topic's change from base to later in words; improved or declined only when the
    interval of the difference (surveys.stats.difference) excludes 0."""
    label = f"{topic_label(topic)} ({group_label(group).lower()})"
    for cell, name in ((before, base_name), (after, later_name)):
        if cell is None:
            return Change(topic, group, f"{label}: no result in {name}.", "missing")
        if cell.get("suppressed") or cell.get("mean") is None:
            return Change(topic, group, f"{label}: the result for {name} is suppressed (too few respondents "
                                        f"to show it), so no change can be shown.", "hidden")
    head = f"{label}: {before['mean']:.0f} -> {after['mean']:.0f}, {after['mean'] - before['mean']:+.0f}"
    d = difference(after, before)
    if d is None:
        return Change(topic, group, f"{head} (no interval available)", "no_clear_change")
    outcome = {"up": "improved", "down": "declined", None: "no_clear_change"}[d.direction]
    words = {"improved": "improved", "declined": "declined", "no_clear_change": "no clear change"}[outcome]
    return Change(topic, group, f"{head} (95% interval {d.lower:+.0f} to {d.upper:+.0f}): {words}", outcome)


@dataclass
class Monitoring:
    base: Administration | None
    later: Administration | None
    changes: list[Change]
    message: str


def monitor(item: PlanItem) -> Monitoring:
    """The change of the item's topics from the administration it was added from to the newest
    later one scored with the same calibration."""
    base = db.session.get(Administration, item.administration_id) if item.administration_id else None
    if base is None:
        return Monitoring(None, None, [], "The administration this item was added from is no longer available.")
    later = results.later_administration(base, item.school_id, item.respondent_group)
    if not item.topics:
        return Monitoring(base, later, [], "This item has no survey topic to follow.")
    if later is None:
        return Monitoring(base, None, [], f"Added from {base.name}. The change shows here once a later "
                                          f"administration with the same calibration is scored.")
    group = item.respondent_group or "student"
    base_cells = results.cells(results.current_run(base.id), school_id=item.school_id, group=group,
                               measure_kind="topic")
    later_cells = results.cells(results.current_run(later.id), school_id=item.school_id, group=group,
                                measure_kind="topic")
    changes = [change_text(t, group, whole_cell(base_cells, group, t), whole_cell(later_cells, group, t),
                           base.name, later.name) for t in item.topics]
    return Monitoring(base, later, changes, f"Change from {base.name} to {later.name}:")
