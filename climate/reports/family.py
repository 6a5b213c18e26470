"""The family-facing results of a school, in English and Spanish: a results page and a one-page
summary a school can post or send home. Parents' answers question by question, and a few
school-wide figures (each group's response rate, the students' and staff domain scale scores) in
plain words.

Every number comes from the stored cells of a published revision, which the disclosure policy has
already gated: a hidden cell shows why it is hidden, in the page's language, never a number. Like
the parent notice (climate.administer.notice), the family pages carry their own words in both
languages (TEXTS below) rather than the staff catalogue, so a school can print either version."""
from __future__ import annotations

from surveys.disclosure import COMPLEMENT, FEWER, REVISION
from surveys.domain import CUT_SCORES, DOMAINS, TOPICS

from .. import results
from ..administer.notice import long_date
from ..labels import domain_label, group_label, level_label, topic_label
from ..models import Administration, School
from .common import instruments_of, ordered_groups
from .summary import minimum_rate

FAMILY_LANGUAGES = ("en", "es")
HIGHLIGHTS = 3  # questions shown as most and least favorable on the one-page summary

# Why a number is hidden, in the family pages' words ({n}: the smallest group shown).
HIDDEN_TEXT = {
    "en": {FEWER: "Hidden: fewer than {n} people answered", COMPLEMENT: "Hidden to protect a smaller group",
           REVISION: "Hidden to protect a smaller group", None: "Hidden to protect privacy"},
    "es": {FEWER: "No se muestra: respondieron menos de {n} personas",
           COMPLEMENT: "No se muestra para proteger a un grupo más pequeño",
           REVISION: "No se muestra para proteger a un grupo más pequeño",
           None: "No se muestra para proteger la privacidad"},
}

