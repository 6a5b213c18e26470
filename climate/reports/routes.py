"""The report pages: each route checks access, picks the administration and renders what the
service modules (school, topics, comparison, rates) build."""
from __future__ import annotations

from flask import Response, abort, make_response, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from surveys.domain import TOPIC_DOMAIN, TOPICS

from .. import charts, results
from ..access import administration_or_404, district_staff_required, school_or_404
from ..administer.service import pinned_instrument, status_table
from ..csvsafe import csv_text
from ..models import SCHOOL_LEVELS, Administration, School, utcnow
from . import bp
from .common import chosen_run, local_date, ordered_groups, revision_context, suppressed_text
from .comparison import comparison_gaps, comparison_table, gap_variables, table_as_lists
from .family import FAMILY_LANGUAGES, family_results
from .forms import ComparisonForm
from .rates import rate_table
from .school import school_report
from .sro import sro_section
from .topics import parent_sections, topic_panels


def chosen_administration(choices: list[Administration]) -> Administration | None:
    """The administration named by ?administration=<id> among the choices (404 otherwise), or the newest."""
    wanted = request.args.get("administration", "").strip()
    if not wanted:
        return choices[0] if choices else None
    if not wanted.isdigit():
        abort(404)
    found = next((a for a in choices if a.id == int(wanted)), None)
    if found is None:
        pending = administration_or_404(int(wanted))  # another district's: 404
        if results.current_run(pending.id) is None:
            abort(make_response(_collecting(pending)))
        abort(404)
    return found


def _collecting(administration: Administration):
    """An administration without results yet (still collecting, or closed and not scored): say
    when results appear, with the live response rate (of the school, on a school's page)."""
    school_id = (request.view_args or {}).get("school_id")
    school = next((s for s in administration.schools if s.id == school_id), None)
    if school_id is not None and school is None:
        abort(404)
    _, totals = status_table(administration, {school.id} if school else None)
    tz = administration.district.timezone
    return render_template("reports/collecting.html", administration=administration, school=school, totals=totals,
                           closes=local_date(administration.closes_at, tz), state=administration.state())


def _no_results(school: School):
    """The empty state: when the school's pending administrations close (results follow)."""
    scored = {a.id for a in results.scored_administrations(school.district_id)}
    pending = [a for a in results.district_administrations(school.district_id)
               if a.id not in scored and any(s.id == school.id for s in a.schools)]
    tz = school.district.timezone
    return render_template("reports/school_empty.html", school=school,
                           pending=[(a, local_date(a.closes_at, tz)) for a in pending])


def _school_page(school_id: int, template: str):
    school = school_or_404(school_id)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return _no_results(school)
    run = chosen_run(administration)
    return render_template(template, choices=choices, sro=sro_section(administration, run, school.id),
                           **school_report(school, administration, run))


