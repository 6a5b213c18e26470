"""The stored group results of the current scoring run as CSV, suppression applied."""
from __future__ import annotations

from surveys.domain import LEVEL_LABELS
from surveys.exports import measure_label
from surveys.subgroups import subgroup_label

from ..administer.service import pinned_instrument
from ..csvsafe import csv_text
from ..models import Administration
from ..results import cells, current_run
from .responses import ExportError

RESULT_COLUMNS = ("school", "nces_id", "group", "measure_kind", "measure", "measure_label", "subgroup",
                  "subgroup_value", "subgroup_label", "status", "n", "mean", "se", "ci_low", "ci_high", "level",
                  "pct_least_favorable", "pct_favorable", "pct_most_favorable", "pct_favourable",
                  "count_1", "count_2", "count_3", "count_4", "pct_1", "pct_2", "pct_3", "pct_4")


def results_csv(administration: Administration, group: str | None = None) -> str:
    """The current scoring run's stored cells: suppressed cells say "suppressed" and carry no numbers."""
    run = current_run(administration.id)
    if run is None:
        raise ExportError(f"{administration.name!r} has not been scored yet, so there are no results to export.")
    schools = {s.id: s for s in administration.schools}
    instruments = {g.respondent_group: pinned_instrument(g)[0] for g in administration.groups}
    rows = [RESULT_COLUMNS]
    for cell in cells(run, group=group, subgroup=None):
        school = schools.get(cell["school_id"]) if cell["school_id"] is not None else None
        instrument = instruments.get(cell["group"])
        if cell["measure_kind"] == "item":
            try:
                label = instrument.item(cell["measure"]).text["en"]
            except (KeyError, AttributeError):
                label = cell["measure"]
        else:
            label = measure_label(cell["measure"])
        sub_label = (subgroup_label(instrument, cell["subgroup"], cell["subgroup_value"])
                     if cell["subgroup"] and instrument else "")
        row = {"school": school.name if school else ("District" if cell["school_id"] is None else ""),
               "nces_id": (school.nces_id or "") if school else "", "group": cell["group"],
               "measure_kind": cell["measure_kind"], "measure": cell["measure"], "measure_label": label,
               "subgroup": cell["subgroup"] or "", "subgroup_value": cell["subgroup_value"] or "",
               "subgroup_label": sub_label, "status": "suppressed" if cell["suppressed"] else "reported"}
        if not cell["suppressed"]:
            row.update({k: cell[k] for k in ("n", "mean", "se", "ci_low", "ci_high")})
            row["level"] = LEVEL_LABELS[cell["level"]]["en"] if cell["level"] in LEVEL_LABELS else ""
            for name, value in zip(("pct_least_favorable", "pct_favorable", "pct_most_favorable"),
                                   cell["pct_levels"] or ()):
                row[name] = value
            row["pct_favourable"] = cell["pct_favourable"]
            for i, value in enumerate(cell["counts"] or (), start=1):
                row[f"count_{i}"] = value
            for i, value in enumerate(cell["pct"] or (), start=1):
                row[f"pct_{i}"] = value
        rows.append(["" if row.get(k) is None else row.get(k, "") for k in RESULT_COLUMNS])
    return csv_text(rows)
