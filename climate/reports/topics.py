"""Topic and parent pages: each item's answer distribution (chart and table) beside the
district's, and on topic pages the topic's scale score by subgroup."""
from __future__ import annotations

from flask_babel import gettext as _

from surveys.domain import TOPICS
from surveys.stats import difference
from surveys.subgroups import REPORTED, subgroup_label as value_label

from .. import charts, results
from ..administer.service import pinned_instrument
from ..labels import current_language, group_label, hidden_label, subgroup_label, topic_label
from ..models import Administration, School
from .common import instruments_of, ordered_groups, subgroup_gaps, suppressed_text


def item_rows(items, mine: dict, district: dict, school_id: int, group: str, run) -> list[dict]:
    rows = []
    for item in items:
        cell = mine.get((school_id, group, "item", item.id, None, None))
        dcell = district.get((None, group, "item", item.id, None, None))
        lang = current_language()  # the questionnaire's own Spanish, where it has it
        row = {"item": item, "label": item.text.get(lang) or item.text["en"], "cell": cell, "district": dcell,
               "categories": list(item.scale.labels.get(lang) or item.scale.labels["en"]), "segments": None,
               "note": None}
        if cell is None or (not cell["suppressed"] and cell["pct"] is None):
            row["note"] = _("No answers")
        elif cell["suppressed"]:
            row["note"] = hidden_label(cell, suppressed_text(run))
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
        title = _("%(group)s: answers to %(topic)s items at %(school)s", group=group_label(group),
                  topic=topic_label(topic), school=school.name)
        desc = _("Stacked bars, one per item, showing the percent of respondents who chose each answer (%(answers)s), "
                 "in that order, colored from dark green for the most favorable answer to dark red for the least "
                 "favorable. The table that follows gives the same numbers.", answers=", ".join(categories))
        blocks.append({"rows": rows, "categories": categories, "reversed": not favourable_first,
                       "chart": charts.distribution_chart(rows, categories, title, desc)})
    return blocks


def _subgroup_tables(mine_subs: list[dict], overall: dict | None, inst) -> list[dict]:
    """Per reported subgroup variable: its values in order, each against the whole school."""
    tables = []
    for var in REPORTED:
        rows = [c for c in mine_subs if c["subgroup"] == var]
        if not rows:
            continue
        rows.sort(key=lambda c: (not c["subgroup_value"].isdigit(),
                                 int(c["subgroup_value"]) if c["subgroup_value"].isdigit() else 0,
                                 c["subgroup_value"]))
        tables.append({"name": var, "label": subgroup_label(var),
                       "rows": [{"label": value_label(inst, var, c["subgroup_value"], current_language()), "cell": c,
                                 "vs_school": difference(c, overall)} for c in rows]})
    return tables


def topic_panels(school: School, administration: Administration, run, topic: str) -> list[dict]:
    """One panel per respondent group (parents apart) that was asked about the topic."""
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
            panel["subgroups"] = _subgroup_tables(mine_subs, panel["overall"], inst)
            panel["gaps"] = subgroup_gaps(mine_subs, inst)
        panels.append(panel)
    return panels


def parent_sections(school: School, administration: Administration, run) -> list[dict]:
    """One section per topic with parent items, the parents' answers beside the district's."""
    agroup = administration.group("parent")
    if agroup is None:
        return []
    inst = pinned_instrument(agroup)[0]
    mine = results.index_cells(results.cells(run, school_id=school.id, group="parent", measure_kind="item"))
    district = results.index_cells(results.cells(run, school_id=None, group="parent", measure_kind="item"))
    return [{"topic": t, "label": topic_label(t),
             "blocks": item_blocks(inst.topic_items(t), mine, district, school, "parent", run, t)}
            for t in TOPICS if inst.topic_items(t)]
