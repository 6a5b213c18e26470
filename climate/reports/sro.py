"""The SRO section of the school report and of the district's SECURe view: each SRO-module item's
answers by respondent group and by subgroup, with the district's beside them, and the findings in
plain words.  Every number comes from the run's stored (gated) cells; hidden cells carry their label."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.sro_evidence import SRO_GROUPS, REVERSED, Finding, agree_share, findings, shown, suffix
from surveys.subgroups import REPORTED, subgroup_label as value_label

from .. import results
from ..labels import group_label, subgroup_label
from .common import instruments_of, ordered_groups, suppressed_text

ANSWERS = (_l("Strongly agree"), _l("Agree"), _l("Disagree"), _l("Strongly disagree"))
PRESENCE = ((3, _l("Yes")), (1, _l("Not sure")), (0, _l("No")))  # item codes of the presence question

# "%(pct)s% of students say ..." for each item, as surveys.sro_evidence.STATEMENTS says it in English
SENTENCES = {
    "SRO_KNOW": _l("%(pct)s%% of %(who)s say they know the school's police officer"),
    "SRO_HELP": _l("%(pct)s%% of %(who)s say they would go to the school's police officer for help"),
    "SRO_DISC": _l("%(pct)s%% of %(who)s say officers get involved in ordinary school discipline"),
    "SRO_FAIR": _l("%(pct)s%% of %(who)s say officers treat all students fairly"),
    "SRO_SAFE": _l("%(pct)s%% of %(who)s say officers help people feel safe at school"),
    "SRO_RESPECT": _l("%(pct)s%% of %(who)s say officers talk with students respectfully"),
}
WHO = {"student": _l("students"), "instructional_staff": _l("instructional staff"),
       "noninstructional_staff": _l("noninstructional staff")}


def lang() -> str:
    return str(get_locale() or "en")


def finding_text(f: Finding) -> str:
    """A finding in the reader's language, e.g. '31% of students say ... (district 18%).'"""
    text = SENTENCES[f.suffix] % {"pct": f.agree, "who": WHO[f.group]}
    if f.district is not None:
        return _("%(sentence)s (district %(pct)s%%).", sentence=text, pct=f.district)
    return _("%(sentence)s.", sentence=text)


def _distribution(cell: dict | None) -> list[int] | None:
    """Whole percents in the answers' order (strongly agree first), or None for a hidden cell."""
    if not shown(cell) or not cell.get("pct"):
        return None
    pct = [round(float(p)) for p in cell["pct"]]  # codes 0..3, least..most favourable
    return pct if suffix(cell["measure"]) in REVERSED else pct[::-1]


def _value(cell: dict | None, run) -> dict:
    """What a table shows for one cell: its share agreeing and n, or the hidden label."""
    if cell is None:
        return {"missing": True}
    if not shown(cell):
        return {"hidden": True, "label": cell.get("label") or suppressed_text(run)}
    return {"agree": agree_share(cell), "n": int(cell["n"])}


def sro_section(administration, run, school_id: int | None) -> dict | None:
    """The SRO section of one school (district figures beside it) or of the district (school_id
    None); None when the administration has no SRO module or no group answers it."""
    if not administration.sro_module:
        return None
    district = results.index_cells(results.cells(run, school_id=None, measure_kind="item"))
    mine = district if school_id is None else results.index_cells(
        results.cells(run, school_id=school_id, measure_kind="item"))
    district_subs = results.index_cells(results.cells(run, school_id=None, measure_kind="item", subgroup=True))
    subs = district_subs if school_id is None else results.index_cells(
        results.cells(run, school_id=school_id, measure_kind="item", subgroup=True))
    instruments = instruments_of(administration)
    language = lang()
    groups = []
    for agroup in ordered_groups(administration):
        g = agroup.respondent_group
        inst = instruments[g]
        if g not in SRO_GROUPS or not inst.sro_items:
            continue
        rows = []
        for it in inst.sro_items:
            key = (school_id, g, "item", it.id, None, None)
            cell, dcell = mine.get(key), district.get((None, g, "item", it.id, None, None))
            rows.append({"id": it.id, "text": it.text.get(language) or it.text["en"], "cell": _value(cell, run),
                         "answers": _distribution(cell), "district": _value(dcell, run)})
        presence = None
        for present in inst.sro_background:
            cell = mine.get((school_id, g, "item", present.id, None, None))
            dcell = district.get((None, g, "item", present.id, None, None))
            presence = {"text": present.text.get(language) or present.text["en"],
                        "shares": [(label, round(cell["pct"][code]) if shown(cell) and cell.get("pct") else None,
                                    round(dcell["pct"][code]) if shown(dcell) and dcell.get("pct") else None)
                                   for code, label in PRESENCE],
                        "cell": _value(cell, run), "district": _value(dcell, run)}
        subgroups = []
        for var in REPORTED:
            values = sorted({k[5] for k in subs if k[1] == g and k[4] == var},
                            key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))
            if not values:
                continue
            subgroups.append({"var": var, "label": subgroup_label(var), "rows": [
                {"value": v, "label": value_label(inst, var, v, language),
                 "cells": [{"cell": _value(subs.get((school_id, g, "item", it.id, var, v)), run),
                            "district": _value(district_subs.get((None, g, "item", it.id, var, v)), run)}
                           for it in inst.sro_items]} for v in values]})
        groups.append({"group": g, "label": group_label(g, language if language in ("en", "es") else "en"),
                       "rows": rows, "presence": presence, "subgroups": subgroups,
                       "answered": any("agree" in r["cell"] for r in rows)})
    if not groups:
        return None
    school_cells = list(mine.values()) if school_id is not None else []
    found = findings(school_cells, list(district.values())) if school_id is not None else []
    return {"groups": groups, "findings": [finding_text(f) for f in found if f.concern],
            "answers": ANSWERS, "is_district": school_id is None}