@bp.route("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    return _school_page(school_id, "reports/school.html")


@bp.route("/schools/<int:school_id>/print")
@login_required
def school_print(school_id: int):
    return _school_page(school_id, "reports/school_print.html")


@bp.route("/schools/<int:school_id>/topics/<topic>")
@login_required
def topic(school_id: int, topic: str):
    school = school_or_404(school_id)
    if topic not in TOPICS:
        abort(404)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return _no_results(school)
    run = chosen_run(administration)
    return render_template("reports/topic.html", school=school, administration=administration, run=run,
                           choices=choices, topic=topic, domain=TOPIC_DOMAIN[topic],
                           panels=topic_panels(school, administration, run, topic),
                           provisional=results.is_provisional(run), suppressed_text=suppressed_text(run),
                           min_n=run.min_n, topics=TOPICS,
                           **revision_context(administration, run, _subgroup_keys(run, school.id, topic)))


@bp.route("/schools/<int:school_id>/parents")
@login_required
def parents(school_id: int):
    school = school_or_404(school_id)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return _no_results(school)
    run = chosen_run(administration)
    has_parents = administration.group("parent") is not None
    rate = None
    if has_parents:
        submitted, enrollment = results.response_rates(administration, school).get("parent", (0, 0))
        rate = {"submitted": submitted, "enrollment": enrollment, "rate": results.rate(submitted, enrollment)}
    return render_template("reports/parents.html", school=school, administration=administration, run=run,
                           choices=choices, sections=parent_sections(school, administration, run), rate=rate,
                           has_parents=has_parents, suppressed_text=suppressed_text(run), min_n=run.min_n,
                           **revision_context(administration, run, []))


def _family_page(school_id: int, template: str):
    """A family-facing results page of one school, in English or Spanish (?lang=es)."""
    school = school_or_404(school_id)
    lang = request.args.get("lang", "en")
    if lang not in FAMILY_LANGUAGES:
        abort(404)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return _no_results(school)
    return render_template(template, **family_results(school, administration, chosen_run(administration), lang))


@bp.route("/schools/<int:school_id>/family")
@login_required
def family(school_id: int):
    return _family_page(school_id, "reports/family.html")


@bp.route("/schools/<int:school_id>/family/summary")
@login_required
def family_summary(school_id: int):
    return _family_page(school_id, "reports/family_summary.html")


def _subgroup_keys(run, school_id: int, topic: str) -> list:
    """The subgroup cells a topic page shows, as disclosure keys."""
    return [(c["group"], c["school_id"], c["subgroup"], c["subgroup_value"])
            for c in results.cells(run, school_id=school_id, measure_kind="topic", measure=topic, subgroup=True)]


def comparison_params():
    """The chosen administration, its run and the table's parameters (404 for an unknown group);
    None when the district has no scored administration."""
    admins = results.scored_administrations(current_user.district_id)
    administration = chosen_administration(admins)
    if administration is None:
        return None
    scaled = [g.respondent_group for g in ordered_groups(administration)
              if pinned_instrument(g)[0].scaled_topics]
    form = ComparisonForm(request.args, scaled)
    if not form.group_is_known():
        abort(404)
    instrument = pinned_instrument(administration.group(form.group.data))[0]
    form.set_topics(instrument.scaled_topics, gap_variables(instrument))
    run = chosen_run(administration)
    return {"admins": admins, "administration": administration, "run": run, "scaled": scaled, **form.values()}


def _table(p: dict) -> dict:
    return comparison_table(p["administration"], p["run"], p["group"], p["level"], p["sort"], p["dir"], p["view"])


@bp.route("/comparison")
@district_staff_required
def comparison():
    p = comparison_params()
    if p is None:
        tz = current_user.district.timezone
        return render_template("reports/comparison_empty.html", pending=[
            (a, local_date(a.closes_at, tz)) for a in results.district_administrations(current_user.district_id)])
    table = _table(p)
    gap_topic = p.pop("gaps") or None
    gaps = comparison_gaps(table, p["run"], p["group"], gap_topic, p["gapsby"]) if gap_topic else []
    args = {k: v for k, v in {"administration": p["administration"].id, "group": p["group"], "level": p["level"],
                              "sort": p["sort"], "dir": p["dir"], "view": p["view"],
                              "revision": request.args.get("revision")}.items() if v}

    def link(**change):
        merged = dict(args, **change)
        return url_for("reports.comparison", **{k: v for k, v in merged.items() if v})

    return render_template("reports/comparison.html", table=table, lists=table_as_lists(table), link=link,
                           csv_url=url_for("reports.comparison_csv", **args), gap_topic=gap_topic, gaps=gaps,
                           gap_by=p.pop("gapsby"), gap_variables=gap_variables(table["instrument"]),
                           levels=SCHOOL_LEVELS, provisional=results.is_provisional(p["run"]),
                           suppressed_text=suppressed_text(p["run"]), min_n=p["run"].min_n,
                           level_ranges=charts.LEVEL_RANGES, **revision_context(p["administration"], p["run"], []), **p)


@bp.route("/comparison.csv")
@district_staff_required
def comparison_csv():
    p = comparison_params()
    if p is None:
        abort(404, description=gettext("There are no scored results to download yet: results appear once an "
                                       "administration has closed and been scored."))
    body = csv_text(table_as_lists(_table(p)), lineterminator="\r\n")
    name = f"comparison-{p['administration'].id}-r{p['run'].revision}-{p['group']}-{p['view']}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/response-rates")
@login_required
def response_rates():
    admins = results.district_administrations(current_user.district_id, newest_first=True)
    wanted = request.args.get("administration", "").strip()
    if wanted:
        if not wanted.isdigit():
            abort(404)
        administration = administration_or_404(int(wanted))
    else:
        now = utcnow()
        administration = next((a for a in admins if a.is_open(now)), admins[0] if admins else None)
    if administration is None:
        return render_template("reports/response_rates.html", administration=None, admins=admins, rows=[],
                               groups=[], totals=None)
    visible = current_user.visible_school_ids()
    schools = [s for s in administration.schools if s.id in visible]
    groups = [g.respondent_group for g in ordered_groups(administration)]
    rows, totals = rate_table(administration, schools, groups)
    tz = administration.district.timezone
    return render_template("reports/response_rates.html", administration=administration, admins=admins, rows=rows,
                           groups=groups, totals=totals if len(rows) > 1 else None,
                           state=administration.state(), opens=local_date(administration.opens_at, tz),
                           closes=local_date(administration.closes_at, tz))
