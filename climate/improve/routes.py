"""The improvement pages: the overview, a school's recommendations and SECURe action items,
adding them to the plan, the SECURe checklists, the plan with its monitoring, every school's plan."""
from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from surveys.domain import RESPONDENT_GROUPS, TOPICS

from surveys.guidance import default_guidance
from surveys.recommend import steps_to_recommendations
from surveys.sro_actions import SRO_RATINGS

from .. import results
from ..access import district_staff_required, school_or_404
from ..extensions import db
from ..models import Administration, PlanItem, School
from . import bp
from .forms import NOTES_MAX, OWNER_MAX, TITLE_MAX, AddToPlanForm, OwnItemForm, PlanItemForm, sro_form
from .plans import (STATUS_LABELS, carry_forward, find_in_plan, monitor, next_administration, own_item,
                    plan_item_or_404, plan_items, school_plan_administrations)
from .recommendations import (KIND_LABELS, STEP_REASONS, recommendation_evidence, DistrictResults, low_safety_cells, recommendation_title,
                              school_recommendations, school_results)
from .sro import (CHECKLIST_LABELS, RATING_LABELS, assessment, can_edit_sro, coincidences, district_sro_section,
                  effective_assessment, evidence_lines, save_sro, saved_values, school_action_items,
                  sro_district_cells, sro_item_title)


def _visible_schools() -> list[School]:
    if current_user.is_district_staff:
        return list(current_user.district.schools)
    return [s for s in current_user.schools if s.district_id == current_user.district_id]


def _named(title: str) -> str:
    """An item's title ending a sentence: one final period, even when the title has its own."""
    return title.rstrip(". ") + "."


def _refuse_without_csrf(form) -> None:
    """A post whose CSRF token does not check out is refused outright (400)."""
    if form.meta.csrf and form.csrf_token.errors:
        abort(400)


@bp.route("/")
@login_required
def overview():
    rows = []
    district = DistrictResults(current_user.district_id)
    schools = _visible_schools()
    plan_counts = Counter(item.school_id for item in plan_items([s.id for s in schools]))
    for school in schools:
        admins = district.administrations(school)
        row = {"school": school, "administration": admins[0] if admins else None, "counts": {}, "total": 0,
               "low_cells": [], "gaps": 0, "plan_items": 0}
        if admins:
            sr = district.school_results(school, admins[0])
            recs = school_recommendations(sr)
            row["counts"] = dict(Counter(r.kind for r in recs))
            row["total"] = len(recs)
            row["low_cells"] = low_safety_cells(sr)
        eff = effective_assessment(school)
        row["assessed"] = eff.exists
        row["gaps"] = len(eff.gaps())
        row["plan_items"] = plan_counts[school.id]
        rows.append(row)
    coincide = [r for r in rows if r["gaps"] and r["low_cells"]]
    return render_template("improve/overview.html", rows=rows, coincide=coincide, kind_labels=KIND_LABELS,
                           district_sro=assessment(current_user.district_id, None))


def _chosen_administration(admins: list[Administration]) -> Administration | None:
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
    administration = _chosen_administration(admins)
    eff = effective_assessment(school)
    planned = {p.ref: p for p in plan_items([school.id], administration.id if administration else None)}
    if administration is None:
        sro_items, not_rated = school_action_items(school, eff, [])
        return render_template("improve/school.html", school=school, admins=[], administration=None, recs=[],
                               eff=eff, sro_items=sro_items, not_rated=not_rated, planned=planned, sr=None,
                               rating_labels=RATING_LABELS, evidence_lines=evidence_lines)
    sr = school_results(school, administration)
    recs = school_recommendations(sr)
    sro_items, not_rated = school_action_items(school, eff, sr.cells, sro_district_cells(administration))
    g = default_guidance()
    views = [{"rec": r, "title": recommendation_title(r), "evidence": recommendation_evidence(r),
              "why": STEP_REASONS.get(r.kind, ""),
              "strategies": [g.strategy(s) for s in r.strategies], "anchor": f"rec-{i}"}
             for i, r in enumerate(recs, 1)]
    anchors = {v["rec"].key: v for v in views}
    step_groups = [(g.step(step), [anchors[r.key] for r in pointing])
                   for step, pointing in steps_to_recommendations(recs)]
    return render_template("improve/school.html", school=school, admins=admins, administration=administration,
                           recs=views, step_groups=step_groups, eff=eff, sro_items=sro_items, not_rated=not_rated,
                           planned=planned, sr=sr, kind_labels=KIND_LABELS, rating_labels=RATING_LABELS, guidance=g,
                           evidence_lines=evidence_lines)


