"""Action plans: each school has one plan per administration (a school year) holding recommended
items, SECURe action items and the school's own items; an item can be carried forward to the next
administration's plan. Monitoring follows each item's topics to the next administration scored
with the same calibration (the change with its interval), whatever the item's kind."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from surveys.stats import difference

from .. import results
from ..extensions import db
from ..labels import PLAN_STATUS_LABELS, group_label, topic_label
from ..models import Administration, PlanItem, School, administration_school
from .recommendations import whole_cell

STATUS_LABELS = PLAN_STATUS_LABELS


def plan_item_or_404(school: School, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or item.school_id != school.id:
        abort(404)
    return item


def plan_items(school_ids, administration_id: int | None | str = "any") -> list[PlanItem]:
    """The plan items of the schools (of one administration's plan when administration_id is given)."""
    if not school_ids:
        return []
    query = select(PlanItem).where(PlanItem.school_id.in_(list(school_ids)))
    if administration_id != "any":
        query = query.where(PlanItem.administration_id.is_(None) if administration_id is None
                            else PlanItem.administration_id == administration_id)
    return db.session.scalars(query.order_by(PlanItem.school_id, PlanItem.created_at, PlanItem.id)).all()


def school_plan_administrations(school: School) -> list[Administration]:
    """Every administration that includes the school, newest first: the school's plans."""
    return db.session.scalars(
        select(Administration).join(administration_school, administration_school.c.administration_id == Administration.id)
        .where(administration_school.c.school_id == school.id)
        .order_by(Administration.opens_at.desc(), Administration.id.desc())).all()


def next_administration(item: PlanItem) -> Administration | None:
    """The first administration including the item's school that opens after the item's own."""
    base = item.administration
    if base is None:
        return None
    school = db.session.get(School, item.school_id)
    later = [a for a in school_plan_administrations(school) if a.opens_at > base.opens_at]
    return later[-1] if later else None


def find_in_plan(school_id: int, administration_id: int | None, ref: str) -> PlanItem | None:
    query = select(PlanItem).where(PlanItem.school_id == school_id, PlanItem.ref == ref)
    query = query.where(PlanItem.administration_id.is_(None) if administration_id is None
                        else PlanItem.administration_id == administration_id)
    return db.session.scalar(query)


def own_item(school: School, administration: Administration, title: str, topic: str, group: str, owner: str,
             due_on, notes: str) -> PlanItem:
    """A plan item the school writes itself, linked to a topic and respondent group (the caller commits)."""
    item = PlanItem(school_id=school.id, administration_id=administration.id, kind="own",
                    ref=f"own:{secrets.token_hex(8)}", title=title[:300], topics=[topic], respondent_group=group,
                    owner=owner or "", due_on=due_on, notes=notes or "", status="planned")
    db.session.add(item)
    return item


def carry_forward(item: PlanItem) -> PlanItem:
    """A copy of the item in the next administration's plan, linked to its origin (the caller
    commits). ValueError says why not: no next administration, or already carried there."""
    target = next_administration(item)
    if target is None:
        raise ValueError(_("There is no later administration to carry \"%(item)s\" forward to.",
                           item=item.title.rstrip(".")))
    if find_in_plan(item.school_id, target.id, item.ref) is not None:
        raise ValueError(_("\"%(item)s\" is already in the plan for %(plan)s.", item=item.title.rstrip("."),
                           plan=target.name))
    status = item.status if item.status in ("planned", "in_progress") else "planned"
    carried = PlanItem(school_id=item.school_id, administration_id=target.id, kind=item.kind, ref=item.ref,
                       title=item.title, topics=list(item.topics or []), respondent_group=item.respondent_group,
                       owner=item.owner, due_on=None, status=status, notes=item.notes, carried_from_id=item.id)
    db.session.add(carried)
    return carried


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
    label = _("%(topic)s (%(group)s)", topic=topic_label(topic), group=group_label(group).lower())
    for cell, name in ((before, base_name), (after, later_name)):
        if cell is None:
            return Change(topic, group, _("%(label)s: no result in %(administration)s.", label=label,
                                          administration=name), "missing")
        if cell.get("suppressed") or cell.get("mean") is None:
            return Change(topic, group, _("%(label)s: the result for %(administration)s is suppressed (too few "
                                          "respondents to show it), so no change can be shown.", label=label,
                                          administration=name), "hidden")
    head = f"{label}: {before['mean']:.0f} -> {after['mean']:.0f}, {after['mean'] - before['mean']:+.0f}"
    d = difference(after, before)
    if d is None:
        return Change(topic, group, _("%(change)s (no interval available)", change=head), "no_clear_change")
    outcome = {"up": "improved", "down": "declined", None: "no_clear_change"}[d.direction]
    words = {"improved": _("improved"), "declined": _("declined"), "no_clear_change": _("no clear change")}[outcome]
    return Change(topic, group, _("%(change)s (95%% interval %(lower)s to %(upper)s): %(outcome)s", change=head,
                                  lower=f"{d.lower:+.0f}", upper=f"{d.upper:+.0f}", outcome=words), outcome)


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
        return Monitoring(None, None, [], _("The administration this item was added from is no longer available."))
    later = results.later_administration(base, item.school_id, item.respondent_group)
    if not item.topics:
        return Monitoring(base, later, [], _("This item has no survey topic to follow."))
    if later is None:
        return Monitoring(base, None, [], _("Added from %(administration)s. The change shows here once a later "
                                            "administration with the same calibration is scored.",
                                            administration=base.name))
    group = item.respondent_group or "student"
    base_cells = results.cells(results.current_run(base.id), school_id=item.school_id, group=group,
                               measure_kind="topic")
    later_cells = results.cells(results.current_run(later.id), school_id=item.school_id, group=group,
                                measure_kind="topic")
    changes = [change_text(t, group, whole_cell(base_cells, group, t), whole_cell(later_cells, group, t),
                           base.name, later.name) for t in item.topics]
    return Monitoring(base, later, changes, _("Change from %(base)s to %(later)s:", base=base.name,
                                              later=later.name))
