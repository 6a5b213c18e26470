"""Words and number formats shown to readers, in one place, and the Jinja filters that use them
(registered once by the factory). Pages and CSVs use the same label for the same concept."""
from __future__ import annotations

from flask import Flask

from surveys.domain import DOMAIN_LABELS, GROUP_LABELS, LEVEL_LABELS, TOPIC_LABELS

SUBGROUP_LABELS = {"grade": "Grade", "sex": "Sex", "race": "Race", "hispanic": "Hispanic or Latino",
                   "language": "Language", "role": "Role"}


def group_label(group: str | None, lang: str = "en") -> str:
    """"Students", "Instructional staff", ...; an unknown value is shown as it is."""
    return GROUP_LABELS[group][lang] if group in GROUP_LABELS else (group or "")


def topic_label(topic: str | None, lang: str = "en") -> str:
    return TOPIC_LABELS[topic][lang] if topic in TOPIC_LABELS else (topic or "")


def domain_label(domain: str | None, lang: str = "en") -> str:
    return DOMAIN_LABELS[domain][lang] if domain in DOMAIN_LABELS else (domain or "")


def measure_label(kind: str, measure: str, lang: str = "en") -> str:
    """A topic or domain by its kind ("topic" or "domain")."""
    return domain_label(measure, lang) if kind == "domain" else topic_label(measure, lang)


def level_label(level: str | None, lang: str = "en") -> str:
    return LEVEL_LABELS[level][lang] if level in LEVEL_LABELS else ""


def subgroup_label(variable: str | None) -> str:
    return SUBGROUP_LABELS.get(variable or "", variable or "")


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
    "rate": format_rate,
    "score": format_score,
    "pct": format_pct,
}


def register(app: Flask) -> None:
    """Make every label and format available to templates, once for the whole app."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(measure_label=measure_label)
