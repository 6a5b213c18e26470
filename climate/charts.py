"""Server-rendered SVG charts for the reports.

Every chart is an inline <svg role="img"> with a <title> and <desc> it is labelled by, drawn with
presentation attributes only (the Content-Security-Policy forbids style attributes), and each
template puts a data table beside it so that a screen reader gets the numbers as text.

Colours are chosen for contrast on white: the performance bands are light fills behind dark
marks; the four answer categories run from dark red (least favourable) to dark green (most).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from surveys.domain import CUT_SCORES, PERFORMANCE_LEVELS, REPORT_MAX, REPORT_MIN

from .labels import level_label

LOW_CUT, HIGH_CUT = CUT_SCORES
# Score ranges of the performance levels in words (in the reader's language when shown): both cut
# scores belong to Favorable (surveys.scales.performance_levels).
LEVEL_RANGES = dict(zip(PERFORMANCE_LEVELS, (_l("below %(n)s", n=f"{LOW_CUT:.0f}"),
                                             f"{LOW_CUT:.0f}-{HIGH_CUT:.0f}",
                                             _l("above %(n)s", n=f"{HIGH_CUT:.0f}"))))
LEVEL_FILLS = dict(zip(PERFORMANCE_LEVELS, ("#f6d5d0", "#fbeec1", "#cfe8d5")))


def bands() -> tuple[tuple[float, float, str, str], ...]:
    """The performance bands as (low, high, label, fill), one per level, from the cut scores."""
    return tuple((low, high, f"{level_label(level)} ({LEVEL_RANGES[level]})", LEVEL_FILLS[level])
                 for level, low, high in zip(PERFORMANCE_LEVELS, (REPORT_MIN, LOW_CUT, HIGH_CUT),
                                             (LOW_CUT, HIGH_CUT, REPORT_MAX)))


def bands_in_words() -> str:
    """"the Least Favorable (below 300), Favorable (300-400) and Most Favorable (above 400) bands"."""
    labels = [label for _low, _high, label, _fill in bands()]
    return _("the %(first)s and %(last)s bands", first=", ".join(labels[:-1]), last=labels[-1])


SCHOOL_FILL = "#1d4e89"
DISTRICT_FILL = "#1b1f24"
# answer codes 0..3, least to most favourable
CATEGORY_FILLS = ("#9b2226", "#e09f87", "#8fc1a9", "#1f6f3f")
CATEGORY_TEXT = ("#ffffff", "#1b1f24", "#1b1f24", "#ffffff")

_ids = itertools.count(1)


def _uid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x, y, s, *, anchor="start", size=12, weight=None, fill="#1b1f24", cls=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' class="{cls}"' if cls else ""
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{escape(s)}</text>')


def score_chart(rows: Sequence[dict], title: str, description: str, *, label_width: int = 230,
                width: int = 720, show_district: bool = True) -> Markup:
    """A horizontal chart of scale scores on the 100-500 scale with the performance bands shaded.

    rows: dicts with "label", "mean" (None when suppressed or missing), "ci_low", "ci_high",
    "district" (the district mean or None) and "note" (text shown instead of a bar, e.g.
    "Suppressed (fewer than 10)")."""
    uid = _uid("score-chart")
    row_h, top, legend_h, axis_h = 26, 10, 44, 40
    plot_w = width - label_width - 20
    height = top + row_h * len(rows) + axis_h + legend_h

    def x_of(v: float) -> float:
        v = min(max(v, REPORT_MIN), REPORT_MAX)
        return label_width + (v - REPORT_MIN) / (REPORT_MAX - REPORT_MIN) * plot_w

    plot_bottom = top + row_h * len(rows)
    out = [f'<svg class="chart score-chart" role="img" aria-labelledby="{uid}-title {uid}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{uid}-title">{escape(title)}</title>',
           f'<desc id="{uid}-desc">{escape(description)}</desc>']
    for low, high, _label, fill in bands():
        out.append(f'<rect x="{_fmt(x_of(low))}" y="{top}" width="{_fmt(x_of(high) - x_of(low))}" '
                   f'height="{row_h * len(rows)}" fill="{fill}"/>')
    for tick in (100, 200, 300, 400, 500):
        x = x_of(tick)
        out.append(f'<line x1="{_fmt(x)}" y1="{top}" x2="{_fmt(x)}" y2="{plot_bottom + 4}" '
                   f'stroke="{"#4a5360" if tick in CUT_SCORES else "#c9ced6"}" stroke-width="1"/>')
        out.append(_text(x, plot_bottom + 17, str(tick), anchor="middle", size=11))
    out.append(_text(label_width + plot_w / 2, plot_bottom + 33, _("Scale score (100-500)"), anchor="middle", size=12))
    for i, row in enumerate(rows):
        y = top + i * row_h
        mid = y + row_h / 2
        label = row["label"] if len(row["label"]) <= 34 else row["label"][:33] + "…"
        out.append(_text(label_width - 8, mid + 4, label, anchor="end", size=12))
        mean = row.get("mean")
        if mean is None:
            out.append(_text(label_width + 6, mid + 4, row.get("note") or _("No result"), size=11, fill="#4a5360"))
        else:
            out.append(f'<rect x="{_fmt(x_of(REPORT_MIN))}" y="{_fmt(mid - 6)}" '
                       f'width="{_fmt(x_of(mean) - x_of(REPORT_MIN))}" height="12" fill="{SCHOOL_FILL}"/>')
            if row.get("ci_low") is not None and row.get("ci_high") is not None:
                x1, x2 = x_of(row["ci_low"]), x_of(row["ci_high"])
                out.append(f'<path d="M{_fmt(x1)} {_fmt(mid - 4)} V{_fmt(mid + 4)} M{_fmt(x1)} {_fmt(mid)} '
                           f'H{_fmt(x2)} M{_fmt(x2)} {_fmt(mid - 4)} V{_fmt(mid + 4)}" fill="none" '
                           f'stroke="#f2a900" stroke-width="2.5"/>')
            out.append(_text(x_of(mean) + 4 if mean < 460 else x_of(mean) - 4, mid - 7, f"{mean:.0f}",
                             anchor="start" if mean < 460 else "end", size=11, weight="600"))
        if show_district and row.get("district") is not None:
            xd = x_of(row["district"])
            out.append(f'<path d="M{_fmt(xd)} {_fmt(mid - 8)} L{_fmt(xd + 5)} {_fmt(mid)} L{_fmt(xd)} '
                       f'{_fmt(mid + 8)} L{_fmt(xd - 5)} {_fmt(mid)} Z" fill="#ffffff" stroke="{DISTRICT_FILL}" '
                       f'stroke-width="2"/>')
    # legend
    ly = plot_bottom + axis_h + 4
    x = 10
    for _low, _high, label, fill in bands():
        out.append(f'<rect x="{x}" y="{ly}" width="14" height="14" fill="{fill}" stroke="#4a5360" stroke-width="0.5"/>')
        out.append(_text(x + 19, ly + 11, label, size=11))
        x += 19 + 7 * len(label) + 16
    ly2 = ly + 22
    # the second legend row flows: its words are as long as the reader's language makes them
    school_text, interval_text = _("School score"), _("%(pct)s interval", pct="95%")
    out.append(f'<rect x="10" y="{ly2 + 1}" width="22" height="12" fill="{SCHOOL_FILL}"/>')
    out.append(_text(38, ly2 + 11, school_text, size=11))
    xl = 38 + 6.5 * len(school_text) + 18
    out.append(f'<line x1="{_fmt(xl)}" y1="{ly2 + 7}" x2="{_fmt(xl + 30)}" y2="{ly2 + 7}" stroke="#f2a900" '
               f'stroke-width="2"/>')
    out.append(_text(xl + 36, ly2 + 11, interval_text, size=11))
    if show_district:
        xd = round(xl + 36 + 6.5 * len(interval_text) + 24)
        out.append(f'<path d="M{xd} {ly2 - 1} L{xd + 5} {ly2 + 7} L{xd} {ly2 + 15} L{xd - 5} {ly2 + 7} Z" '
                   f'fill="#ffffff" stroke="{DISTRICT_FILL}" stroke-width="2"/>')
        out.append(_text(xd + 10, ly2 + 11, _("District"), size=11))
    out.append("</svg>")
    return Markup("".join(out))


def distribution_chart(rows: Sequence[dict], categories: Sequence[str], title: str, description: str, *,
                       label_width: int = 300, width: int = 720) -> Markup:
    """Stacked 100% bars of answer distributions, one bar per item.

    rows: dicts with "label" and "segments": four (percent, code) pairs in display order, or
    "note" (e.g. "Suppressed (fewer than 10)") when the item has no distribution to show.
    categories: the four category labels in display order; their colours follow the code of
    the first row with segments (display order -> favourability)."""
    uid = _uid("dist-chart")
    row_h, top, axis_h, legend_h = 30, 8, 36, 26
    plot_w = width - label_width - 16
    height = top + row_h * len(rows) + axis_h + legend_h
    out = [f'<svg class="chart dist-chart" role="img" aria-labelledby="{uid}-title {uid}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{uid}-title">{escape(title)}</title>',
           f'<desc id="{uid}-desc">{escape(description)}</desc>']
    codes_for_legend = None
    for i, row in enumerate(rows):
        y = top + i * row_h
        label = row["label"] if len(row["label"]) <= 48 else row["label"][:47] + "…"
        out.append(_text(label_width - 8, y + row_h / 2 + 4, label, anchor="end", size=11))
        segments = row.get("segments")
        if not segments:
            out.append(_text(label_width + 6, y + row_h / 2 + 4, row.get("note") or _("No answers"), size=11,
                             fill="#4a5360"))
            continue
        if codes_for_legend is None:
            codes_for_legend = [code for _pct, code in segments]
        x = float(label_width)
        for pct, code in segments:
            w = plot_w * (pct or 0) / 100.0
            out.append(f'<rect x="{_fmt(x)}" y="{y + 4}" width="{_fmt(w)}" height="{row_h - 8}" '
                       f'fill="{CATEGORY_FILLS[code]}" stroke="#ffffff" stroke-width="0.5"/>')
            if w >= 26:
                out.append(_text(x + w / 2, y + row_h / 2 + 4, f"{pct:.0f}%", anchor="middle", size=10,
                                 fill=CATEGORY_TEXT[code]))
            x += w
    plot_bottom = top + row_h * len(rows)
    for tick in (0, 25, 50, 75, 100):
        x = label_width + plot_w * tick / 100
        out.append(f'<line x1="{_fmt(x)}" y1="{plot_bottom}" x2="{_fmt(x)}" y2="{plot_bottom + 4}" stroke="#4a5360"/>')
        out.append(_text(x, plot_bottom + 16, f"{tick}%", anchor="middle", size=10))
    out.append(_text(label_width + plot_w / 2, plot_bottom + 30, _("Percent of those who answered"), anchor="middle",
                     size=11))
    ly = plot_bottom + axis_h
    codes_for_legend = codes_for_legend or [3, 2, 1, 0]
    x = 10.0
    for label, code in zip(categories, codes_for_legend):
        out.append(f'<rect x="{_fmt(x)}" y="{ly}" width="14" height="14" fill="{CATEGORY_FILLS[code]}"/>')
        out.append(_text(x + 19, ly + 11, label, size=11))
        x += 19 + 6.5 * len(label) + 18
    out.append("</svg>")
    return Markup("".join(out))
