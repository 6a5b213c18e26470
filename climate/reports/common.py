"""What the report pages share: the groups of an administration in reporting order, their pinned
instruments, dates in the district's time zone, the revision shown and its hidden cells, subgroup gaps."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from surveys.domain import DOMAINS, RESPONDENT_GROUPS, TOPICS
from surveys.stats import difference
from surveys.subgroups import REPORTED, subgroup_label as value_label

from flask import abort, request
from flask_babel import gettext

from .. import results
from ..administer.service import pinned_instrument, to_local
from ..disclosure import covered, published_runs
from ..labels import current_language, format_long_date, measure_label, subgroup_label
from ..models import Administration


def suppressed_text(run) -> str:
    """The fallback words for a hidden cell that carries no label of its own."""
    return gettext("Hidden to protect respondents' privacy")


def chosen_run(administration: Administration):
    """The published revision named by ?revision=<n> (404 if there is none), or the current one.
    Earlier revisions stay exactly what users saw when they were current (read-only)."""
    wanted = request.args.get("revision", "").strip()
    if not wanted:
        return results.current_run(administration.id)
    if not wanted.isdigit():
        abort(404)
    run = next((r for r in published_runs(administration.id) if r.revision == int(wanted)), None)
    if run is None:
        abort(404)
    return run


def revision_context(administration: Administration, run, page_keys) -> dict:
    """What every report page says about the revision it shows and how many respondents its
    hidden cells cover. page_keys : (group, school_id, subgroup, value) of the page's cells."""
    tz = administration.district.timezone
    revisions = [(r.revision, local_date(r.published_at, tz)) for r in published_runs(administration.id)]
    return {"revision": run.revision, "published_on": local_date(run.published_at, tz), "revisions": revisions,
            "hidden_covered": covered(run, page_keys)}


def local_date(value: dt.datetime | None, timezone: str) -> str:
    if value is None:
        return ""
    d = to_local(value, timezone)
    return format_long_date(d.date())


def ordered_groups(administration: Administration) -> list:
    """The administration's respondent groups in reporting order (students first)."""
    return sorted(administration.groups, key=lambda g: RESPONDENT_GROUPS.index(g.respondent_group))


def instruments_of(administration: Administration) -> dict:
    return {g.respondent_group: pinned_instrument(g)[0] for g in administration.groups}


def gap_row(high: dict, low: dict, instrument) -> dict | None:
    """The gap between a subgroup's highest and lowest reported values with its interval, for the
    tables and lists of gaps; None when it has no interval."""
    d = difference(high, low)
    if d is None:
        return None
    kind, measure, var = high["measure_kind"], high["measure"], high["subgroup"]
    return {"school_id": high["school_id"], "group": high["group"], "kind": kind, "measure": measure,
            "measure_label": measure_label(kind, measure), "subgroup": var, "subgroup_label": subgroup_label(var),
            "high": high, "high_label": value_label(instrument, var, high["subgroup_value"], current_language()),
            "low": low, "low_label": value_label(instrument, var, low["subgroup_value"], current_language()),
            "diff": d.diff, "half": d.half, "lower": d.lower, "upper": d.upper, "significant": d.significant}


def subgroup_gaps(sub_cells: list[dict], instrument) -> list[dict]:
    """Per (school, group, measure, subgroup variable): the gap between the highest and lowest
    reported values (gap_row); significant when its interval excludes 0."""
    by_key = defaultdict(list)
    for c in sub_cells:
        if not c["suppressed"] and c["mean"] is not None and c["se"] is not None:
            by_key[(c["school_id"], c["group"], c["measure_kind"], c["measure"], c["subgroup"])].append(c)
    gaps = []
    for found in by_key.values():
        if len(found) >= 2:
            row = gap_row(max(found, key=lambda c: c["mean"]), min(found, key=lambda c: c["mean"]), instrument)
            if row is not None:
                gaps.append(row)
    order = {v: i for i, v in enumerate(REPORTED)}
    measure_order = {m: i for i, m in enumerate(list(DOMAINS) + list(TOPICS))}
    gaps.sort(key=lambda g: (g["school_id"] or 0, g["group"], measure_order.get(g["measure"], 99),
                             order.get(g["subgroup"], 99)))
    return gaps