def _new_plan_item(school: School, administration: Administration | None, ref: str) -> PlanItem:
    """The plan item for a recommendation or SECURe action item open for the school (400 otherwise)."""
    sr = school_results(school, administration) if administration else None
    if ref.startswith("sro:"):
        items, _ = school_action_items(school, effective_assessment(school), sr.cells if sr else [],
                                       sro_district_cells(administration))
        found = next((i for i in items if i.key == ref), None)
        if found is None:
            abort(400, gettext("That SECURe action item is not open for this school, so it was not added."))
        step = default_guidance().secure_step(found.step_id)
        return PlanItem(school_id=school.id, administration_id=administration.id if administration else None,
                        kind="sro", ref=ref, title=sro_item_title(found)[:300], topics=list(step.topics),
                        respondent_group="student")
    found = next((r for r in school_recommendations(sr) if r.key == ref), None)
    if found is None:
        abort(400, gettext("That recommendation is not among this administration's recommendations, so it was not "
                           "added."))
    return PlanItem(school_id=school.id, administration_id=administration.id, kind="recommendation", ref=ref,
                    title=recommendation_title(found)[:300], topics=[found.topic] if found.topic else [],
                    respondent_group=found.group)


@bp.route("/schools/<int:school_id>/plan/add", methods=["POST"])
@login_required
def add_to_plan(school_id):
    school = school_or_404(school_id)
    form = AddToPlanForm(request.form)
    form.validate()
    _refuse_without_csrf(form)
    admins = results.school_administrations(school)
    administration = _chosen_administration(admins)
    ref = form.ref.data or ""
    if administration is None and not ref.startswith("sro:"):
        abort(400, gettext("There are no scored results to plan from yet."))
    existing = find_in_plan(school.id, administration.id if administration else None, ref)
    back = url_for("improve.school", school_id=school.id,
                   administration=administration.id if administration else None)
    if existing is not None:
        flash(gettext("Already in the plan for %(plan)s: %(item)s Nothing was added.",
                      plan=administration.name if administration else gettext("this school"), item=_named(existing.title)))
        return redirect(back)
    item = _new_plan_item(school, administration, ref)
    db.session.add(item)
    db.session.commit()
    flash(gettext("Added to the plan for %(plan)s: %(item)s", plan=administration.name, item=_named(item.title))
          if administration else gettext("Added to the plan: %(item)s", item=_named(item.title)))
    return redirect(back)



def _sro_page(school: School | None, form=None, status: int = 200):
    """The checklist page; form is a posted form with problems, shown again as it was posted."""
    district_id = current_user.district_id
    own = assessment(district_id, school.id if school else None)
    district = assessment(district_id, None) if school is not None else None
    eff = effective_assessment(school) if school is not None else None
    items, not_rated = ([], 0)
    if school is not None:
        admins = results.school_administrations(school)
        cells = school_results(school, admins[0]).cells if admins else []
        items, not_rated = school_action_items(school, eff, cells, sro_district_cells(admins[0] if admins else None))
    district_view = {}
    if school is None:
        district_view = {"coincide": coincidences(district_id, _visible_schools()),
                         "sro": district_sro_section(district_id), "printable": False}
    return render_template("improve/sro.html", school=school, guidance=default_guidance(), own=own,
                           district=district,
                           district_ratings={r.criterion_id: r.rating for r in district.ratings} if district else {},
                           values=form.values() if form else saved_values(own),
                           editable=can_edit_sro(school) if school is not None else current_user.is_district_staff,
                           problems=form.problems() if form else [], rating_labels=RATING_LABELS,
                           ratings=SRO_RATINGS, checklist_labels=CHECKLIST_LABELS, eff=eff, sro_items=items,
                           not_rated=not_rated, evidence_lines=evidence_lines, **district_view), status


def _sro_post(school: School | None):
    form = sro_form(request.form)
    if not form.validate():
        _refuse_without_csrf(form)
        db.session.rollback()
        return _sro_page(school, form, 400)
    save_sro(current_user.district_id, school.id if school else None, form.data_to_save())
    flash(gettext("The SECURe checklist was saved."))
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


