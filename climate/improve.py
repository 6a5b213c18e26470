"""From scores to action: recommendations, the SRO (SECURe) self-assessment, action plans and
monitoring of plan items at the next administration.

Numbers come only from stored results (climate.results); the rules live in surveys.recommend.

Who may do what:
  - a principal sees their own schools; district staff see every school of their district;
    another district's school is a 404, another school of the same district a 403;
  - the SECURe checklist of a school is edited by district staff and by that school's principal
    (the principal completes the checklist for their own school); the district-wide checklist
    is edited by district staff only and read by principals;
  - action plans are edited by the school's principal and district staff; district staff also
    see every school's plan on one page.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from surveys.domain import CUT_SCORES, GROUP_LABELS, TOPIC_LABELS
from surveys.guidance import default_guidance
from surveys.recommend import SRO_RATINGS, Recommendation, recommend, sro_action_items

from . import results
from .access import district_staff_required, school_or_404
from .extensions import db
from .models import Administration, PlanItem, School, SroAssessment, SroRating

bp = Blueprint("improve", __name__, url_prefix="/improve")

Z95 = 1.96
KIND_LABELS = {
    "least_favorable": "Least Favorable score",
    "decline": "Score declined",
    "subgroup_gap": "Gap between subgroups",
    "student_staff_disagree": "Students and staff disagree",
    "low_response": "Low response rate",
}
RATING_LABELS = {"met": "Met", "partly": "Partly met", "not_met": "Not met", "not_applicable": "Not applicable",
                 "not_assessed": "Not rated"}
STATUS_LABELS = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
CHECKLIST_LABELS = {"start": "To start (a new partnership, or an audit of one)",
                    "improve": "To improve (strengthen an existing partnership)"}
SAFETY_TOPICS = ("physical_safety", "emotional_safety", "bullying", "discipline")
SAFETY_GROUPS = ("student", "instructional_staff", "noninstructional_staff")
OWNER_MAX, NOTES_MAX = 120, 2000


def topic_label(topic: str | None) -> str:
    return TOPIC_LABELS[topic]["en"] if topic in TOPIC_LABELS else (topic or "")


def group_label(group: str | None) -> str:
    return GROUP_LABELS[group]["en"] if group in GROUP_LABELS else (group or "")


@bp.app_template_filter("improve_topic")
def _topic_filter(topic):
    return topic_label(topic)


@bp.app_template_filter("improve_group")
def _group_filter(group):
    return group_label(group)


# --------------------------------------------------------------------------- reading results


@dataclass
class SchoolResults:
    administration: Administration
    cells: list[dict]            # the school's topic cells (whole group and subgroups) and SRO item cells
    district_cells: list[dict]
    previous: Administration | None
    previous_cells: list[dict]
    rates: dict[str, tuple[int, int]]
    provisional: bool | None  # None: not looked up (the overview shows no notice)


def school_results(school: School, administration: Administration) -> SchoolResults:
    run = results.current_run(administration.id)
    topic_cells = results.cells(run, school_id=school.id, measure_kind="topic", subgroup=None)
    item_cells = results.cells(run, school_id=school.id, measure_kind="item")
    district = results.cells(run, school_id=None, measure_kind="topic")
    previous = results.previous_administration(administration, school.id)
    previous_cells = []
    if previous is not None:
        previous_cells = results.cells(results.current_run(previous.id), school_id=school.id, measure_kind="topic")
    return SchoolResults(administration, topic_cells + item_cells, district, previous, previous_cells,
                         results.response_rates(administration, school), results.is_provisional(run))


class DistrictResults:
    """Run-level reads shared by every school of the overview: each administration's topic cells
    are read once for all schools (not once per school), and so are its earlier runs."""

    def __init__(self, district_id: int):
        self.scored = results.scored_administrations(district_id)
        self._school_ids = {a.id: {s.id for s in a.schools} for a in self.scored}
        self._topic_cells: dict[int, dict] = {}
        self._counts: dict[int, dict] = {}

    def administrations(self, school: School) -> list[Administration]:
        return [a for a in self.scored if school.id in self._school_ids[a.id]]

    def _cells_by_school(self, administration: Administration) -> dict:
        if administration.id not in self._topic_cells:
            grouped: dict = {}
            for cell in results.cells(results.current_run(administration.id), measure_kind="topic", subgroup=None):
                grouped.setdefault(cell["school_id"], []).append(cell)
            self._topic_cells[administration.id] = grouped
        return self._topic_cells[administration.id]

    def school_results(self, school: School, administration: Administration) -> SchoolResults:
        """Whole-group topic results of one school (what the overview's rules need)."""
        cells = self._cells_by_school(administration)
        previous = next((a for a in results.previous_candidates(administration)
                         if school.id in self._school_ids[a.id]), None)
        previous_cells = self._cells_by_school(previous).get(school.id, []) if previous else []
        if administration.id not in self._counts:
            self._counts[administration.id] = results.response_counts(administration.id)
        counts = self._counts[administration.id]
        rates = {g.respondent_group: (counts.get((school.id, g.respondent_group), {}).get("submitted", 0),
                                      school.enrollment(g.respondent_group)) for g in administration.groups}
        return SchoolResults(administration, cells.get(school.id, []), cells.get(None, []), previous,
                             previous_cells, rates, provisional=None)


def school_recommendations(sr: SchoolResults) -> list[Recommendation]:
    topic_cells = [c for c in sr.cells if c["measure_kind"] == "topic"]
    return recommend(topic_cells, sr.district_cells, sr.previous_cells, sr.rates, default_guidance())


def recommendation_title(r: Recommendation) -> str:
    n = r.numbers
    if r.kind == "least_favorable":
        return f"{topic_label(r.topic)} ({group_label(r.group).lower()}): Least Favorable score"
    if r.kind == "decline":
        return f"{topic_label(r.topic)} ({group_label(r.group).lower()}): the score declined"
    if r.kind == "subgroup_gap":
        return (f"{topic_label(r.topic)} ({group_label(r.group).lower()}): gap between "
                f"{n.get('variable')} {n.get('low_value')} and {n.get('high_value')}")
    if r.kind == "student_staff_disagree":
        return f"{topic_label(r.topic)}: students and {group_label(n.get('staff_group')).lower()} disagree"
    if r.kind == "low_response":
        return f"{group_label(r.group)}: low response rate"
    return r.key


def _whole(cells: list[dict], group: str, topic: str) -> dict | None:
    return next((c for c in cells if c["measure_kind"] == "topic" and c["subgroup"] is None
                 and c["group"] == group and c["measure"] == topic), None)


def _least_favorable(cell: dict | None) -> bool:
    if cell is None or cell.get("suppressed") or cell.get("mean") is None:
        return False
    return cell.get("level") == "least_favorable" if cell.get("level") else cell["mean"] < CUT_SCORES[0]


# --------------------------------------------------------------------------- SRO assessments


def _assessment(district_id: int, school_id: int | None) -> SroAssessment | None:
    query = select(SroAssessment).where(SroAssessment.district_id == district_id)
    query = query.where(SroAssessment.school_id.is_(None) if school_id is None else SroAssessment.school_id == school_id)
    return db.session.scalar(query)


@dataclass
class EffectiveAssessment:
    """A school's own ratings, falling back to the district-wide ones for criteria it has not rated."""
    own: SroAssessment | None
    district: SroAssessment | None
    ratings: dict[str, str] = field(default_factory=dict)     # criterion -> rating
    notes: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)      # criterion -> "school" | "district"
    has_sro: bool = False
    mou_date: dt.date | None = None
    basics_source: str | None = None                          # where has_sro/mou_date come from

    @property
    def exists(self) -> bool:
        return self.own is not None or self.district is not None

    def gaps(self) -> list[str]:
        return [c for c, r in self.ratings.items() if r in ("not_met", "partly")]


