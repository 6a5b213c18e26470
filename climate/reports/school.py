"""The school report (its page and printable view): a summary (climate.reports.summary), each
respondent group's participation, domain and topic scale scores with the percentage of respondents in
each performance level beside the district's, charts, trends and subgroup gaps."""
from __future__ import annotations

from flask_babel import gettext as _

from surveys.domain import DOMAINS, TOPICS

from .. import charts, results
from ..labels import group_label, hidden_label, measure_label
from ..models import Administration, School, utcnow
from . import trends
from .common import instruments_of, local_date, ordered_groups, revision_context, subgroup_gaps, suppressed_text
from .summary import school_summary


def school_report(school: School, administration: Administration, run) -> dict:
    """Everything the school page and its printable view show, from one published revision."""
    instruments = instruments_of(administration)
    mine = results.index_cells(results.cells(run, school_id=school.id))
    district = results.index_cells(results.cells(run, school_id=None))
    rates = results.response_rates(administration, school)
    chain, earlier = trends.earlier_results(administration, school.id, run)
    sub_cells = results.cells(run, school_id=school.id, subgroup=True)
    tz = administration.district.timezone
    groups = []
    for agroup in ordered_groups(administration):
        g = agroup.respondent_group
        inst = instruments[g]
        submitted, enrollment = rates.get(g, (0, school.enrollment(g)))
        entry = {"group": g, "label": group_label(g), "submitted": submitted, "enrollment": enrollment,
                 "rate": results.rate(submitted, enrollment), "scaled": bool(inst.scaled_topics),
                 "rows": []}
        if inst.scaled_topics:
            for kind, measure in [("domain", d) for d in DOMAINS] + [("topic", t) for t in inst.scaled_topics]:
                cell = mine.get((school.id, g, kind, measure, None, None))
                history = trends.history(earlier, (school.id, g, kind, measure, None, None))
                entry["rows"].append({
                    "kind": kind, "measure": measure, "label": measure_label(kind, measure), "cell": cell,
                    "district": district.get((None, g, kind, measure, None, None)), "history": history,
                    "change": trends.change(cell, history)})
            scored = [r["cell"]["n"] for r in entry["rows"] if r["cell"] and r["cell"]["n"] is not None]
            entry["n_scored"] = max(scored) if scored else None
            entry["suppressed_all"] = all(r["cell"] is None or r["cell"]["suppressed"] for r in entry["rows"])
            entry["domain_chart"] = score_chart(entry, "domain", school, run)
            entry["topic_chart"] = score_chart(entry, "topic", school, run)
            entry["gaps"] = [x for x in subgroup_gaps([c for c in sub_cells if c["group"] == g], inst)
                             if x["significant"]]
        else:
            item_ns = [c["n"] for k, c in mine.items() if k[1] == g and k[2] == "item" and c["n"] is not None]
            entry["n_scored"] = max(item_ns) if item_ns else None
        groups.append(entry)
    return {"school": school, "administration": administration, "run": run, "groups": groups,
            "summary": school_summary(groups),
            "provisional": results.is_provisional(run), "chain": chain,
            "suppressed_text": suppressed_text(run), "min_n": run.min_n,
            "closes": local_date(administration.closes_at, tz), "scored_on": local_date(run.created_at, tz),
            "today": local_date(utcnow(), tz), "level_ranges": charts.LEVEL_RANGES,
            "topics": [t for t in TOPICS if any(inst.topic_items(t) for g, inst in instruments.items()
                                                if g != "parent")],
            "has_parents": any(g.respondent_group == "parent" for g in administration.groups),
            **revision_context(administration, run, [(c["group"], c["school_id"], c["subgroup"], c["subgroup_value"])
                                                     for c in sub_cells])}


def score_chart(entry: dict, kind: str, school: School, run) -> str:
    """The chart of one group's domain or topic scale scores, with the district's marked."""
    rows = []
    for r in entry["rows"]:
        if r["kind"] != kind:
            continue
        c, d = r["cell"], r["district"]
        ok = c is not None and not c["suppressed"] and c["mean"] is not None
        rows.append({"label": r["label"], "mean": c["mean"] if ok else None,
                     "ci_low": c["ci_low"] if ok else None, "ci_high": c["ci_high"] if ok else None,
                     "district": d["mean"] if d and not d["suppressed"] else None,
                     "note": hidden_label(c, suppressed_text(run)) if c is not None and c["suppressed"] else _("No result")})
    names = {"group": entry["label"], "group_lower": entry["label"].lower(), "school": school.name,
             "bands": charts.bands_in_words()}
    if kind == "domain":
        title = _("%(group)s: domain scale scores at %(school)s", **names)
        desc = _("Bar chart of %(school)s's domain scale scores for %(group_lower)s on the 100 to 500 scale, with "
                 "%(bands)s shaded, each score's 95%% interval and the district score marked. The table that "
                 "follows gives the same numbers.", **names)
    else:
        title = _("%(group)s: topic scale scores at %(school)s", **names)
        desc = _("Bar chart of %(school)s's topic scale scores for %(group_lower)s on the 100 to 500 scale, with "
                 "%(bands)s shaded, each score's 95%% interval and the district score marked. The table that "
                 "follows gives the same numbers.", **names)
    return charts.score_chart(rows, title, desc)
