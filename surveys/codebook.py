"""Codebook of an instrument: one row per exported variable.

Variable order follows the survey's page order: core items by topic (surveys.domain.TOPICS
order), then the SRO module (if ``sro``), then custom items, then background items.
The multi-select race item becomes one 0/1 variable per option, ``<ID>_<value>``
(e.g. ``S_RACE_16``); every other item is one variable named by its id.

Value labels are the stored values: 1..4 for core/SRO items (position in display order,
before any reverse coding), the option value for background items, the 1-based option
index for custom items. A stored 0 (or an empty cell in exports) means no answer.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Sequence

from surveys.domain import TOPIC_LABELS
from surveys.instruments import BackgroundItem, CustomItem, Instrument, Item

SELECTED_LABELS = [(0, "Not selected", "No seleccionado"), (1, "Selected", "Seleccionado")]


@dataclass(frozen=True)
class CodebookRow:
    variable: str
    text_en: str
    text_es: str
    topic: str | None
    domain: str | None
    scaled: bool
    reverse: bool
    value_labels: list = field(default_factory=list)   # [(value, label_en, label_es), ...]
    module: str = "core"                                # core | sro | custom | background


def _item_row(it: Item) -> CodebookRow:
    labels = [(v, it.scale.labels["en"][v - 1], it.scale.labels["es"][v - 1]) for v in it.values]
    return CodebookRow(it.id, it.text["en"], it.text["es"], it.topic, it.domain, it.scaled, it.reverse,
                       labels, it.module)


def _background_rows(b: BackgroundItem, module: str) -> list[CodebookRow]:
    if not b.multiple:
        labels = [(o.value, o.label["en"], o.label["es"]) for o in b.options]
        return [CodebookRow(b.id, b.text["en"], b.text["es"], None, None, False, False, labels, module)]
    return [CodebookRow(f"{b.id}_{o.value}", f"{b.text['en']} [{o.label['en']}]",
                        f"{b.text['es']} [{o.label['es']}]", None, None, False, False,
                        list(SELECTED_LABELS), module)
            for o in b.options]


def _custom_row(c: CustomItem) -> CodebookRow:
    labels = [(i, o["en"], o["es"]) for i, o in enumerate(c.options, start=1)]
    return CodebookRow(c.id, c.text["en"], c.text["es"], None, None, False, False, labels, "custom")


def codebook(instrument: Instrument, sro: bool = True, custom: Sequence[CustomItem] = ()) -> list[CodebookRow]:
    rows: list[CodebookRow] = []
    for page in instrument.pages(sro=sro, custom=custom):
        for it in page.items:
            if isinstance(it, Item):
                rows.append(_item_row(it))
            elif isinstance(it, BackgroundItem):
                rows.extend(_background_rows(it, "sro" if page.kind == "sro" else "background"))
            elif isinstance(it, CustomItem):
                rows.append(_custom_row(it))
    return rows


CSV_COLUMNS = ("variable", "module", "topic", "domain", "scaled", "reverse", "text_en", "text_es",
               "value_labels_en", "value_labels_es")


def _labels(row: CodebookRow, lang: int) -> str:
    return "; ".join(f"{v}={lab[lang - 1]}" for v, *lab in row.value_labels)


def codebook_csv(rows: Sequence[CodebookRow]) -> str:
    """CSV text (UTF-8, header row, \\n line ends); value labels as '1=Strongly agree; 2=Agree; ...'."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([r.variable, r.module, r.topic or "", r.domain or "", int(r.scaled), int(r.reverse),
                    r.text_en, r.text_es, _labels(r, 1), _labels(r, 2)])
    return buf.getvalue()


def _md(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def codebook_markdown(rows: Sequence[CodebookRow]) -> str:
    """A Markdown table, one row per variable."""
    out = ["| Variable | Module | Topic | Scaled | Reverse | English | Spanish | Values (en) | Values (es) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        topic = TOPIC_LABELS[r.topic]["en"] if r.topic else ""
        out.append("| " + " | ".join(_md(x) for x in (
            r.variable, r.module, topic, "yes" if r.scaled else "no", "yes" if r.reverse else "no",
            r.text_en, r.text_es, _labels(r, 1), _labels(r, 2))) + " |")
    out.append("")
    out.append("Stored value 0 (or an empty cell) = no answer. Core and SRO values are in display order; "
               "reverse = yes means the item is turned around when scored.")
    return "\n".join(out) + "\n"
