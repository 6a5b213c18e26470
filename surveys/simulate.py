"""Simulated respondents: answers drawn from the Rasch partial credit model.

Used to fill demo administrations and to test reports and scoring on data whose truth is known.
Everything is vectorised over respondents (no Python loop over people) and deterministic given a
``numpy.random.Generator``.

Conventions (see surveys.instruments): a *code* is 0..3 with 3 = most favourable, -1 = missing;
a *raw* stored value is 1..4, the display position of the chosen category, 0 = missing.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from surveys.domain import TOPICS
from surveys.instruments import N_CATEGORIES, BackgroundItem, CustomItem, Instrument, Item
from surveys.rasch import category_probabilities

# Thresholds for items that have none (items outside the scales, parent and SRO items): a
# typical provisional item, so their answers look like the scaled items' answers.
DEFAULT_THRESHOLDS = (-2.2, -0.75, 0.75)


def simulate_responses(thresholds, theta, rng: np.random.Generator, missing: float = 0.03) -> np.ndarray:
    """Draw PCM answers.

    thresholds : float array (k, 3), logits, on the favourable coding
    theta : float array (n,), logits
    missing : probability that any one answer is left blank
    returns : int8 array (n, k) of codes 0..3 (3 = most favourable), -1 = missing
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    d = np.asarray(thresholds, dtype=np.float64)
    n, k = theta.shape[0], d.shape[0]
    if k == 0 or n == 0:
        return np.zeros((n, k), dtype=np.int8)
    p = category_probabilities(theta, d)                       # (n, k, 4)
    cum = np.cumsum(p, axis=2)
    u = rng.random((n, k, 1))
    codes = (u > cum[:, :, :-1]).sum(axis=2).astype(np.int8)   # inverse-CDF draw, 0..3
    if missing > 0:
        codes[rng.random((n, k)) < missing] = -1
    return codes


def codes_to_raw(codes, favourable_first) -> np.ndarray:
    """Invert Item.score_code: codes (n, k) 0..3/-1 -> stored raw values 1..4 (display position), 0 = missing.

    favourable_first : bool array (k,), Item.favourable_first (scale direction and reverse coding)
    """
    codes = np.asarray(codes, dtype=np.int16)
    fav = np.asarray(favourable_first, dtype=bool)[np.newaxis, :]
    raw = np.where(fav, N_CATEGORIES - codes, codes + 1)
    return np.where(codes >= 0, raw, 0).astype(np.int8)


def item_thresholds(items: Sequence[Item]) -> np.ndarray:
    """(k, 3) thresholds of the items, DEFAULT_THRESHOLDS where an item has none."""
    if not items:
        return np.zeros((0, 3))
    return np.array([it.thresholds if it.thresholds is not None else DEFAULT_THRESHOLDS for it in items],
                    dtype=np.float64)


# --- background answers ---------------------------------------------------------------------

# Plausible shares by subgroup (option value -> weight); anything else is drawn evenly.
_WEIGHTS = {
    "sex": {1: 0.49, 2: 0.49, 99: 0.02},
    "hispanic": {1: 0.26, 2: 0.71, 99: 0.03},
    "language": {1: 0.72, 2: 0.14, 3: 0.08, 4: 0.04, 99: 0.02},
    "sro_present": {1: 0.68, 2: 0.14, 3: 0.16, 99: 0.02},
    "years": {1: 0.12, 2: 0.2, 3: 0.33, 4: 0.33, 99: 0.02},
}
# Race: single races and their shares (bitmask values), chance of a second race, prefer-not share.
_RACE = {1: 0.02, 2: 0.06, 4: 0.16, 8: 0.01, 16: 0.75}
_RACE_TWO, _RACE_PREFER_NOT = 0.06, 0.03


def draw_background(item: BackgroundItem, n: int, rng: np.random.Generator,
                    grades: Sequence[int] | None = None, missing: float = 0.01) -> np.ndarray:
    """Stored values (n,) int64 for one background item; 0 = no answer.

    grades : the grades a school serves (for the grade question), e.g. range(6, 9)."""
    values = np.array(item.values)
    weights = np.ones(len(values))
    prefer = values == item.prefer_not_value
    if item.multiple and item.subgroup == "race":
        return _draw_race(item, n, rng, missing)
    if item.subgroup == "grade":
        allowed = set(grades or ()) & set(int(v) for v in values)
        weights = np.array([1.0 if v in allowed else 0.0 for v in values])
        if not weights.any():  # no grade 5-12 served: 'ungraded' or prefer not
            weights = np.where(values >= 13, 1.0, 0.0)
        weights = weights / weights.sum() * 0.97
        weights[prefer] += 0.02
        weights[values == 13] += 0.01
    elif item.subgroup in _WEIGHTS:
        table = _WEIGHTS[item.subgroup]
        weights = np.array([table.get(int(v), 0.1) for v in values])
    else:
        weights = np.where(prefer, 0.03 * (len(values) - 1), 1.0)
    weights = weights / weights.sum()
    out = rng.choice(values, size=n, p=weights).astype(np.int64)
    out[rng.random(n) < missing] = 0
    return out


