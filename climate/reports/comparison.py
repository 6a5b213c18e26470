"""The district comparison: one respondent group's topic scale scores (or differences from the
district mean) for every school, sortable and filtered by level, the same table as CSV, and the
significant subgroup gaps of one topic."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.stats import difference
from surveys.subgroups import REPORTED

from .. import results
from ..labels import level_label, school_level_label, topic_label
from ..models import SCHOOL_LEVELS, Administration
from .common import instruments_of, subgroup_gaps


# A difference whose interval excludes 0 is marked with a word; the key stays English for the CSS class.
FLAG_TEXT = {"above": _l("above"), "below": _l("below")}


def _cell_text(c: dict | None) -> str | None:
    """"no data", or a hidden cell's own label (true for that cell: "Fewer than N respondents"
    only where it has fewer), for a cell without a shown mean; None otherwise."""
    if c is None or (not c["suppressed"] and c["mean"] is None):
        return _("no data")
    if c["suppressed"]:
        return c.get("label") or _("Hidden to protect respondents' privacy")
    return None


def _entry(topic: str, c: dict | None, district: dict | None, view: str) -> dict:
    """One school's cell of the table: its text, sort value, performance level and flag."""
    entry = {"topic": topic, "cell": c, "level": None, "value": None, "flag": None, "text": _cell_text(c),
             "hidden": bool(c and c["suppressed"])}
    if entry["text"] is None:
        entry["level"] = c["level"]
        if view == "difference":
            d = difference(c, district)
            dmean = district["mean"] if district else None
            if d is None:  # no district figure, or a cell without a standard error (n = 1)
                entry["value"] = None if dmean is None else c["mean"] - dmean
                entry["text"] = _("no data") if dmean is None else f"{entry['value']:+.0f}"
            else:
                entry["value"] = d.diff
                entry["flag"] = ("above" if d.diff > 0 else "below") if d.significant else None
                flag = f" {FLAG_TEXT[entry['flag']]}" if entry["flag"] else ""
                entry["text"] = f"{d.diff:+.0f} ± {d.half:.0f}{flag}"
        else:
            entry["value"] = c["mean"]
            entry["text"] = f"{c['mean']:.0f}"
    entry["css"] = _cell_css(entry)
    entry["level_label"] = level_label(entry["level"])
    return entry


def _max_n(cells) -> int | None:
    ns = [c["n"] for c in cells if c and c["n"] is not None]
    return max(ns) if ns else None


def comparison_table(administration: Administration, run, group: str, level: str, sort: str, direction: str,
                     view: str) -> dict:
    """The comparison table exactly as shown: columns, school rows in display order, district row."""
    inst = instruments_of(administration)[group]
    topics = list(inst.scaled_topics)
    all_cells = results.index_cells(results.cells(run, group=group, measure_kind="topic"))
    schools = [s for s in administration.schools if not level or s.level == level]
    columns = [{"key": "school", "label": _("School")}, {"key": "level", "label": _("Level")},
               {"key": "n", "label": _("Scored")}] + [{"key": t, "label": topic_label(t)} for t in topics]
    district_cells = {t: all_cells.get((None, group, "topic", t, None, None)) for t in topics}
    rows = []
    for s in schools:
        cells_ = {t: all_cells.get((s.id, group, "topic", t, None, None)) for t in topics}
        rows.append({"school": s, "n": _max_n(cells_.values()),
                     "cells": [_entry(t, cells_[t], district_cells[t], view) for t in topics]})

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
    district_row = {"label": _("District mean"), "level": _("All"), "n": _max_n(district_cells.values()), "cells": [
        {"topic": t, "cell": c, "text": _cell_text(c) or f"{c['mean']:.0f}",
         "level": c["level"] if c else None, "flag": None, "hidden": bool(c and c["suppressed"])}
        for t, c in district_cells.items()]}
    return {"columns": columns, "rows": present + missing, "district": district_row, "topics": topics,
            "instrument": inst}


def _cell_css(entry: dict) -> str:
    css = "num"
    if entry["level"]:
        css += f" level-{entry['level']}"
    if entry["flag"]:
        css += f" flag-{entry['flag']}"
    if entry["hidden"]:
        css += " suppressed"
    return css


def table_as_lists(table: dict) -> list[list[str]]:
    """The comparison table's text, header first: what the CSV holds and what the page shows."""
    out = [[c["label"] for c in table["columns"]]]
    for row in table["rows"]:
        out.append([row["school"].name, school_level_label(row["school"].level),
                    "" if row["n"] is None else str(row["n"])] + [c["text"] for c in row["cells"]])
    d = table["district"]
    out.append([d["label"], d["level"], "" if d["n"] is None else str(d["n"])] + [c["text"] for c in d["cells"]])
    return out


def gap_variables(instrument) -> list[str]:
    """The reported subgroup variables the instrument asks about."""
    return [v for v in REPORTED if any(b.subgroup == v for b in instrument.background)]


def comparison_gaps(table: dict, run, group: str, topic: str, by: str) -> list[dict]:
    """The significant subgroup gaps in one topic at the schools shown, by school name.
    Reads every subgroup cell of the topic for those schools (about 0.5 s at 300 schools on
    SQLite), so the page lists them only when a topic is chosen."""
    shown = {r["school"].id: r["school"] for r in table["rows"]}
    subs = results.cells(run, group=group, measure_kind="topic", measure=topic, subgroup=True if by == "all" else by)
    gaps = [dict(g, school=shown[g["school_id"]])
            for g in subgroup_gaps([c for c in subs if c["school_id"] in shown], table["instrument"])
            if g["significant"]]
    gaps.sort(key=lambda g: g["school"].name.lower())
    return gaps
