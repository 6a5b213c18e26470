"""Report subgroups (grade, sex, race, ...) from respondents' background answers.

Values are kept as stable strings: the answer option's code ("9" for 9th grade), "multiple" for
people who chose more than one race, and None for no answer, "prefer not to say" or an answer the
questionnaire pools with them (`pooled_values`, e.g. "Ungraded"): those respondents count in the
whole group but in no subgroup."""
from collections.abc import Mapping

import numpy as np

from .instruments import BackgroundItem, Instrument

MULTIPLE = "multiple"
# Variables reported as subgroups; 'sro_present' and 'years' feed other views, not subgroup tables.
REPORTED = ("grade", "sex", "race", "hispanic", "language", "role")


def subgroup_values(item: BackgroundItem, stored: np.ndarray) -> np.ndarray:
    """stored : int array (n,), 0 = no answer -> object array (n,) of str | None."""
    stored = np.asarray(stored, dtype=np.int64)
    out = np.full(stored.shape, None, dtype=object)
    if item.multiple:
        bits = np.array([v for v in item.values if v != item.prefer_not_value], dtype=np.int64)
        chosen = (stored[:, None] & bits[None, :]) != 0
        counts = chosen.sum(axis=1)
        valid = (stored > 0) & ((stored & item.prefer_not_value) == 0)
        single = valid & (counts == 1)
        which = bits[np.argmax(chosen, axis=1)]
        out[single] = which[single].astype(str)
        out[valid & (counts > 1)] = MULTIPLE
        return out
    valid = np.isin(stored, [v for v in item.values if v != item.prefer_not_value and v not in item.pooled_values])
    out[valid] = stored[valid].astype(str)
    return out


def subgroup_vectors(instrument: Instrument, column: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The reported subgroup variables of a group. column(item_id) gives stored values (n,)."""
    return {item.subgroup: subgroup_values(item, column[item.id])
            for item in instrument.background if item.subgroup in REPORTED and item.id in column}


def subgroup_label(instrument: Instrument, subgroup: str, value: str, lang: str = "en") -> str:
    """The words for a subgroup value, e.g. ('grade', '9') -> '9th grade'."""
    if value == MULTIPLE:
        return {"en": "More than one race", "es": "Más de una raza"}.get(lang, "More than one race")
    for item in instrument.background:
        if item.subgroup == subgroup:
            try:
                return item.option(int(value)).label[lang]
            except (KeyError, ValueError):
                break
    return value


def subgroup_item(instrument: Instrument, subgroup: str) -> BackgroundItem | None:
    return next((i for i in instrument.background if i.subgroup == subgroup), None)