def _draw_race(item: BackgroundItem, n: int, rng, missing: float) -> np.ndarray:
    single = np.array([v for v in _RACE if v in item.values])
    p = np.array([_RACE[v] for v in single])
    p = p / p.sum()
    first = rng.choice(single, size=n, p=p)
    second = rng.choice(single, size=n, p=p)
    out = np.where(rng.random(n) < _RACE_TWO, first | second, first).astype(np.int64)
    out[rng.random(n) < _RACE_PREFER_NOT] = item.prefer_not_value
    out[rng.random(n) < missing] = 0
    return out


# --- whole questionnaires -----------------------------------------------------------------------

@dataclass(frozen=True)
class SimulatedAnswers:
    """Answers of n simulated respondents to one questionnaire.

    item_ids : the columns; raw : int16 array (n, m) of stored values, 0 = no answer."""
    item_ids: tuple[str, ...]
    raw: np.ndarray

    def column(self, item_id: str) -> np.ndarray:
        return self.raw[:, self.item_ids.index(item_id)]


# Subgroup differences built into the simulation (logits, added to every topic unless named).
# Students: older students a little less favourable; girls less favourable on emotional safety and
# bullying; students answering 'Black' (bit 4) less favourable on cultural competence and discipline.
GRADE_SLOPE = -0.07
SUBGROUP_TOPIC_SHIFTS = {
    ("sex", 1): {"emotional_safety": -0.3, "bullying": -0.3, "mental_health": -0.2},
    ("race", 4): {"cultural_competence": -0.4, "discipline": -0.4},
    ("years", 1): {"relationships": -0.25, "school_participation": -0.25},
}


def simulate_instrument(instrument: Instrument, n: int, rng: np.random.Generator, *,
                        school_shift: float = 0.0, topic_shift: Mapping[str, float] | None = None,
                        sro: bool = False, custom: Sequence[CustomItem] = (),
                        grades: Sequence[int] | None = None, missing: float = 0.03,
                        person_sd: float = 1.0, topic_sd: float = 0.5) -> SimulatedAnswers:
    """Simulate n respondents answering the whole questionnaire (core items, SRO module when on,
    custom items, background).

    Each respondent's theta on a topic = school_shift + topic_shift[topic] + a general person
    effect N(0, person_sd) + a topic-specific effect N(0, topic_sd) + subgroup shifts; answers
    are PCM draws from the items' thresholds (DEFAULT_THRESHOLDS where an item has none).
    """
    topic_shift = dict(topic_shift or {})
    background = list(instrument.background) + (list(instrument.sro_background) if sro else [])
    bg = {b.id: draw_background(b, n, rng, grades=grades) for b in background}
    by_subgroup = {b.subgroup: bg[b.id] for b in background}

    # shifts from the respondent's background, (n,) general and per topic
    general = np.zeros(n)
    grade = by_subgroup.get("grade")
    if grade is not None and instrument.group == "student":
        real = (grade >= 5) & (grade <= 12)
        general += np.where(real, (grade - 8) * GRADE_SLOPE, 0.0)
    topic_extra = {t: np.zeros(n) for t in TOPICS}
    for (subgroup, value), shifts in SUBGROUP_TOPIC_SHIFTS.items():
        col = by_subgroup.get(subgroup)
        if col is None:
            continue
        hit = (col & value) > 0 if subgroup == "race" else col == value
        if subgroup == "race":
            hit &= col != 32  # 'prefer not' is not a race
        for topic, shift in shifts.items():
            topic_extra[topic] += np.where(hit, shift, 0.0)

    person = rng.normal(0.0, person_sd, n) + general + school_shift
    ids: list[str] = []
    columns: list[np.ndarray] = []
    for topic in TOPICS:  # loop over topics (13), never over respondents
        items = instrument.topic_items(topic)
        if sro and topic == "physical_safety":
            items = items + tuple(instrument.sro_items)
        if not items:
            continue
        theta = person + topic_shift.get(topic, 0.0) + topic_extra[topic] + rng.normal(0.0, topic_sd, n)
        codes = simulate_responses(item_thresholds(items), theta, rng, missing)
        raw = codes_to_raw(codes, [it.favourable_first for it in items])
        ids.extend(it.id for it in items)
        columns.append(raw.astype(np.int16))
    for c in custom:
        ids.append(c.id)
        col = rng.integers(1, len(c.options) + 1, size=n).astype(np.int16)
        col[rng.random(n) < missing] = 0
        columns.append(col[:, None])
    for b in background:
        ids.append(b.id)
        columns.append(bg[b.id].astype(np.int16)[:, None])
    raw = np.concatenate(columns, axis=1) if columns else np.zeros((n, 0), dtype=np.int16)
    return SimulatedAnswers(tuple(ids), raw)
