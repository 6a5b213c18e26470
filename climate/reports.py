"""Reports for principals and district staff: school reports, topic and parent pages, trends,
a printable report, the district comparison (with its CSV) and the response-rate overview.

Every number comes from the current scoring run's stored cells via climate.results; nothing
here rescores. Every route checks who may see it (climate.access)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from surveys.domain import (DOMAIN_LABELS, DOMAINS, GROUP_LABELS, LEVEL_LABELS, RESPONDENT_GROUPS, TOPIC_DOMAIN,
                            TOPIC_LABELS, TOPICS)
from surveys.subgroups import REPORTED, subgroup_label

from . import charts, results
from .access import administration_or_404, district_staff_required, school_or_404
from .administrations import pinned_instrument, to_local
from .extensions import db
from .models import SCHOOL_LEVELS, Administration, School, utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")

Z95 = 1.96
SUBGROUP_LABELS = {"grade": "Grade", "sex": "Sex", "race": "Race", "hispanic": "Hispanic or Latino",
                   "language": "Language", "role": "Role"}


# --- small helpers --------------------------------------------------------------------------------

def group_label(group: str) -> str:
    return GROUP_LABELS[group]["en"]


def measure_label(kind: str, measure: str) -> str:
    if kind == "domain":
        return DOMAIN_LABELS[measure]["en"]
    return TOPIC_LABELS.get(measure, {}).get("en", measure)


def suppressed_text(run) -> str:
    return f"Suppressed (fewer than {run.min_n})"


def local_date(value: dt.datetime | None, timezone: str) -> str:
    if value is None:
        return ""
    d = to_local(value, timezone)
    return f"{d:%B} {d.day}, {d.year}"


def difference(a: dict | None, b: dict | None) -> dict | None:
    """a - b with its 95% interval half-width; significant when the interval excludes 0.
    None when either cell has no mean or no standard error."""
    if not a or not b or a.get("mean") is None or b.get("mean") is None:
        return None
    if a.get("se") is None or b.get("se") is None:
        return None
    diff = a["mean"] - b["mean"]
    half = Z95 * math.sqrt(a["se"] ** 2 + b["se"] ** 2)
    significant = abs(diff) > half
    return {"diff": diff, "half": half, "lower": diff - half, "upper": diff + half, "significant": significant,
            "direction": ("up" if diff > 0 else "down") if significant else None}


def ordered_groups(administration: Administration) -> list:
    """The administration's respondent groups in reporting order (students first)."""
    return sorted(administration.groups, key=lambda g: RESPONDENT_GROUPS.index(g.respondent_group))


def instruments_of(administration: Administration) -> dict:
    return {g.respondent_group: pinned_instrument(g)[0] for g in administration.groups}


def chosen_administration(choices: list[Administration]) -> Administration | None:
    """The administration named by ?administration=<id> among the choices (404 otherwise), or the newest."""
    wanted = request.args.get("administration", "").strip()
    if not wanted:
        return choices[0] if choices else None
    if not wanted.isdigit():
        abort(404)
    found = next((a for a in choices if a.id == int(wanted)), None)
    if found is None:
        administration_or_404(int(wanted))  # another district's: 404
        abort(404)
    return found


def pending_administrations(school: School) -> list[Administration]:
    """Administrations of the school without stored results yet (for the empty state)."""
    scored = {a.id for a in results.scored_administrations(school.district_id)}
    rows = db.session.scalars(select(Administration).where(Administration.district_id == school.district_id)
                              .order_by(Administration.closes_at)).all()
    return [a for a in rows if a.id not in scored and any(s.id == school.id for s in a.schools)]


def rate_text(submitted: int, enrollment: int) -> str:
    if not enrollment:
        return "—"
    return f"{100.0 * submitted / enrollment:.0f}%"


