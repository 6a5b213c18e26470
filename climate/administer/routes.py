"""District staff administer surveys: create administrations, hand out access codes and open
links, extend the close date, and watch the live response status (principals: their schools).
The same tasks on the command line are in climate.commands.administration."""
from __future__ import annotations

from flask import (Blueprint, Response as FlaskResponse, abort, flash, g, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import results
from ..access import administration_or_404, district_staff_required, school_or_404
from ..codes import issue_codes
from ..extensions import db
from ..jobs import MAX_ATTEMPTS, enqueue_scoring
from ..labels import group_label
from ..results import current_run
from ..models import Administration, OpenLink, School
from ..respond.consent import DEFAULT_CONSENT
from .codes import (codes_csv, codes_sheet, get_or_create_open_link, open_link_url, public_base_url,
                    unused_code_counts, unused_codes)
from .forms import (CUSTOM_FORMAT_HELP, MAX_CODES, AdministrationForm, CodesForm, ExtendForm, OpenLinkForm,
                    OptOutForm, format_custom_items)
from .notice import NOTICE_GROUP, NOTICE_LANGUAGES, check_codes_allowed, codes_left, notice, record_opt_outs
from .service import (AdministrationError, create_administration, delete_administration,
                      extend_close, has_answers, local, scoring_job, status_table)

bp = Blueprint("administer", __name__, url_prefix="/administrations")


def _base_url() -> str:
    return public_base_url()


@bp.route("")
@login_required
def list_administrations():
    query = select(Administration).where(Administration.district_id == current_user.district_id) \
        .order_by(Administration.opens_at.desc())
    administrations = db.session.scalars(query).all()
    if not current_user.is_district_staff:
        mine = current_user.visible_school_ids()
        administrations = [a for a in administrations if mine & {s.id for s in a.schools}]
    return render_template("administer/list.html", administrations=administrations, local=local)


@bp.route("/new", methods=["GET", "POST"])
@district_staff_required
def new_administration():
    district = current_user.district
    form = AdministrationForm(district=district)
    if request.method == "GET":
        for group, english, spanish in form.consent_fields():
            english.data, spanish.data = DEFAULT_CONSENT[group]["en"], DEFAULT_CONSENT[group]["es"]
        form.groups.data = ["student"]
    problem = None
    if form.validate_on_submit():
        schools = [s for s in district.schools if s.id in set(form.schools.data)]
        try:
            administration = create_administration(
                district, form.name.data, form.opens.data, form.closes.data, schools, form.groups.data,
                sro_module=form.sro_module.data, custom_items=form.parsed_custom,
                consent_text=form.consent_text)
        except AdministrationError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(gettext("The administration '%(name)s' was created.", name=administration.name))
            return redirect(url_for("administer.detail", administration_id=administration.id))
    status = 400 if (form.errors or problem) else 200
    return render_template("administer/form.html", form=form, problem=problem, district=district,
                           format_help=CUSTOM_FORMAT_HELP), status


def _detail(administration: Administration, codes_form=None, extend_form=None, link_form=None, status=200):
    codes_form = codes_form or CodesForm(administration=administration, formdata=None)
    extend_form = extend_form or ExtendForm(formdata=None)
    link_form = link_form or OpenLinkForm(administration=administration, formdata=None)
    links = db.session.scalars(select(OpenLink).where(OpenLink.administration_id == administration.id)
                               .order_by(OpenLink.school_id, OpenLink.respondent_group)).all()
    _, totals = status_table(administration)
    return render_template("administer/detail.html", administration=administration, local=local,
                           answered=has_answers(administration), codes_form=codes_form, extend_form=extend_form,
                           link_form=link_form, links=links, base=_base_url(), open_link_url=open_link_url,
                           totals=totals, format_custom_items=format_custom_items,
                           unused=unused_code_counts(administration), job=scoring_job(administration),
                           run=current_run(administration.id), unpublished=results.unpublished_run(administration.id),
                           max_attempts=MAX_ATTEMPTS,
                           max_codes=MAX_CODES, **_opt_out_context(administration)), status


def _opt_out_context(administration: Administration) -> dict:
    """The parent notice links and the opt-out forms of the detail page: per school, the recorded
    opt-outs and the codes that can still be issued; g.opt_out_failed = (school id, message) of a
    refused opt-out post."""
    failed = g.get("opt_out_failed")
    if administration.group(NOTICE_GROUP) is None:
        return {"opt_out_rows": [], "opt_out_failed": None}
    opted = results.opt_out_counts(administration.id)
    rows = [{"school": s, "opted_out": opted.get((s.id, NOTICE_GROUP), 0), "enrollment": s.enrollment(NOTICE_GROUP),
             "codes_left": codes_left(administration, s, NOTICE_GROUP)} for s in administration.schools]
    return {"opt_out_rows": rows, "opt_out_failed": failed}


@bp.route("/<int:administration_id>")
@district_staff_required
def detail(administration_id):
    return _detail(administration_or_404(administration_id))


@bp.route("/<int:administration_id>/extend", methods=["POST"])
@district_staff_required
def extend(administration_id):
    administration = administration_or_404(administration_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            extend_close(administration, form.closes.data)
        except AdministrationError as exc:
            db.session.rollback()
            form.closes.errors.append(str(exc))
        else:
            db.session.commit()
            flash(gettext("The administration now closes %(when)s.", when=local(administration, administration.closes_at)))
            return redirect(url_for("administer.detail", administration_id=administration.id))
    return _detail(administration, extend_form=form, status=400)


@bp.route("/<int:administration_id>/confirm-delete")
@district_staff_required
def confirm_delete(administration_id):
    """Deleting takes a second, deliberate step: this page names what goes, then posts."""
    administration = administration_or_404(administration_id)
    return render_template("administer/delete.html", administration=administration,
                           answered=has_answers(administration), local=local)


@bp.route("/<int:administration_id>/delete", methods=["POST"])
@district_staff_required
def delete(administration_id):
    administration = administration_or_404(administration_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    name = administration.name
    try:
        delete_administration(administration)
    except AdministrationError as exc:
        flash(str(exc))
        return redirect(url_for("administer.detail", administration_id=administration.id))
    db.session.commit()
    flash(gettext("The administration '%(name)s' was deleted.", name=name))
    return redirect(url_for("administer.list_administrations"))


@bp.route("/<int:administration_id>/score", methods=["POST"])
@district_staff_required
def score_again(administration_id):
    """Queue a new scoring job (after a failure, or to include imported responses)."""
    administration = administration_or_404(administration_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    enqueue_scoring(administration.id, "manual")
    db.session.commit()
    flash(gettext("Scoring is queued: the results are replaced when it is done. This page shows its progress."))
    return redirect(url_for("administer.detail", administration_id=administration.id) + "#scoring")


def _school_and_group(administration: Administration, school_id, group) -> tuple[School, str]:
    """The chosen school and respondent group, or 404 when the administration has not got them."""
    school = next((s for s in administration.schools if s.id == school_id), None)
    if school is None or administration.group(group) is None:
        abort(404)
    return school, group


def _posted_choice(administration: Administration, form, form_name: str) -> tuple[School, str]:
    """The school and respondent group a posted form chose; an invalid form shows the page again (400)."""
    if not form.validate_on_submit():
        abort(make_response(_detail(administration, status=400, **{form_name: form})))
    return _school_and_group(administration, form.school.data, form.group.data)


@bp.route("/<int:administration_id>/codes", methods=["POST"])
@district_staff_required
def create_codes(administration_id):
    administration = administration_or_404(administration_id)
    form = CodesForm(administration=administration)
    school, group = _posted_choice(administration, form, "codes_form")
    try:
        check_codes_allowed(administration, school, group, form.count.data)
    except AdministrationError as exc:
        form.count.errors = [str(exc)]
        return _detail(administration, codes_form=form, status=400)
    codes = [row.code for row in issue_codes(administration.id, school.id, group, form.count.data)]
    db.session.commit()
    if form.output.data == "csv":
        return _csv_download(codes, administration, school, group)
    return codes_sheet(codes, _base_url(), administration, school, group)


def _csv_download(codes, administration, school, group):
    name = f"codes-{administration.id}-{school.id}-{group}.csv"
    return FlaskResponse(codes_csv(codes, _base_url(), school, group), mimetype="text/csv",
                         headers={"Content-Disposition": f"attachment; filename={name}"})


def _unused_args(administration):
    return _school_and_group(administration, request.args.get("school", type=int), request.args.get("group", ""))


@bp.route("/<int:administration_id>/codes.csv")
@district_staff_required
def codes_csv_download(administration_id):
    """All codes of a school and group not yet used, as CSV."""
    administration = administration_or_404(administration_id)
    school, group = _unused_args(administration)
    return _csv_download(unused_codes(administration, school.id, group), administration, school, group)


@bp.route("/<int:administration_id>/codes/sheet")
@district_staff_required
def codes_sheet_page(administration_id):
    """All codes of a school and group not yet used, as a printable sheet."""
    administration = administration_or_404(administration_id)
    school, group = _unused_args(administration)
    return codes_sheet(unused_codes(administration, school.id, group), _base_url(), administration, school, group)


@bp.route("/slips.css")
def slips_css():
    # served by the app so the strict Content-Security-Policy (no inline styles) allows it
    return FlaskResponse(render_template("administer/slips.css"), mimetype="text/css")


@bp.route("/<int:administration_id>/open-links", methods=["POST"])
@district_staff_required
def create_open_link(administration_id):
    administration = administration_or_404(administration_id)
    school, group = _posted_choice(administration, OpenLinkForm(administration=administration), "link_form")
    link, created = get_or_create_open_link(administration, school.id, group)
    db.session.commit()
    url = open_link_url(_base_url(), link.token)
    if created:
        flash(gettext("Open link for %(group)s of %(school)s: %(url)s", group=group_label(group).lower(), school=school.name, url=url))
    else:
        flash(gettext("%(school)s already has an open link for %(group)s: %(url)s", school=school.name,
                      group=group_label(group).lower(), url=url))
    return redirect(url_for("administer.detail", administration_id=administration.id))


@bp.route("/<int:administration_id>/status")
@login_required
def status(administration_id):
    administration = administration_or_404(administration_id)
    visible = None if current_user.is_district_staff else current_user.visible_school_ids()
    if visible is not None and not visible & {s.id for s in administration.schools}:
        abort(403)
    rows, totals = status_table(administration, visible)
    return render_template("administer/status.html", administration=administration, rows=rows, totals=totals,
                           local=local)


@bp.route("/<int:administration_id>/opt-outs/<int:school_id>", methods=["POST"])
@district_staff_required
def record_opt_out(administration_id, school_id):
    """Record how many students of a school were opted out by their parents: a count, no names."""
    administration = administration_or_404(administration_id)
    school, _ = _school_and_group(administration, school_id, NOTICE_GROUP)
    form = OptOutForm()
    problem = None
    if not form.validate_on_submit():
        problem = " ".join(form.problems())
    else:
        try:
            record_opt_outs(administration, school, NOTICE_GROUP, form.opted_out.data)
        except AdministrationError as exc:
            problem = str(exc)
    if problem:
        db.session.rollback()
        g.opt_out_failed = (school.id, problem)
        return _detail(administration, status=400)
    db.session.commit()
    n = form.opted_out.data
    flash(ngettext("%(school)s: %(n)s student opted out by their parents. That many codes are withheld, and "
                   "response rates count only the others.",
                   "%(school)s: %(n)s students opted out by their parents. That many codes are withheld, and "
                   "response rates count only the others.", n, school=school.name, n="{:,}".format(n)))
    return redirect(url_for("administer.detail", administration_id=administration.id) + "#opt-outs")


@bp.route("/<int:administration_id>/notice/<int:school_id>")
@login_required
def parent_notice(administration_id, school_id):
    """The printable parent notice (PPRA) for one school, in English or Spanish (?lang=es)."""
    administration = administration_or_404(administration_id)
    school = school_or_404(school_id)
    if school.id not in {s.id for s in administration.schools}:
        abort(404)
    lang = request.args.get("lang", "en")
    if lang not in NOTICE_LANGUAGES:
        abort(404)
    try:
        letter = notice(administration, school, lang)
    except ValueError as exc:
        abort(404, description=str(exc))
    return render_template("administer/notice.html", **letter)


@bp.route("/notice.css")
def notice_css():
    # served by the app so the strict Content-Security-Policy (no inline styles) allows it
    return FlaskResponse(render_template("administer/notice.css"), mimetype="text/css")
