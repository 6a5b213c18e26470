"""Trends on the school report: a school's results in the earlier, comparable administrations
(climate.results.trend_chain) and the change since the latest of them with its interval."""
from __future__ import annotations

from surveys.stats import Difference, difference

from .. import results
from ..models import Administration


def earlier_results(administration: Administration, school_id: int) -> tuple[list, list]:
    """(chain, earlier): the comparable earlier administrations oldest first, and each with the
    school's indexed cells (climate.results.index_cells)."""
    chain = list(reversed(results.trend_chain(administration, school_id)))
    earlier = [(a, results.index_cells(results.cells(results.current_run(a.id), school_id=school_id)))
               for a in chain]
    return chain, earlier


def history(earlier: list, key: tuple) -> list[tuple[Administration, dict | None]]:
    """One measure's cell (by index key) in each earlier administration, oldest first."""
    return [(a, cells.get(key)) for a, cells in earlier]


def change(cell: dict | None, past: list[tuple[Administration, dict | None]]) -> Difference | None:
    """The change since the latest earlier administration; None without two usable cells."""
    return difference(cell, past[-1][1] if past else None)