TEXTS = {
    "en": {
        "title": "{school}: what families, students and staff told us",
        "summary_title": "{school}: school climate survey results",
        "meta": "{district} · {administration} · results published {published}",
        "intro": ("Each year our school asks students, staff and families how they experience the school: "
                  "whether it feels safe, welcoming and supportive. This is what they told us. Thank you to "
                  "everyone who answered."),
        "who_heading": "Who answered",
        "rate_line": "{group}: {submitted} of {enrollment} answered ({rate}).",
        "rate_no_base": "{group}: {submitted} answered.",
        "rate_low": "Fewer answered than we need to be sure these results speak for the whole group.",
        "rate_rule": ("We take a group's results to speak for the school when at least {rate} answered "
                      "({parent_rate} for families)."),
        "parents_heading": "What parents and guardians said",
        "parents_intro": ("For each question, the share of parents and guardians who gave a favorable answer "
                          "(for example, agreeing that the school is welcoming, or saying that something is not "
                          "a problem), beside the share across the district."),
        "no_parents": "Parents and guardians were not asked to take the survey this time.",
        "no_parent_results": "Too few parents and guardians answered for any result to be shown.",
        "question": "Question", "favorable": "Favorable answers", "district": "District",
        "pct_favorable": "{pct} favorable", "district_pct": "district {pct}",
        "best_heading": "Where parents and guardians are most positive",
        "worst_heading": "Where parents and guardians are least positive",
        "school_heading": "How students and staff see the school",
        "school_intro": ("Students and staff answer questions about three areas. Their answers are combined into "
                         "a score from 100 to 500: below {low} is Least Favorable, {low} to {high} is Favorable, "
                         "and {high} or above is Most Favorable."),
        "area": "Area", "score_level": "{score}, {level}", "district_score": "district {score}",
        "no_result": "No result",
        "privacy_heading": "How answers are kept private",
        "privacy": ("The survey asks for no names. Results are shown only for groups of at least {n} people, and "
                    "no one at the school can see one person's answers."),
        "next_heading": "What happens next",
        "next": ("The school's staff read these results to choose what to work on this year. To learn more or to "
                 "help, please contact {school}."),
        "options": "Family results options",
        "print_summary": "One-page summary to print",
        "full_page": "All family results",
        "back": "Back to the school report",
        "other_language": "Versión en español",
        "print_button": "Print",
        "toolbar": "This page is for families. Print it or save it as a PDF to post or send home; this bar is not printed.",
    },
    "es": {
        "title": "{school}: lo que nos dijeron las familias, los estudiantes y el personal",
        "summary_title": "{school}: resultados de la encuesta sobre el ambiente escolar",
        "meta": "{district} · {administration} · resultados publicados el {published}",
        "intro": ("Cada año nuestra escuela pregunta a los estudiantes, al personal y a las familias cómo viven la "
                  "escuela: si se sienten seguros, bienvenidos y apoyados. Esto es lo que nos dijeron. Gracias a "
                  "todas las personas que respondieron."),
        "who_heading": "Quiénes respondieron",
        "rate_line": "{group}: respondieron {submitted} de {enrollment} ({rate}).",
        "rate_no_base": "{group}: respondieron {submitted}.",
        "rate_low": ("Respondieron menos personas de las necesarias para estar seguros de que estos resultados "
                     "representan a todo el grupo."),
        "rate_rule": ("Consideramos que los resultados de un grupo representan a la escuela cuando respondió al "
                      "menos el {rate} ({parent_rate} en el caso de las familias)."),
        "parents_heading": "Lo que dijeron los padres y tutores",
        "parents_intro": ("Para cada pregunta, la proporción de padres y tutores que dio una respuesta favorable "
                          "(por ejemplo, que está de acuerdo en que la escuela es acogedora, o que algo no es un "
                          "problema), junto a la proporción en todo el distrito."),
        "no_parents": "Esta vez no se pidió a los padres y tutores que respondieran la encuesta.",
        "no_parent_results": "Respondieron muy pocos padres y tutores para mostrar resultados.",
        "question": "Pregunta", "favorable": "Respuestas favorables", "district": "Distrito",
        "pct_favorable": "{pct} favorable", "district_pct": "distrito {pct}",
        "best_heading": "Donde los padres y tutores son más positivos",
        "worst_heading": "Donde los padres y tutores son menos positivos",
        "school_heading": "Cómo ven la escuela los estudiantes y el personal",
        "school_intro": ("Los estudiantes y el personal responden preguntas sobre tres áreas. Sus respuestas se "
                         "combinan en un puntaje de 100 a 500: menos de {low} es Menos favorable, de {low} a "
                         "{high} es Favorable, y {high} o más es Más favorable."),
        "area": "Área", "score_level": "{score}, {level}", "district_score": "distrito {score}",
        "no_result": "Sin resultado",
        "privacy_heading": "Cómo se protegen las respuestas",
        "privacy": ("La encuesta no pide nombres. Solo se muestran resultados de grupos de al menos {n} personas, "
                    "y nadie en la escuela puede ver las respuestas de una persona."),
        "next_heading": "Qué sigue",
        "next": ("El personal de la escuela lee estos resultados para decidir en qué trabajar este año. Para saber "
                 "más o para ayudar, comuníquese con {school}."),
        "options": "Opciones de los resultados para las familias",
        "print_summary": "Resumen de una página para imprimir",
        "full_page": "Todos los resultados para las familias",
        "back": "Volver al informe de la escuela",
        "other_language": "English version",
        "print_button": "Imprimir",
        "toolbar": ("Esta página es para las familias. Imprímala o guárdela como PDF para publicarla o enviarla a "
                    "casa; esta barra no se imprime."),
    },
}


