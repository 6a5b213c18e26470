"""CSV files that a spreadsheet opens as data, never as formulas: the one writer every CSV
download and `climate codes` file goes through."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

# What a spreadsheet reads as the start of a formula (tab and carriage return too: some strip them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as text, alone or as a report writes it ("-0.25", "+15 ± 13 above", "-3.5%"): with no
# brackets, operators or references after the sign it cannot call anything, so it is left as it is.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?( ± \d+(\.\d+)?%?)?( [A-Za-z]+)*")


def safe_cell(value):
    """A text cell that would start a formula, with a leading apostrophe (shown, never run); numbers,
    and text that is a number such as "-0.25", are kept as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable], lineterminator: str = "\n") -> str:
    """The rows as CSV text, every text cell neutralised by safe_cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()