def effective_assessment(school: School) -> EffectiveAssessment:
    own = _assessment(school.district_id, school.id)
    district = _assessment(school.district_id, None)
    eff = EffectiveAssessment(own, district)
    for scope, assessment in (("district", district), ("school", own)):
        if assessment is None:
            continue
        for r in assessment.ratings:
            eff.ratings[r.criterion_id] = r.rating
            eff.notes[r.criterion_id] = r.notes or ""
            eff.source[r.criterion_id] = scope
    basics = own or district
    if basics is not None:
        eff.has_sro, eff.mou_date = bool(basics.has_sro), basics.mou_date
        eff.basics_source = "school" if own is not None else "district"
    return eff


def school_action_items(school: School, eff: EffectiveAssessment, cells: list[dict]):
    """SECURe action items from the effective assessment and the school's survey results."""
    if not eff.exists:
        return [], 0
    known = {c.id for c in default_guidance().criteria()}
    ratings = {k: v for k, v in eff.ratings.items() if k in known and v in SRO_RATINGS}
    items = sro_action_items(ratings, eff.has_sro, cells, default_guidance())
    rated = [i for i in items if i.assessed]
    return rated, len(items) - len(rated)


def can_edit_sro(school: School | None) -> bool:
    if current_user.is_district_staff:
        return True
    return school is not None and school.id in {s.id for s in current_user.schools}