def pct_text(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def hidden_text(cell: dict, lang: str, min_n: int) -> str:
    table = HIDDEN_TEXT[lang]
    return table.get(cell.get("reason"), table[None]).format(n=min_n)


def _shown(cell: dict | None) -> bool:
    return cell is not None and not cell["suppressed"]


def _parent_item(item, cell, district, lang: str, min_n: int) -> dict:
    row = {"id": item.id, "text": item.text[lang], "pct": None, "district_pct": None, "hidden": None}
    if cell is not None and cell["suppressed"]:
        row["hidden"] = hidden_text(cell, lang, min_n)
    elif cell is not None and cell["pct_favourable"] is not None:
        row["pct"] = cell["pct_favourable"]
    if _shown(district) and district["pct_favourable"] is not None:
        row["district_pct"] = district["pct_favourable"]
    return row


def _parent_sections(administration: Administration, school: School, run, lang: str) -> list[dict] | None:
    """Per topic with parent questions: each question's favorable share (None: no parent survey)."""
    agroup = administration.group("parent")
    if agroup is None:
        return None
    inst = instruments_of(administration)["parent"]
    mine = results.index_cells(results.cells(run, school_id=school.id, group="parent", measure_kind="item"))
    district = results.index_cells(results.cells(run, school_id=None, group="parent", measure_kind="item"))
    return [{"topic": t, "label": topic_label(t, lang),
             "questions": [_parent_item(item, mine.get((school.id, "parent", "item", item.id, None, None)),
                                    district.get((None, "parent", "item", item.id, None, None)), lang, run.min_n)
                       for item in inst.topic_items(t)]}
            for t in TOPICS if inst.topic_items(t)]


def _domain_rows(administration: Administration, school: School, run, lang: str) -> tuple[list, list]:
    """(groups, rows): the scaled respondent groups, and per domain each group's stored cell in words."""
    instruments = instruments_of(administration)
    groups = [g.respondent_group for g in ordered_groups(administration)
              if instruments[g.respondent_group].scaled_topics]
    mine = results.index_cells(results.cells(run, school_id=school.id, measure_kind="domain"))
    district = results.index_cells(results.cells(run, school_id=None, measure_kind="domain"))
    rows = []
    for d in DOMAINS:
        cells = []
        for g in groups:
            c, dc = mine.get((school.id, g, "domain", d, None, None)), district.get((None, g, "domain", d, None, None))
            entry = {"group": g, "score": None, "level": None, "level_label": None, "hidden": None,
                     "district": dc["mean"] if _shown(dc) else None}
            if c is not None and c["suppressed"]:
                entry["hidden"] = hidden_text(c, lang, run.min_n)
            elif c is not None and c["mean"] is not None:
                entry.update(score=c["mean"], level=c["level"], level_label=level_label(c["level"], lang))
            cells.append(entry)
        rows.append({"domain": d, "label": domain_label(d, lang), "cells": cells})
    return [{"group": g, "label": group_label(g, lang)} for g in groups], rows


def _rates(administration: Administration, school: School) -> list[dict]:
    rates = results.response_rates(administration, school)
    out = []
    for agroup in ordered_groups(administration):
        g = agroup.respondent_group
        submitted, enrollment = rates.get(g, (0, school.enrollment(g)))
        rate = results.rate(submitted, enrollment)
        out.append({"group": g, "submitted": submitted, "enrollment": enrollment, "rate": rate,
                    "low": rate is not None and rate < minimum_rate(g)})
    return out


def highlights(sections: list[dict] | None) -> tuple[list[dict], list[dict]]:
    """(most favorable, least favorable) shown parent questions, three each, no question in both."""
    shown = [i for s in sections or () for i in s["questions"] if i["pct"] is not None]
    best = sorted(shown, key=lambda i: (-i["pct"], i["id"]))[:HIGHLIGHTS]
    rest = [i for i in shown if i not in best]
    worst = sorted(rest, key=lambda i: (i["pct"], i["id"]))[:HIGHLIGHTS]
    return best, worst


def family_results(school: School, administration: Administration, run, lang: str) -> dict:
    """What both family pages show, in one language (ValueError for an unknown one)."""
    if lang not in FAMILY_LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; family results are in English (en) or Spanish (es).")
    t = TEXTS[lang]
    tz = administration.district.timezone
    sections = _parent_sections(administration, school, run, lang)
    groups, domain_rows = _domain_rows(administration, school, run, lang)
    best, worst = highlights(sections)
    rates = _rates(administration, school)
    for r in rates:
        r["label"] = group_label(r["group"], lang)
        r["text"] = (t["rate_line"].format(group=r["label"], submitted=r["submitted"], enrollment=r["enrollment"],
                                           rate=pct_text(100 * r["rate"]))
                     if r["rate"] is not None else t["rate_no_base"].format(group=r["label"], submitted=r["submitted"]))
    return {
        "lang": lang, "other_lang": "en" if lang == "es" else "es", "t": t, "school": school,
        "administration": administration, "run": run, "sections": sections, "best": best, "worst": worst,
        "has_parent_results": any(i["pct"] is not None for s in sections or () for i in s["questions"]),
        "groups": groups, "domain_rows": domain_rows, "rates": rates,
        "published": long_date(run.published_at or run.created_at, tz, lang),
        "cuts": {"low": f"{CUT_SCORES[0]:.0f}", "high": f"{CUT_SCORES[1]:.0f}"},
        "rate_rule": t["rate_rule"].format(rate=pct_text(100 * minimum_rate("student")),
                                           parent_rate=pct_text(100 * minimum_rate("parent"))),
        "min_n": run.min_n,
    }
