"""The response-rate overview: per school and respondent group, the submitted and in-progress
responses against the base (enrollment less parental opt-outs), with a total row."""
from __future__ import annotations

from .. import results
from ..models import Administration, School


def _rate_cell(group: str, submitted: int, in_progress: int, enrollment: int) -> dict:
    return {"group": group, "submitted": submitted, "in_progress": in_progress, "enrollment": enrollment,
            "rate": results.rate(submitted, enrollment)}


def rate_table(administration: Administration, schools: list[School], groups: list[str]) -> tuple[list, list]:
    """(rows, totals): one row per school with a cell per group, and the totals per group."""
    counts = results.response_counts(administration.id)
    opt_outs = results.opt_out_counts(administration.id)
    rows, totals = [], {g: [0, 0, 0] for g in groups}
    for s in schools:
        cells = []
        for g in groups:
            c = counts.get((s.id, g), {"started": 0, "submitted": 0})
            cell = _rate_cell(g, c["submitted"], c["started"] - c["submitted"], results.rate_base(s, g, opt_outs))
            cells.append(cell)
            totals[g] = [t + v for t, v in zip(totals[g], (cell["submitted"], cell["in_progress"],
                                                             cell["enrollment"]))]
        rows.append({"school": s, "cells": cells})
    return rows, [_rate_cell(g, *totals[g]) for g in groups]
