"""The questionnaire objects the platform uses once a file has been validated: immutable, hashable,
with the lookups, pages, score codes and the canonical serialisation (to_dict, fingerprint)."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from surveys.domain import TOPIC_DOMAIN, TOPICS

N_CATEGORIES = 4
N_THRESHOLDS = N_CATEGORIES - 1


# --------------------------------------------------------------------------- objects

@dataclass(frozen=True)
class ResponseScale:
    id: str
    labels: Mapping[str, tuple[str, ...]]   # {"en": (4 labels), "es": (4 labels)} in display order
    favourable: str                          # "first" | "last": favourable end for a positively worded item

    def __hash__(self) -> int:
        return hash(("scale", self.id))

    def to_dict(self) -> dict:
        return {"labels": {lang: list(v) for lang, v in self.labels.items()}, "favourable": self.favourable}


@dataclass(frozen=True)
class Item:
    id: str
    topic: str
    text: Mapping[str, str]
    scale: ResponseScale
    reverse: bool = False
    scaled: bool = False
    thresholds: tuple[float, float, float] | None = None
    module: str = "core"

    values = (1, 2, 3, 4)

    def __hash__(self) -> int:
        return hash(("item", self.id))

    @property
    def domain(self) -> str:
        return TOPIC_DOMAIN[self.topic]

    @property
    def favourable_first(self) -> bool:
        """True when the first displayed category is the most favourable answer to this item."""
        return (self.scale.favourable == "first") != self.reverse

    def score_code(self, raw: int) -> int:
        """Stored answer 1..4 -> 0..3 (3 = most favourable); 0 or anything else -> -1."""
        if isinstance(raw, bool) or raw not in self.values:
            return -1
        return N_CATEGORIES - raw if self.favourable_first else raw - 1

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "topic": self.topic, "scale": self.scale.id,
                             "scaled": self.scaled}
        if self.reverse:
            d["reverse"] = True
        if self.thresholds is not None:
            d["thresholds"] = list(self.thresholds)
        d["text"] = dict(self.text)
        return d


@dataclass(frozen=True)
class Option:
    value: int
    label: Mapping[str, str]


@dataclass(frozen=True)
class BackgroundItem:
    id: str
    text: Mapping[str, str]
    options: tuple[Option, ...]
    multiple: bool
    prefer_not_value: int
    subgroup: str
    module: str = "core"   # "sro" for the SRO presence question
    # Answers kept with the response but reported in no subgroup, pooled with "no answer" (for
    # example "Ungraded": too rare to be a school's subgroup, and not a grade to compare).
    pooled_values: tuple[int, ...] = ()

    def __hash__(self) -> int:
        return hash(("background", self.id))

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(o.value for o in self.options)

    def is_valid(self, stored: int) -> bool:
        """Is stored a possible answer? (0 = no answer is not.) Multi-select: a bitmask of option
        values, where 'prefer not to say' cannot be combined with another option."""
        if isinstance(stored, bool) or not isinstance(stored, (int, np.integer)):
            return False
        if not self.multiple:
            return stored in self.values
        mask = sum(self.values)
        if stored <= 0 or stored & ~mask:
            return False
        return stored == self.prefer_not_value or not stored & self.prefer_not_value

    def selected(self, stored: int) -> tuple[int, ...]:
        """The option values contained in a stored answer (one for single-select items)."""
        if not self.multiple:
            return (stored,) if stored in self.values else ()
        return tuple(v for v in self.values if stored & v)

    def option(self, value: int) -> Option:
        for o in self.options:
            if o.value == value:
                return o
        raise KeyError(value)

    def to_dict(self) -> dict:
        return {"id": self.id, "subgroup": self.subgroup, "multiple": self.multiple,
                "prefer_not_value": self.prefer_not_value, "text": dict(self.text),
                "options": [{"value": o.value, **dict(o.label)} for o in self.options],
                **({"pooled_values": list(self.pooled_values)} if self.pooled_values else {})}


@dataclass(frozen=True)
class CustomItem:
    id: str
    text: Mapping[str, str]
    options: tuple[Mapping[str, str], ...]

    def __hash__(self) -> int:
        return hash(("custom", self.id))

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.options) + 1))

    def to_dict(self) -> dict:
        return {"id": self.id, "text": dict(self.text), "options": [dict(o) for o in self.options]}


@dataclass(frozen=True)
class Page:
    number: int
    kind: str            # "topic" | "sro" | "custom" | "background"
    topic: str | None
    items: tuple


def _chunks(seq: Sequence, per_page: int) -> list[tuple]:
    """Split seq into the fewest pages of at most per_page, sizes as even as possible."""
    if not seq:
        return []
    n_pages = math.ceil(len(seq) / per_page)
    base, extra = divmod(len(seq), n_pages)
    out, start = [], 0
    for i in range(n_pages):
        size = base + (1 if i < extra else 0)
        out.append(tuple(seq[start:start + size]))
        start += size
    return out


@dataclass(frozen=True)
class Instrument:
    group: str
    version: str
    title: Mapping[str, str]
    intro: Mapping[str, str]
    calibration: Mapping[str, Any]
    items: tuple[Item, ...]
    background: tuple[BackgroundItem, ...]
    sro_items: tuple[Item, ...] = ()
    sro_background: tuple[BackgroundItem, ...] = ()
    scales: Mapping[str, ResponseScale] = field(default_factory=dict)
    source: str = ""

    def __hash__(self) -> int:
        return hash(("instrument", self.group, self.version))

    # ---- lookup
    @property
    def provisional(self) -> bool:
        return str(self.calibration.get("status", "")).lower() == "provisional"

    def _all(self) -> Iterable:
        yield from self.items
        yield from self.sro_background
        yield from self.sro_items
        yield from self.background

    def item(self, item_id: str) -> Item | BackgroundItem:
        for it in self._all():
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def has_item(self, item_id: str) -> bool:
        return any(it.id == item_id for it in self._all())

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(it.id for it in self._all())

    @property
    def scaled_topics(self) -> tuple[str, ...]:
        present = {it.topic for it in self.items if it.scaled}
        return tuple(t for t in TOPICS if t in present)

    def topic_items(self, topic: str) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.topic == topic)

    def scaled_items(self, topic: str) -> tuple[Item, ...]:
        return tuple(it for it in self.items if it.topic == topic and it.scaled)

    def thresholds(self, topic: str) -> np.ndarray:
        items = self.scaled_items(topic)
        if not items:
            return np.zeros((0, N_THRESHOLDS), dtype=np.float64)
        return np.array([it.thresholds for it in items], dtype=np.float64)

    # ---- presentation
    def pages(self, sro: bool = False, custom: Sequence[CustomItem] = (), per_page: int = 10) -> list[Page]:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        raw: list[tuple[str, str | None, tuple]] = []
        for topic in TOPICS:
            for chunk in _chunks(self.topic_items(topic), per_page):
                raw.append(("topic", topic, chunk))
        if sro:
            for chunk in _chunks(list(self.sro_background) + list(self.sro_items), per_page):
                raw.append(("sro", None, chunk))
        for chunk in _chunks(list(custom), per_page):
            raw.append(("custom", None, chunk))
        for chunk in _chunks(self.background, per_page):
            raw.append(("background", None, chunk))
        return [Page(i, kind, topic, items) for i, (kind, topic, items) in enumerate(raw, start=1)]

    # ---- scoring
    def score_codes(self, item_ids: Sequence[str], raw: np.ndarray) -> np.ndarray:
        """Stored answers (n, k) of 1..4 (0 = missing) -> int8 codes 0..3, 3 = most favourable, -1 = missing."""
        items = []
        for iid in item_ids:
            it = self.item(iid)
            if not isinstance(it, Item):
                raise KeyError(f"{iid} is a background item and has no score code")
            items.append(it)
        raw = np.asarray(raw)
        if raw.ndim != 2 or raw.shape[1] != len(items):
            raise ValueError(f"raw must have shape (n_respondents, {len(items)}), got {raw.shape}")
        raw = raw.astype(np.int64, copy=False)
        fav_first = np.array([it.favourable_first for it in items], dtype=bool)
        codes = np.where(fav_first[np.newaxis, :], N_CATEGORIES - raw, raw - 1)
        valid = (raw >= 1) & (raw <= N_CATEGORIES)
        return np.where(valid, codes, -1).astype(np.int8)

    # ---- serialisation
    def to_dict(self) -> dict:
        used = {it.scale.id for it in self.items} | {it.scale.id for it in self.sro_items}
        d: dict[str, Any] = {
            "group": self.group,
            "version": self.version,
            "title": dict(self.title),
            "intro": dict(self.intro),
            "calibration": _plain(self.calibration),
            "scales": {sid: self.scales[sid].to_dict() for sid in sorted(used)},
            "items": [it.to_dict() for it in self.items],
            "background": [b.to_dict() for b in self.background],
        }
        if self.sro_items or self.sro_background:
            d["sro"] = {"present": self.sro_background[0].to_dict() if self.sro_background else None,
                        "items": [it.to_dict() for it in self.sro_items]}
        return d

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of to_dict(): changes whenever the content changes."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, d: Mapping, source: str = "<dict>") -> "Instrument":
        """Rebuild (and validate) an instrument from to_dict() output, e.g. a pinned snapshot.

        to_dict() embeds the response scales it uses, so a snapshot does not depend on the
        current scales.yaml; a dict without a 'scales' key falls back to instruments/scales.yaml.
        """
        from surveys.instruments.loader import instrument_from_dict
        return instrument_from_dict(d, source)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