def subgroup_gaps(sub_cells: list[dict], instrument) -> list[dict]:
    """Per (measure, subgroup variable): the highest and lowest reported values and the gap between
    them with its interval; flagged when the interval excludes 0."""
    by_key = defaultdict(list)
    for c in sub_cells:
        if not c["suppressed"] and c["mean"] is not None and c["se"] is not None:
            by_key[(c["school_id"], c["group"], c["measure_kind"], c["measure"], c["subgroup"])].append(c)
    gaps = []
    for (school_id, group, kind, measure, var), found in by_key.items():
        if len(found) < 2:
            continue
        high = max(found, key=lambda c: c["mean"])
        low = min(found, key=lambda c: c["mean"])
        d = difference(high, low)
        if d is None:
            continue
        gaps.append({"school_id": school_id, "group": group, "kind": kind, "measure": measure,
                     "measure_label": measure_label(kind, measure), "subgroup": var,
                     "subgroup_label": SUBGROUP_LABELS.get(var, var),
                     "high": high, "high_label": subgroup_label(instrument, var, high["subgroup_value"]),
                     "low": low, "low_label": subgroup_label(instrument, var, low["subgroup_value"]), **d})
    order = {v: i for i, v in enumerate(REPORTED)}
    measure_order = {m: i for i, m in enumerate(list(DOMAINS) + list(TOPICS))}
    gaps.sort(key=lambda g: (g["school_id"] or 0, g["group"], measure_order.get(g["measure"], 99),
                             order.get(g["subgroup"], 99)))
    return gaps


# --- school report ---------------------------------------------------------------------------------

def trend_chain(administration: Administration, school_id: int, limit: int = 4) -> list[Administration]:
    """Earlier administrations of the school scored on the same calibrations, newest first."""
    chain, current = [], administration
    while len(chain) < limit:
        earlier = results.previous_administration(current, school_id=school_id)
        if earlier is None:
            break
        chain.append(earlier)
        current = earlier
    return chain


def school_report(school: School, administration: Administration) -> dict:
    """Everything the school page and its printable view show."""
    run = results.current_run(administration.id)
    instruments = instruments_of(administration)
    mine = results.index_cells(results.cells(run, school_id=school.id))
    district = results.index_cells(results.cells(run, school_id=None))
    rates = results.response_rates(administration, school)
    chain = trend_chain(administration, school.id)
    earlier = []
    for a in reversed(chain):  # oldest first
        r = results.current_run(a.id)
        earlier.append((a, results.index_cells(results.cells(r, school_id=school.id))))
    sub_cells = results.cells(run, school_id=school.id, subgroup=True)
    tz = administration.district.timezone
    groups = []
    for agroup in ordered_groups(administration):
        g = agroup.respondent_group
        inst = instruments[g]
        submitted, enrollment = rates.get(g, (0, school.enrollment(g)))
        entry = {"group": g, "label": group_label(g), "submitted": submitted, "enrollment": enrollment,
                 "rate": rate_text(submitted, enrollment), "scaled": bool(inst.scaled_topics), "rows": []}
        if inst.scaled_topics:
            for kind, measure in [("domain", d) for d in DOMAINS] + [("topic", t) for t in inst.scaled_topics]:
                cell = mine.get((school.id, g, kind, measure, None, None))
                dcell = district.get((None, g, kind, measure, None, None))
                history = [(a, cells_.get((school.id, g, kind, measure, None, None))) for a, cells_ in earlier]
                previous = history[-1][1] if history else None
                entry["rows"].append({
                    "kind": kind, "measure": measure, "label": measure_label(kind, measure),
                    "cell": cell, "district": dcell, "history": history,
                    "change": difference(cell, previous)})
            scored = [r["cell"]["n"] for r in entry["rows"] if r["cell"] and r["cell"]["n"] is not None]
            entry["n_scored"] = max(scored) if scored else None
            entry["suppressed_all"] = all(r["cell"] is None or r["cell"]["suppressed"] for r in entry["rows"])
            entry["domain_chart"] = _score_chart(entry, "domain", school, run)
            entry["topic_chart"] = _score_chart(entry, "topic", school, run)
            entry["gaps"] = [x for x in subgroup_gaps([c for c in sub_cells if c["group"] == g], inst)
                             if x["significant"]]
        else:
            item_ns = [c["n"] for k, c in mine.items() if k[1] == g and k[2] == "item" and c["n"] is not None]
            entry["n_scored"] = max(item_ns) if item_ns else None
        groups.append(entry)
    return {"school": school, "administration": administration, "run": run, "groups": groups,
            "provisional": results.is_provisional(run), "chain": list(reversed(chain)),
            "suppressed_text": suppressed_text(run), "min_n": run.min_n,
            "closes": local_date(administration.closes_at, tz), "scored_on": local_date(run.created_at, tz),
            "today": local_date(utcnow(), tz),
            "topics": [t for t in TOPICS if any(inst.topic_items(t) for g, inst in instruments.items()
                                                if g != "parent")],
            "has_parents": any(g.respondent_group == "parent" for g in administration.groups)}


