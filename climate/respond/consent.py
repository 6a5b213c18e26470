"""The consent (assent, for students) text each respondent group reads before the first question,
in English and Spanish: students are addressed with tú, adults with usted.

An administration stores its texts as {respondent group: {"en": ..., "es": ...}}; a group or
language it has no text for shows the default below."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

_STAFF = {
    "en": ("This survey asks what you think about your school as a place to learn and to work. There are no "
           "right or wrong answers. Your answers are private: we never ask your name, and nobody at your school "
           "or in the district office will see your own answers, only totals for groups of at least ten people. "
           "You can skip any question, and you can stop at any time. Taking part is your choice and does not "
           "affect your job. Do you want to take the survey?"),
    "es": ("Esta encuesta pregunta qué piensa usted de su escuela como lugar para aprender y para trabajar. No hay "
           "respuestas correctas ni incorrectas. Sus respuestas son privadas: nunca preguntamos su nombre, y nadie "
           "en su escuela ni en la oficina del distrito verá sus respuestas, solo totales de grupos de al menos "
           "diez personas. Puede saltar cualquier pregunta y puede parar cuando quiera. Participar es su decisión "
           "y no afecta su empleo. ¿Desea responder la encuesta?"),
}

DEFAULT_CONSENT: dict[str, dict[str, str]] = {
    "student": {
        "en": ("This survey asks what you think about your school. It is not a test: there are no right or "
               "wrong answers. Your answers are private. We never ask your name, and nobody at your school "
               "will see your own answers, only totals for groups of at least ten people. You can skip any "
               "question, and you can stop at any time. Do you want to take the survey?"),
        "es": ("Esta encuesta pregunta qué piensas de tu escuela. No es un examen: no hay respuestas correctas "
               "ni incorrectas. Tus respuestas son privadas. Nunca preguntamos tu nombre, y nadie en tu escuela "
               "verá tus respuestas, solo totales de grupos de al menos diez personas. Puedes saltar cualquier "
               "pregunta y puedes parar cuando quieras. ¿Quieres responder la encuesta?"),
    },
    "instructional_staff": dict(_STAFF),
    "noninstructional_staff": dict(_STAFF),
    "parent": {
        "en": ("This survey asks what you think about your child's school. There are no right or wrong answers. "
               "Your answers are private: we never ask your name or your child's name, and nobody at the school "
               "will see your own answers, only totals for groups of at least ten people. You can skip any "
               "question, and you can stop at any time. Taking part is your choice and does not affect your "
               "child in any way. Do you want to take the survey?"),
        "es": ("Esta encuesta pregunta qué piensa usted de la escuela de su hijo o hija. No hay respuestas "
               "correctas ni incorrectas. Sus respuestas son privadas: nunca preguntamos su nombre ni el de su "
               "hijo o hija, y nadie en la escuela verá sus respuestas, solo totales de grupos de al menos diez "
               "personas. Puede saltar cualquier pregunta y puede parar cuando quiera. Participar es su decisión "
               "y no afecta a su hijo o hija de ninguna manera. ¿Desea responder la encuesta?"),
    },
}
LANGUAGES = ("en", "es")


def consent_texts(groups: Iterable[str], given: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    """The texts to store for an administration's groups: what the coordinator gave (stripped),
    else the group's default, per language."""
    given = given or {}
    return {group: {lang: ((given.get(group) or {}).get(lang) or "").strip() or DEFAULT_CONSENT[group][lang]
                    for lang in LANGUAGES}
            for group in groups}


def consent_for(stored: Mapping | None, group: str, language: str) -> str:
    """The text a respondent of `group` reads in `language`."""
    texts = (stored or {}).get(group) or {}
    default = DEFAULT_CONSENT.get(group, DEFAULT_CONSENT["student"])
    return texts.get(language) or default.get(language) or texts.get("en") or default["en"]