def _parse_date(text: str, what: str, problems: list[str]) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"The {what} '{text[:40]}' is not a date; use the form YYYY-MM-DD.")
        return None
    if not 1950 <= value.year <= 2100:
        problems.append(f"The {what} {value.isoformat()} is out of range.")
        return None
    return value


def parse_sro_form(form) -> tuple[dict, list[str]]:
    """Read the checklist form. Returns ({"has_sro", "mou_date", "ratings": {id: (rating, notes)}}, problems).
    An empty rating means "not rated" (and, for a school, the district-wide rating applies)."""
    g = default_guidance()
    known = {c.id for c in g.criteria()}
    problems: list[str] = []
    for key in form:
        if key.startswith(("rating-", "notes-")):
            cid = key.split("-", 1)[1]
            if cid not in known:
                problems.append(f"Unknown SECURe criterion '{cid[:40]}'. Nothing was saved.")
    has_sro = form.get("has_sro")
    if has_sro not in ("yes", "no"):
        problems.append("Say whether school resource officers work here (yes or no).")
    mou_date = _parse_date(form.get("mou_date", ""), "MOU date", problems)
    ratings = {}
    for c in g.criteria():
        rating = form.get(f"rating-{c.id}", "").strip()
        notes = form.get(f"notes-{c.id}", "").strip()
        if rating and rating not in SRO_RATINGS:
            problems.append(f"Criterion {c.id}: unknown rating '{rating[:40]}' "
                            f"(use met, partly, not met or not applicable). Nothing was saved.")
            continue
        if len(notes) > NOTES_MAX:
            problems.append(f"Criterion {c.id}: the notes are longer than {NOTES_MAX} characters.")
            continue
        if notes and not rating:
            problems.append(f"Criterion {c.id}: choose a rating to keep its notes, or clear the notes.")
            continue
        if rating:
            ratings[c.id] = (rating, notes)
    return {"has_sro": has_sro == "yes", "mou_date": mou_date, "ratings": ratings}, problems


def save_sro(district_id: int, school_id: int | None, data: dict) -> SroAssessment:
    assessment = _assessment(district_id, school_id)
    if assessment is None:
        assessment = SroAssessment(district_id=district_id, school_id=school_id)
        db.session.add(assessment)
    assessment.has_sro, assessment.mou_date = data["has_sro"], data["mou_date"]
    existing = {r.criterion_id: r for r in assessment.ratings}
    for cid, row in existing.items():
        if cid not in data["ratings"]:
            assessment.ratings.remove(row)
    for cid, (rating, notes) in data["ratings"].items():
        row = existing.get(cid)
        if row is None:
            assessment.ratings.append(SroRating(criterion_id=cid, rating=rating, notes=notes))
        else:
            row.rating, row.notes = rating, notes
    assessment.updated_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    db.session.commit()
    return assessment


def _sro_form_values(own: SroAssessment | None) -> dict:
    if own is None:
        return {"has_sro": "no", "mou_date": "", "ratings": {}, "notes": {}}
    return {"has_sro": "yes" if own.has_sro else "no", "mou_date": own.mou_date.isoformat() if own.mou_date else "",
            "ratings": {r.criterion_id: r.rating for r in own.ratings},
            "notes": {r.criterion_id: r.notes or "" for r in own.ratings}}


def _posted_values(form) -> dict:
    g = default_guidance()
    return {"has_sro": form.get("has_sro", ""), "mou_date": form.get("mou_date", "")[:40],
            "ratings": {c.id: form.get(f"rating-{c.id}", "") for c in g.criteria()},
            "notes": {c.id: form.get(f"notes-{c.id}", "") for c in g.criteria()}}


def _check_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


# --------------------------------------------------------------------------- monitoring


@dataclass
class Change:
    topic: str
    group: str
    text: str
    outcome: str  # improved | declined | no_clear_change | hidden | missing