def _score_chart(entry: dict, kind: str, school: School, run) -> str:
    rows = []
    for r in entry["rows"]:
        if r["kind"] != kind:
            continue
        c, d = r["cell"], r["district"]
        ok = c is not None and not c["suppressed"] and c["mean"] is not None
        rows.append({"label": r["label"], "mean": c["mean"] if ok else None,
                     "ci_low": c["ci_low"] if ok else None, "ci_high": c["ci_high"] if ok else None,
                     "district": d["mean"] if d and not d["suppressed"] else None,
                     "note": suppressed_text(run) if c is not None and c["suppressed"] else "No result"})
    what = "domain" if kind == "domain" else "topic"
    title = f"{entry['label']}: {what} scale scores at {school.name}"
    desc = (f"Bar chart of {school.name}'s {what} scale scores for {entry['label'].lower()} on the 100 to 500 "
            "scale, with the Least Favorable (below 300), Favorable (300-399) and Most Favorable (400 and "
            "above) bands shaded, each score's 95% interval and the district score marked. "
            "The table that follows gives the same numbers.")
    return charts.score_chart(rows, title, desc)


def _school_page(school_id: int, template: str):
    school = school_or_404(school_id)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        pending = pending_administrations(school)
        tz = school.district.timezone
        return render_template("reports/school_empty.html", school=school,
                               pending=[(a, local_date(a.closes_at, tz)) for a in pending])
    data = school_report(school, administration)
    return render_template(template, choices=choices, **data)


