"""Words and number formats shown to readers, in one place, and the Jinja filters that use them
(registered once by the factory). Pages and CSVs use the same label for the same concept.

Every label is in English or Spanish: `lang` when it is given, else the language of the request
(the staff's or respondent's choice), else English (commands, files built outside a request)."""
from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date
from flask import Flask, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.domain import DOMAIN_LABELS, GROUP_LABELS, LEVEL_LABELS, TOPIC_LABELS

LANGUAGES = ("en", "es")

SUBGROUP_LABELS = {"grade": _l("Grade"), "sex": _l("Sex"), "race": _l("Race"),
                   "hispanic": _l("Hispanic or Latino"), "language": _l("Language"), "role": _l("Role")}

STATE_LABELS = {"scheduled": _l("Scheduled"), "open": _l("Open"), "closed": _l("Closed")}
SCHOOL_LEVEL_LABELS = {"elementary": _l("Elementary"), "middle": _l("Middle"), "high": _l("High"), "other": _l("Other")}
# The words of climate.improve (plan item statuses, kinds of recommendation), by code.
PLAN_STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done"),
                      "dropped": _l("Dropped")}
RECOMMENDATION_KIND_LABELS = {"least_favorable": _l("Least Favorable score"), "decline": _l("Score declined"),
                              "subgroup_gap": _l("Gap between subgroups"),
                              "student_staff_disagree": _l("Students and staff disagree"),
                              "low_response": _l("Low response rate")}


def current_language() -> str:
    """"en" or "es": the language of this request's pages; English outside a request."""
    if not has_request_context():
        return "en"
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else current_language()


def group_label(group: str | None, lang: str | None = None) -> str:
    """"Students", "Instructional staff", ...; an unknown value is shown as it is."""
    return GROUP_LABELS[group][_lang(lang)] if group in GROUP_LABELS else (group or "")


def topic_label(topic: str | None, lang: str | None = None) -> str:
    return TOPIC_LABELS[topic][_lang(lang)] if topic in TOPIC_LABELS else (topic or "")


def domain_label(domain: str | None, lang: str | None = None) -> str:
    return DOMAIN_LABELS[domain][_lang(lang)] if domain in DOMAIN_LABELS else (domain or "")


def measure_label(kind: str, measure: str, lang: str | None = None) -> str:
    """A topic or domain by its kind ("topic" or "domain")."""
    return domain_label(measure, lang) if kind == "domain" else topic_label(measure, lang)


def level_label(level: str | None, lang: str | None = None) -> str:
    return LEVEL_LABELS[level][_lang(lang)] if level in LEVEL_LABELS else ""


def subgroup_label(variable: str | None) -> str:
    return str(SUBGROUP_LABELS.get(variable or "", variable or ""))


def state_label(state: str | None) -> str:
    """An administration's state ("scheduled", "open", "closed") in words."""
    return str(STATE_LABELS.get(state or "", state or ""))


def school_level_label(level: str | None) -> str:
    return str(SCHOOL_LEVEL_LABELS.get(level or "", level or ""))


def plan_status_label(status: str | None) -> str:
    return str(PLAN_STATUS_LABELS.get(status or "", status or ""))


def recommendation_kind_label(kind: str | None) -> str:
    return str(RECOMMENDATION_KIND_LABELS.get(kind or "", kind or ""))


def hidden_label(cell: dict, fallback: str | None = None) -> str:
    """What a page says in place of a hidden cell, in the reader's language. Cells store their label
    in English with the minimum group size they were published with; the reason says which words."""
    reason, stored = cell.get("reason"), cell.get("label") or ""
    found = re.search(r"\d+", stored)
    if reason == "fewer" and found:
        return _("Fewer than %(n)s respondents", n=found.group())
    if reason == "complement":
        return _("Hidden so that a smaller group's results can't be worked out")
    if reason == "revision" and found:
        return _("Hidden because this group changed by fewer than %(n)s respondents since the last published "
                 "results", n=found.group())
    return stored or fallback or _("Hidden to protect respondents' privacy")


def format_long_date(day: dt.date) -> str:
    """"March 2, 2026" or "2 de marzo de 2026"."""
    return format_date(day, "long", locale=current_language())


def format_rate(rate: float | None) -> str:
    """A response rate (0-1) as a whole percentage; a dash when there is no base."""
    return "—" if rate is None else f"{100 * rate:.0f}%"


def format_score(value) -> str:
    return "" if value is None else f"{value:.0f}"


def format_pct(value) -> str:
    return "" if value is None else f"{value:.0f}%"


FILTERS = {
    "group_label": group_label,
    "topic_label": topic_label,
    "domain_label": domain_label,
    "level_label": level_label,
    "subgroup_label": subgroup_label,
    "state_label": state_label,
    "school_level_label": school_level_label,
    "plan_status_label": plan_status_label,
    "recommendation_kind_label": recommendation_kind_label,
    "hidden_label": hidden_label,
    "rate": format_rate,
    "score": format_score,
    "pct": format_pct,
}


def register(app: Flask) -> None:
    """Make every label and format available to templates, once for the whole app."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(measure_label=measure_label)