def _same_calibration(run_a, run_b, group: str | None) -> bool:
    a, b = run_a.calibrations or {}, run_b.calibrations or {}
    if group:
        return group in a and group in b and a[group] == b[group]
    shared = set(a) & set(b)
    return bool(shared) and all(a[g] == b[g] for g in shared)


def later_administration(item: PlanItem) -> tuple[Administration | None, Administration | None]:
    """(base, later): the administration the item was added from and the newest scored one after it
    that includes the school and was scored with the same calibrations."""
    base = db.session.get(Administration, item.administration_id) if item.administration_id else None
    if base is None:
        return None, None
    base_run = results.current_run(base.id)
    if base_run is None:
        return base, None
    for admin in results.scored_administrations(base.district_id):
        if admin.id == base.id or admin.closes_at <= base.closes_at:
            continue
        if item.school_id not in {s.id for s in admin.schools}:
            continue
        if _same_calibration(base_run, results.current_run(admin.id), item.respondent_group):
            return base, admin
    return base, None


def change_text(topic: str, group: str, before: dict | None, after: dict | None, base_name: str,
                later_name: str) -> Change:
    label = f"{topic_label(topic)} ({group_label(group).lower()})"
    for cell, name in ((before, base_name), (after, later_name)):
        if cell is None:
            return Change(topic, group, f"{label}: no result in {name}.", "missing")
        if cell.get("suppressed") or cell.get("mean") is None:
            return Change(topic, group, f"{label}: the result for {name} is suppressed (too few respondents "
                                        f"to show it), so no change can be shown.", "hidden")
    if before.get("se") is None or after.get("se") is None:
        diff = after["mean"] - before["mean"]
        return Change(topic, group, f"{label}: {before['mean']:.0f} -> {after['mean']:.0f}, {diff:+.0f} "
                                    f"(no interval available)", "no_clear_change")
    diff = after["mean"] - before["mean"]
    se = math.sqrt(before["se"] ** 2 + after["se"] ** 2)
    lo, hi = diff - Z95 * se, diff + Z95 * se
    outcome = "improved" if lo > 0 else "declined" if hi < 0 else "no_clear_change"
    words = {"improved": "improved", "declined": "declined", "no_clear_change": "no clear change"}[outcome]
    text = (f"{label}: {before['mean']:.0f} -> {after['mean']:.0f}, {diff:+.0f} "
            f"(95% interval {lo:+.0f} to {hi:+.0f}): {words}")
    return Change(topic, group, text, outcome)


@dataclass
class Monitoring:
    base: Administration | None
    later: Administration | None
    changes: list[Change]
    message: str


def monitor(item: PlanItem) -> Monitoring:
    base, later = later_administration(item)
    if base is None:
        return Monitoring(None, None, [], "The administration this item was added from is no longer available.")
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
    changes = [change_text(t, group, _whole(base_cells, group, t), _whole(later_cells, group, t), base.name,
                           later.name) for t in item.topics]
    return Monitoring(base, later, changes, f"Change from {base.name} to {later.name}:")


# --------------------------------------------------------------------------- plan items


def parse_plan_form(form) -> tuple[dict, list[str]]:
    problems = []
    owner = form.get("owner", "").strip()
    notes = form.get("notes", "").strip()
    status = form.get("status", "")
    if len(owner) > OWNER_MAX:
        problems.append(f"The owner is longer than {OWNER_MAX} characters.")
    if len(notes) > NOTES_MAX:
        problems.append(f"The notes are longer than {NOTES_MAX} characters.")
    if status not in STATUS_LABELS:
        problems.append(f"Unknown status '{status[:40]}'; choose planned, in progress, done or dropped.")
    due_on = _parse_date(form.get("due_on", ""), "due date", problems)
    return {"owner": owner, "notes": notes, "status": status, "due_on": due_on}, problems