@bp.route("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    return _school_page(school_id, "reports/school.html")


@bp.route("/schools/<int:school_id>/print")
@login_required
def school_print(school_id: int):
    return _school_page(school_id, "reports/school_print.html")


# --- topic and parent pages ------------------------------------------------------------------------

def item_rows(items, mine: dict, district: dict, school_id: int, group: str, run) -> list[dict]:
    rows = []
    for item in items:
        cell = mine.get((school_id, group, "item", item.id, None, None))
        dcell = district.get((None, group, "item", item.id, None, None))
        row = {"item": item, "label": item.text["en"], "cell": cell, "district": dcell,
               "categories": list(item.scale.labels["en"]), "segments": None, "note": None}
        if cell is None:
            row["note"] = "No answers"
        elif cell["suppressed"]:
            row["note"] = suppressed_text(run)
        elif cell["pct"] is None:
            row["note"] = "No answers"
        else:
            codes = [item.score_code(p) for p in (1, 2, 3, 4)]
            row["segments"] = [(cell["pct"][code], code) for code in codes]
            row["display_pct"] = [cell["pct"][code] for code in codes]
            row["display_counts"] = [cell["counts"][code] for code in codes]
        rows.append(row)
    return rows


def item_blocks(items, mine, district, school, group, run, topic) -> list[dict]:
    """Items of one topic and group split by response scale: one chart and table per scale."""
    blocks = []
    # one chart per response scale and direction: colours follow favourability (dark red = least
    # favourable answer, dark green = most), so negatively worded items get their own chart and legend
    by_scale: dict[tuple, list] = {}
    for item in items:
        by_scale.setdefault((item.scale.id, item.favourable_first), []).append(item)
    for (_scale, favourable_first), scale_items in by_scale.items():
        rows = item_rows(scale_items, mine, district, school.id, group, run)
        categories = rows[0]["categories"]
        title = f"{group_label(group)}: answers to {measure_label('topic', topic)} items at {school.name}"
        desc = ("Stacked bars, one per item, showing the percent of respondents who chose each answer ("
                + ", ".join(categories) + "), in that order, coloured from dark green for the most favourable "
                "answer to dark red for the least favourable. The table that follows gives the same numbers.")
        blocks.append({"rows": rows, "categories": categories, "reversed": not favourable_first,
                       "chart": charts.distribution_chart(rows, categories, title, desc)})
    return blocks


@bp.route("/schools/<int:school_id>/topics/<topic>")
@login_required
def topic(school_id: int, topic: str):
    school = school_or_404(school_id)
    if topic not in TOPICS:
        abort(404)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return render_template("reports/school_empty.html", school=school, pending=[
            (a, local_date(a.closes_at, school.district.timezone)) for a in pending_administrations(school)])
    run = results.current_run(administration.id)
    instruments = instruments_of(administration)
    mine = results.index_cells(results.cells(run, school_id=school.id))
    district = results.index_cells(results.cells(run, school_id=None))
    subs = results.cells(run, school_id=school.id, measure_kind="topic", measure=topic, subgroup=True)
    panels = []
    for agroup in ordered_groups(administration):
        g = agroup.respondent_group
        inst = instruments[g]
        items = inst.topic_items(topic)
        if g == "parent" or not items:
            continue
        panel = {"group": g, "label": group_label(g), "blocks": item_blocks(items, mine, district, school, g,
                                                                              run, topic),
                 "scaled": topic in inst.scaled_topics, "overall": mine.get((school.id, g, "topic", topic, None, None)),
                 "district": district.get((None, g, "topic", topic, None, None)), "subgroups": []}
        if panel["scaled"]:
            mine_subs = [c for c in subs if c["group"] == g]
            for var in REPORTED:
                rows = [c for c in mine_subs if c["subgroup"] == var]
                if not rows:
                    continue
                rows.sort(key=lambda c: (not c["subgroup_value"].isdigit(),
                                         int(c["subgroup_value"]) if c["subgroup_value"].isdigit() else 0,
                                         c["subgroup_value"]))
                panel["subgroups"].append({
                    "name": var, "label": SUBGROUP_LABELS.get(var, var),
                    "rows": [{"label": subgroup_label(inst, var, c["subgroup_value"]), "cell": c,
                              "vs_school": difference(c, panel["overall"])} for c in rows]})
            panel["gaps"] = subgroup_gaps(mine_subs, inst)
        panels.append(panel)
    return render_template("reports/topic.html", school=school, administration=administration, run=run,
                           choices=choices, topic=topic, topic_label=measure_label("topic", topic),
                           domain_label=DOMAIN_LABELS[TOPIC_DOMAIN[topic]]["en"], panels=panels,
                           provisional=results.is_provisional(run), suppressed_text=suppressed_text(run),
                           min_n=run.min_n, topics=TOPICS, topic_labels=TOPIC_LABELS)


@bp.route("/schools/<int:school_id>/parents")
@login_required
def parents(school_id: int):
    school = school_or_404(school_id)
    choices = results.school_administrations(school)
    administration = chosen_administration(choices)
    if administration is None:
        return render_template("reports/school_empty.html", school=school, pending=[
            (a, local_date(a.closes_at, school.district.timezone)) for a in pending_administrations(school)])
    run = results.current_run(administration.id)
    agroup = administration.group("parent")
    sections = []
    rate = None
    if agroup is not None:
        inst = pinned_instrument(agroup)[0]
        mine = results.index_cells(results.cells(run, school_id=school.id, group="parent", measure_kind="item"))
        district = results.index_cells(results.cells(run, school_id=None, group="parent", measure_kind="item"))
        for t in TOPICS:
            items = inst.topic_items(t)
            if items:
                sections.append({"topic": t, "label": measure_label("topic", t),
                                 "blocks": item_blocks(items, mine, district, school, "parent", run, t)})
        submitted, enrollment = results.response_rates(administration, school).get("parent", (0, 0))
        rate = {"submitted": submitted, "enrollment": enrollment, "rate": rate_text(submitted, enrollment)}
    return render_template("reports/parents.html", school=school, administration=administration, run=run,
                           choices=choices, sections=sections, rate=rate, has_parents=agroup is not None,
                           suppressed_text=suppressed_text(run), min_n=run.min_n)


# --- district comparison -----------------------------------------------------------------------------

SORT_DIRS = ("asc", "desc")


def comparison_table(administration: Administration, run, group: str, level: str, sort: str, direction: str,
                     view: str) -> dict:
    """The comparison table exactly as shown: columns, school rows in display order, district row."""
    inst = instruments_of(administration)[group]
    topics = list(inst.scaled_topics)
    all_cells = results.index_cells(results.cells(run, group=group, measure_kind="topic"))
    schools = [s for s in administration.schools if not level or s.level == level]
    columns = [{"key": "school", "label": "School"}, {"key": "level", "label": "Level"},
               {"key": "n", "label": "Scored"}] + [{"key": t, "label": measure_label("topic", t)} for t in topics]
    district_cells = {t: all_cells.get((None, group, "topic", t, None, None)) for t in topics}
    rows = []
    for s in schools:
        cells_ = {t: all_cells.get((s.id, group, "topic", t, None, None)) for t in topics}
        ns = [c["n"] for c in cells_.values() if c and c["n"] is not None]
        row = {"school": s, "n": max(ns) if ns else None, "cells": []}
        for t in topics:
            c = cells_[t]
            entry = {"topic": t, "cell": c, "level": None, "value": None, "flag": None}
            if c is None:
                entry["text"] = "no data"
            elif c["suppressed"] or c["mean"] is None:
                entry["text"] = "suppressed"
            elif view == "difference":
                d = difference(c, district_cells[t])
                dmean = district_cells[t]["mean"] if district_cells[t] else None
                if d is None:  # no district figure, or a cell without a standard error (n = 1)
                    entry["value"] = None if dmean is None else c["mean"] - dmean
                    entry["text"] = "no data" if dmean is None else f"{entry['value']:+.0f}"
                else:
                    entry["value"] = d["diff"]
                    entry["flag"] = ("above" if d["diff"] > 0 else "below") if d["significant"] else None
                    entry["text"] = f"{d['diff']:+.0f} ± {d['half']:.0f}" + (f" {entry['flag']}" if entry["flag"] else "")
                entry["level"] = c["level"]
            else:
                entry["value"] = c["mean"]
                entry["text"] = f"{c['mean']:.0f}"
                entry["level"] = c["level"]
            entry["css"] = _cell_css(entry)
            entry["level_label"] = LEVEL_LABELS[entry["level"]]["en"] if entry["level"] else ""
            row["cells"].append(entry)
        rows.append(row)

    def key(row):
        if sort == "school":
            return (0, row["school"].name.lower())
        if sort == "level":
            return (0, SCHOOL_LEVELS.index(row["school"].level), row["school"].name.lower())
        if sort == "n":
            return (row["n"] is None, row["n"] or 0)
        value = next((c["value"] for c in row["cells"] if c["topic"] == sort), None)
        return (value is None, value or 0.0)

    rows.sort(key=lambda r: r["school"].name.lower())
    present = [r for r in rows if key(r)[0] in (0, False)]
    missing = [r for r in rows if key(r)[0] not in (0, False)]
    present.sort(key=key, reverse=(direction == "desc"))
    rows = present + missing
    dn = [c["n"] for c in district_cells.values() if c and c["n"] is not None]
    district_row = {"n": max(dn) if dn else None, "cells": [
        {"topic": t, "cell": district_cells[t],
         "text": ("no data" if district_cells[t] is None else "suppressed" if district_cells[t]["suppressed"]
                  or district_cells[t]["mean"] is None else f"{district_cells[t]['mean']:.0f}"),
         "level": district_cells[t]["level"] if district_cells[t] else None, "flag": None} for t in topics]}
    return {"columns": columns, "rows": rows, "district": district_row, "topics": topics, "instrument": inst}


def _cell_css(entry: dict) -> str:
    css = "num"
    if entry["level"]:
        css += f" level-{entry['level']}"
    if entry["flag"]:
        css += f" flag-{entry['flag']}"
    if entry["text"] == "suppressed":
        css += " suppressed"
    return css


def table_as_lists(table: dict) -> list[list[str]]:
    """The comparison table's text, header first: what the CSV holds and what the page shows."""
    out = [[c["label"] for c in table["columns"]]]
    for row in table["rows"]:
        out.append([row["school"].name, row["school"].level.capitalize(),
                    "" if row["n"] is None else str(row["n"])] + [c["text"] for c in row["cells"]])
    d = table["district"]
    out.append(["District mean", "All", "" if d["n"] is None else str(d["n"])] + [c["text"] for c in d["cells"]])
    return out


def comparison_params():
    admins = results.scored_administrations(current_user.district_id)
    administration = chosen_administration(admins)
    if administration is None:
        return None
    run = results.current_run(administration.id)
    scaled = [g.respondent_group for g in ordered_groups(administration)
              if pinned_instrument(g)[0].scaled_topics]
    group = request.args.get("group") or ("student" if "student" in scaled else (scaled[0] if scaled else ""))
    if group not in scaled:
        abort(404)
    level = request.args.get("level", "")
    if level and level not in SCHOOL_LEVELS:
        level = ""
    topics = pinned_instrument(administration.group(group))[0].scaled_topics
    sort = request.args.get("sort", "school")
    if sort not in ("school", "level", "n") + tuple(topics):
        sort = "school"
    direction = request.args.get("dir", "asc")
    if direction not in SORT_DIRS:
        direction = "asc"
    view = request.args.get("view", "scores")
    if view not in ("scores", "difference"):
        view = "scores"
    return {"admins": admins, "administration": administration, "run": run, "scaled": scaled, "group": group,
            "level": level, "sort": sort, "dir": direction, "view": view}


@bp.route("/comparison")
@district_staff_required
def comparison():
    p = comparison_params()
    if p is None:
        return render_template("reports/comparison_empty.html", pending=_district_pending())
    table = comparison_table(p["administration"], p["run"], p["group"], p["level"], p["sort"], p["dir"], p["view"])
    topics = table["topics"]
    # Subgroup gaps read every subgroup cell of a topic for every school shown (about 0.5 s at
    # 300 schools on SQLite), so they are listed when a topic is chosen, not on every page view.
    gap_topic = request.args.get("gaps")
    if gap_topic not in topics:
        gap_topic = None
    variables = [v for v in REPORTED if any(b.subgroup == v for b in table["instrument"].background)]
    gap_by = request.args.get("gapsby") or (variables[0] if variables else "all")
    if gap_by not in variables + ["all"]:
        gap_by = variables[0] if variables else "all"
    gaps = []
    if gap_topic:
        shown = {r["school"].id: r["school"] for r in table["rows"]}
        subs = results.cells(p["run"], group=p["group"], measure_kind="topic", measure=gap_topic,
                             subgroup=True if gap_by == "all" else gap_by)
        gaps = [dict(g, school=shown[g["school_id"]])
                for g in subgroup_gaps([c for c in subs if c["school_id"] in shown], table["instrument"])
                if g["significant"]]
        gaps.sort(key=lambda g: g["school"].name.lower())
    args = {k: v for k, v in {"administration": p["administration"].id, "group": p["group"], "level": p["level"],
                              "sort": p["sort"], "dir": p["dir"], "view": p["view"]}.items() if v}

    def link(**change):
        merged = dict(args, **change)
        return url_for("reports.comparison", **{k: v for k, v in merged.items() if v})

    return render_template("reports/comparison.html", table=table, lists=table_as_lists(table), link=link,
                           csv_url=url_for("reports.comparison_csv", **args), gap_topic=gap_topic, gaps=gaps,
                           gap_by=gap_by, gap_variables=[(v, SUBGROUP_LABELS.get(v, v)) for v in variables],
                           levels=SCHOOL_LEVELS, provisional=results.is_provisional(p["run"]),
                           suppressed_text=suppressed_text(p["run"]), min_n=p["run"].min_n,
                           group_label=group_label, **p)


@bp.route("/comparison.csv")
@district_staff_required
def comparison_csv():
    p = comparison_params()
    if p is None:
        abort(404, description="There are no scored results to download yet: results appear once an "
                               "administration has closed and been scored.")
    table = comparison_table(p["administration"], p["run"], p["group"], p["level"], p["sort"], p["dir"], p["view"])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table_as_lists(table))
    name = f"comparison-{p['administration'].id}-{p['group']}-{p['view']}.csv"
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _district_pending() -> list[tuple[Administration, str]]:
    rows = db.session.scalars(select(Administration).where(Administration.district_id == current_user.district_id)
                              .order_by(Administration.closes_at)).all()
    tz = current_user.district.timezone
    return [(a, local_date(a.closes_at, tz)) for a in rows]


