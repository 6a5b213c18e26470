"""Trends on the school report: a school's results in the earlier, comparable administrations
(climate.results.trend_chain) and the change since the latest of them with its interval."""
from __future__ import annotations

from surveys.stats import Difference, difference

from .. import results
from ..disclosure import published_runs
from ..models import Administration


def run_as_of(administration: Administration, shown):
    """The revision of an earlier administration that was current when ``shown`` (the revision the
    page shows) was published: a page of an earlier revision shows its trends as they were then.
    The current revision when ``shown`` is the current one (or None)."""
    if shown is None or shown.is_current or shown.published_at is None:
        return results.current_run(administration.id)
    runs = [r for r in published_runs(administration.id) if r.published_at <= shown.published_at]
    return runs[-1] if runs else results.current_run(administration.id)


def earlier_results(administration: Administration, school_id: int, shown=None) -> tuple[list, list]:
    """(chain, earlier): the comparable earlier administrations oldest first, and each with the
    school's indexed cells (climate.results.index_cells) of its revision current when the page's
    revision ``shown`` was published; each cell carries "revision", the revision it comes from."""
    chain = list(reversed(results.trend_chain(administration, school_id)))
    earlier = []
    for a in chain:
        run = run_as_of(a, shown)
        cells = results.index_cells(results.cells(run, school_id=school_id))
        for c in cells.values():
            c["revision"] = run.revision
        earlier.append((a, cells))
    return chain, earlier


def history(earlier: list, key: tuple) -> list[tuple[Administration, dict | None]]:
    """One measure's cell (by index key) in each earlier administration, oldest first."""
    return [(a, cells.get(key)) for a, cells in earlier]


def change(cell: dict | None, past: list[tuple[Administration, dict | None]]) -> Difference | None:
    """The change since the latest earlier administration; None without two usable cells."""
    return difference(cell, past[-1][1] if past else None)