def _plan_item(school: School, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or item.school_id != school.id:
        abort(404)
    return item


def _plan_items(school_ids) -> list[PlanItem]:
    if not school_ids:
        return []
    return db.session.scalars(select(PlanItem).where(PlanItem.school_id.in_(list(school_ids)))
                              .order_by(PlanItem.school_id, PlanItem.created_at, PlanItem.id)).all()


def sro_item_title(item) -> str:
    return f"SECURe {item.criterion_id}: {item.text}"


# --------------------------------------------------------------------------- views


def _visible_schools() -> list[School]:
    if current_user.is_district_staff:
        return list(current_user.district.schools)
    return [s for s in current_user.schools if s.district_id == current_user.district_id]


@bp.route("/")
@login_required
def overview():
    rows = []
    district = DistrictResults(current_user.district_id)
    schools = _visible_schools()
    plan_counts = Counter(item.school_id for item in _plan_items([s.id for s in schools]))
    for school in schools:
        admins = district.administrations(school)
        row = {"school": school, "administration": admins[0] if admins else None, "counts": {}, "total": 0,
               "low_cells": [], "gaps": 0, "plan_items": 0}
        if admins:
            sr = district.school_results(school, admins[0])
            recs = school_recommendations(sr)
            for r in recs:
                row["counts"][r.kind] = row["counts"].get(r.kind, 0) + 1
            row["total"] = len(recs)
            for group in SAFETY_GROUPS:
                for topic in SAFETY_TOPICS:
                    cell = _whole(sr.cells, group, topic)
                    if _least_favorable(cell):
                        row["low_cells"].append((topic, group, cell["mean"]))
        eff = effective_assessment(school)
        row["assessed"] = eff.exists
        row["gaps"] = len(eff.gaps())
        row["plan_items"] = plan_counts[school.id]
        rows.append(row)
    coincide = [r for r in rows if r["gaps"] and r["low_cells"]]
    return render_template("improve/overview.html", rows=rows, coincide=coincide, kind_labels=KIND_LABELS,
                           district_sro=_assessment(current_user.district_id, None))


def _chosen_administration(school: School, admins: list[Administration]) -> Administration | None:
    wanted = request.values.get("administration", type=int)
    if wanted is None:
        return admins[0] if admins else None
    chosen = next((a for a in admins if a.id == wanted), None)
    if chosen is None:
        abort(404)
    return chosen


@bp.route("/schools/<int:school_id>")
@login_required
def school(school_id):
    school = school_or_404(school_id)
    admins = results.school_administrations(school)
    administration = _chosen_administration(school, admins)
    eff = effective_assessment(school)
    planned = {p.ref: p for p in _plan_items([school.id])}
    if administration is None:
        sro_items, not_rated = school_action_items(school, eff, [])
        return render_template("improve/school.html", school=school, admins=[], administration=None, recs=[],
                               eff=eff, sro_items=sro_items, not_rated=not_rated, planned=planned, sr=None,
                               rating_labels=RATING_LABELS)
    sr = school_results(school, administration)
    recs = school_recommendations(sr)
    sro_items, not_rated = school_action_items(school, eff, sr.cells)
    g = default_guidance()
    views = [{"rec": r, "title": recommendation_title(r), "steps": [g.step(s) for s in r.steps],
              "strategies": [g.strategy(s) for s in r.strategies]} for r in recs]
    return render_template("improve/school.html", school=school, admins=admins, administration=administration,
                           recs=views, eff=eff, sro_items=sro_items, not_rated=not_rated, planned=planned, sr=sr,
                           kind_labels=KIND_LABELS, rating_labels=RATING_LABELS, guidance=g)


@bp.route("/schools/<int:school_id>/plan/add", methods=["POST"])
@login_required
def add_to_plan(school_id):
    school = school_or_404(school_id)
    _check_csrf()
    admins = results.school_administrations(school)
    administration = _chosen_administration(school, admins)
    ref = request.form.get("ref", "")
    if administration is None and not ref.startswith("sro:"):
        abort(400, "There are no scored results to plan from yet.")
    existing = db.session.scalar(select(PlanItem).where(PlanItem.school_id == school.id, PlanItem.ref == ref))
    back = url_for("improve.school", school_id=school.id,
                   administration=administration.id if administration else None)
    if existing is not None:
        flash(f"Already in the plan: {existing.title}. Nothing was added.")
        return redirect(back)
    sr = school_results(school, administration) if administration else None
    if ref.startswith("sro:"):
        items, _ = school_action_items(school, effective_assessment(school), sr.cells if sr else [])
        found = next((i for i in items if i.key == ref), None)
        if found is None:
            abort(400, "That SECURe action item is not open for this school, so it was not added.")
        step = default_guidance().secure_step(found.step_id)
        item = PlanItem(school_id=school.id, administration_id=administration.id if administration else None,
                        kind="sro", ref=ref,
                        title=sro_item_title(found)[:300], topics=list(step.topics), respondent_group="student")
    else:
        found = next((r for r in school_recommendations(sr) if r.key == ref), None)
        if found is None:
            abort(400, "That recommendation is not among this administration's recommendations, so it was "
                       "not added.")
        item = PlanItem(school_id=school.id, administration_id=administration.id, kind="recommendation", ref=ref,
                        title=recommendation_title(found)[:300], topics=[found.topic] if found.topic else [],
                        respondent_group=found.group)
    db.session.add(item)
    db.session.commit()
    flash(f"Added to the plan: {item.title}.")
    return redirect(back)


def _sro_page(school: School | None, status: int = 200, problems=None, values=None):
    g = default_guidance()
    district_id = current_user.district_id
    own = _assessment(district_id, school.id if school else None)
    district = _assessment(district_id, None) if school is not None else None
    district_ratings = {r.criterion_id: r.rating for r in district.ratings} if district else {}
    eff = effective_assessment(school) if school is not None else None
    items, not_rated = ([], 0)
    if school is not None:
        admins = results.school_administrations(school)
        cells = school_results(school, admins[0]).cells if admins else []
        items, not_rated = school_action_items(school, eff, cells)
    return render_template("improve/sro.html", school=school, guidance=g, own=own, district=district,
                           district_ratings=district_ratings, values=values or _sro_form_values(own),
                           editable=can_edit_sro(school) if school is not None else current_user.is_district_staff,
                           problems=problems or [], rating_labels=RATING_LABELS, ratings=SRO_RATINGS,
                           checklist_labels=CHECKLIST_LABELS, eff=eff, sro_items=items,
                           not_rated=not_rated), status


def _sro_post(school: School | None):
    _check_csrf()
    data, problems = parse_sro_form(request.form)
    if problems:
        db.session.rollback()
        return _sro_page(school, 400, problems, _posted_values(request.form))
    save_sro(current_user.district_id, school.id if school else None, data)
    flash("The SECURe checklist was saved.")
    if school is not None:
        return redirect(url_for("improve.school_sro", school_id=school.id))
    return redirect(url_for("improve.district_sro"))


@bp.route("/schools/<int:school_id>/sro", methods=["GET", "POST"])
@login_required
def school_sro(school_id):
    school = school_or_404(school_id)
    if request.method == "POST":
        if not can_edit_sro(school):
            abort(403)
        return _sro_post(school)
    return _sro_page(school)


@bp.route("/sro", methods=["GET", "POST"])
@login_required
def district_sro():
    if request.method == "POST":
        if not current_user.is_district_staff:
            abort(403)
        return _sro_post(None)
    return _sro_page(None)


def _plan_page(school: School, status: int = 200, problems=None, failed_id=None, values=None):
    items = _plan_items([school.id])
    return render_template("improve/plan.html", school=school, items=items,
                           monitoring={i.id: monitor(i) for i in items}, statuses=STATUS_LABELS,
                           problems=problems or [], failed_id=failed_id, values=values or {},
                           owner_max=OWNER_MAX, notes_max=NOTES_MAX), status


@bp.route("/schools/<int:school_id>/plan")
@login_required
def plan(school_id):
    return _plan_page(school_or_404(school_id))


@bp.route("/schools/<int:school_id>/plan/<int:item_id>", methods=["POST"])
@login_required
def edit_plan_item(school_id, item_id):
    school = school_or_404(school_id)
    item = _plan_item(school, item_id)
    _check_csrf()
    data, problems = parse_plan_form(request.form)
    if problems:
        db.session.rollback()
        return _plan_page(school, 400, problems, item.id, {k: request.form.get(k, "") for k in
                                                           ("owner", "notes", "status", "due_on")})
    item.owner, item.notes, item.status, item.due_on = data["owner"], data["notes"], data["status"], data["due_on"]
    db.session.commit()
    flash(f"Saved: {item.title}.")
    return redirect(url_for("improve.plan", school_id=school.id) + f"#item-{item.id}")


@bp.route("/plans")
@district_staff_required
def district_plans():
    schools = list(current_user.district.schools)
    items = _plan_items([s.id for s in schools])
    by_school = {s.id: [] for s in schools}
    for i in items:
        by_school[i.school_id].append(i)
    return render_template("improve/plans.html", schools=schools, by_school=by_school, statuses=STATUS_LABELS,
                           monitoring={i.id: monitor(i) for i in items})