# --- response rates -----------------------------------------------------------------------------------

@bp.route("/response-rates")
@login_required
def response_rates():
    admins = db.session.scalars(select(Administration).where(Administration.district_id == current_user.district_id)
                                .order_by(Administration.closes_at.desc())).all()
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
    counts = results.response_counts(administration.id)
    groups = [g.respondent_group for g in ordered_groups(administration)]
    rows, totals = [], {g: [0, 0, 0] for g in groups}
    for s in schools:
        cells_ = []
        for g in groups:
            c = counts.get((s.id, g), {"started": 0, "submitted": 0})
            enrollment = s.enrollment(g)
            cells_.append({"group": g, "submitted": c["submitted"], "in_progress": c["started"] - c["submitted"],
                           "enrollment": enrollment, "rate": rate_text(c["submitted"], enrollment)})
            t = totals[g]
            t[0] += c["submitted"]
            t[1] += c["started"] - c["submitted"]
            t[2] += enrollment
        rows.append({"school": s, "cells": cells_})
    total_row = [{"group": g, "submitted": totals[g][0], "in_progress": totals[g][1], "enrollment": totals[g][2],
                  "rate": rate_text(totals[g][0], totals[g][2])} for g in groups]
    tz = administration.district.timezone
    return render_template("reports/response_rates.html", administration=administration, admins=admins, rows=rows,
                           groups=groups, totals=total_row if len(rows) > 1 else None, group_label=group_label,
                           state=administration.state(), opens=local_date(administration.opens_at, tz),
                           closes=local_date(administration.closes_at, tz))


@bp.app_template_filter("level_label")
def level_label_filter(level: str | None) -> str:
    return LEVEL_LABELS[level]["en"] if level in LEVEL_LABELS else ""


@bp.app_template_filter("topic_label")
def topic_label_filter(topic: str) -> str:
    return measure_label("topic", topic)


@bp.app_template_filter("score")
def score_filter(value) -> str:
    return "" if value is None else f"{value:.0f}"


@bp.app_template_filter("pct")
def pct_filter(value) -> str:
    return "" if value is None else f"{value:.0f}%"


@bp.app_context_processor
def _report_helpers():
    return {"report_group_label": group_label}