def _plan_page(school: School, form: PlanItemForm | None = None, failed_id: int | None = None,
               own_form: OwnItemForm | None = None, status: int = 200):
    """The school's plans, one per administration (newest first); form is a posted item form with
    problems, shown again on item failed_id; own_form a posted own item with problems."""
    items = plan_items([school.id])
    plans = school_plan_administrations(school)
    by_plan: dict = {a.id: [] for a in plans}
    for item in items:
        by_plan.setdefault(item.administration_id, []).append(item)
    carry = {}
    for item in items:
        target = next_administration(item)
        if target is not None and find_in_plan(school.id, target.id, item.ref) is None:
            carry[item.id] = target
    scored = results.school_administrations(school)
    own_default = (own_form.administration.data if own_form else None) or (scored[0].id if scored else
                                                                            (plans[0].id if plans else None))
    return render_template("improve/plan.html", school=school, plans=plans, by_plan=by_plan, items=items,
                           monitoring={i.id: monitor(i) for i in items}, statuses=STATUS_LABELS, carry=carry,
                           problems=form.problems() if form else [], failed_id=failed_id,
                           values=form.values() if form else {}, owner_max=OWNER_MAX, notes_max=NOTES_MAX,
                           title_max=TITLE_MAX, own_problems=own_form.problems() if own_form else [],
                           own_values=own_form.values() if own_form else {}, own_default=own_default,
                           topics=TOPICS, groups=RESPONDENT_GROUPS), status


@bp.route("/schools/<int:school_id>/plan")
@login_required
def plan(school_id):
    return _plan_page(school_or_404(school_id))


@bp.route("/schools/<int:school_id>/plan/own", methods=["POST"])
@login_required
def add_own_item(school_id):
    school = school_or_404(school_id)
    form = OwnItemForm(request.form)
    ok = form.validate()
    _refuse_without_csrf(form)
    administration = next((a for a in school_plan_administrations(school) if a.id == form.administration.data),
                          None)
    if administration is None:
        form.administration.errors = [gettext("Choose the administration (school year) whose plan this item belongs to.")]
        ok = False
    if not ok:
        db.session.rollback()
        return _plan_page(school, own_form=form, status=400)
    item = own_item(school, administration, form.title.data, form.topic.data, form.group.data, form.owner.data,
                    form.due_on.data, form.notes.data)
    db.session.commit()
    flash(gettext("Added to the plan for %(plan)s: %(item)s", plan=administration.name, item=_named(item.title)))
    return redirect(url_for("improve.plan", school_id=school.id) + f"#item-{item.id}")


@bp.route("/schools/<int:school_id>/plan/<int:item_id>/carry", methods=["POST"])
@login_required
def carry_plan_item(school_id, item_id):
    school = school_or_404(school_id)
    item = plan_item_or_404(school, item_id)
    form = FlaskForm(request.form)
    form.validate()
    _refuse_without_csrf(form)
    try:
        carried = carry_forward(item)
    except ValueError as exc:
        flash(gettext("%(reason)s Nothing was added.", reason=exc))
        return redirect(url_for("improve.plan", school_id=school.id) + f"#item-{item.id}")
    db.session.commit()
    flash(gettext("Carried forward to the plan for %(plan)s: %(item)s", plan=carried.administration.name,
                  item=_named(carried.title)))
    return redirect(url_for("improve.plan", school_id=school.id) + f"#item-{carried.id}")


@bp.route("/schools/<int:school_id>/plan/<int:item_id>", methods=["POST"])
@login_required
def edit_plan_item(school_id, item_id):
    school = school_or_404(school_id)
    item = plan_item_or_404(school, item_id)
    form = PlanItemForm(request.form)
    if not form.validate():
        _refuse_without_csrf(form)
        db.session.rollback()
        return _plan_page(school, form, item.id, status=400)
    item.owner, item.notes, item.status, item.due_on = (form.owner.data, form.notes.data, form.status.data,
                                                        form.due_on.data)
    db.session.commit()
    flash(gettext("Saved: %(item)s", item=_named(item.title)))
    return redirect(url_for("improve.plan", school_id=school.id) + f"#item-{item.id}")


@bp.route("/plans")
@district_staff_required
def district_plans():
    schools = list(current_user.district.schools)
    items = plan_items([s.id for s in schools])
    by_school = {s.id: [] for s in schools}
    for i in items:
        by_school[i.school_id].append(i)
    return render_template("improve/plans.html", schools=schools, by_school=by_school, statuses=STATUS_LABELS,
                           monitoring={i.id: monitor(i) for i in items})
