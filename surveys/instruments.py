"""The questionnaires as validated data.

Each respondent group has one YAML file in ``instruments/`` (``student.yaml``,
``instructional_staff.yaml``, ``noninstructional_staff.yaml``, ``parent.yaml``); the shared
response scales live in ``instruments/scales.yaml``. This module loads them, checks their
structure and turns them into immutable objects the rest of the platform uses.

Validation collects every problem it finds and raises one :class:`InstrumentError` whose
``str()`` lists them one per line, as ``<file>: item <id>: <reason>``. Structure is checked
here (ids, topics, translations, scales, thresholds, cheap scoring guards such as "every
scaled topic has at least 4 scaled items"); the content rules of the real questionnaires
(item counts per group and so on) are checked by the tests.

Coding conventions
------------------
* A stored answer to a core or SRO item is 1..4, the position of the chosen category in
  display order (1 = first category shown); 0 = no answer.
* :meth:`Instrument.score_codes` turns stored answers into 0..3 with 3 = most favourable,
  turning reverse-coded (negatively worded) items around; -1 = missing.
* Partial-credit thresholds are on that favourable coding: threshold k (k = 1..3) is the
  step from code k-1 to code k, so they are increasing.
* Background answers store the chosen option's ``value``; multi-select items (race) store
  the sum (bitmask) of the chosen option values, which are distinct powers of two.
* Custom items store the 1-based index of the chosen option.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import yaml

from surveys.domain import LANGUAGES, RESPONDENT_GROUPS, SCALED_TOPICS, TOPIC_DOMAIN, TOPICS

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTS_DIR = REPO_ROOT / "instruments"
SCALES_FILE = "scales.yaml"

GROUP_PREFIX = {
    "student": "S_",
    "instructional_staff": "T_",
    "noninstructional_staff": "N_",
    "parent": "P_",
}
SRO_GROUPS = ("student", "instructional_staff", "noninstructional_staff")
SRO_ITEM_SUFFIXES = ("SRO_KNOW", "SRO_HELP", "SRO_DISC", "SRO_FAIR", "SRO_SAFE", "SRO_RESPECT")
SRO_PRESENT_SUFFIX = "SRO_PRESENT"
SUBGROUPS = ("grade", "sex", "hispanic", "race", "language", "role", "years", "sro_present")
MODULES = ("core", "sro")
N_CATEGORIES = 4
N_THRESHOLDS = N_CATEGORIES - 1
MIN_SCALED_ITEMS = 4
MAX_CUSTOM_ITEMS = 10
MIN_CUSTOM_OPTIONS, MAX_CUSTOM_OPTIONS = 2, 10
ID_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


# --------------------------------------------------------------------------- errors

@dataclass(frozen=True)
class Problem:
    file: str
    item_id: str | None
    reason: str

    def __str__(self) -> str:
        if self.item_id:
            return f"{self.file}: item {self.item_id}: {self.reason}"
        return f"{self.file}: {self.reason}"


class InstrumentError(ValueError):
    """One or more problems in instrument data; ``.problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
                "options": [{"value": o.value, **dict(o.label)} for o in self.options]}


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
        extra: dict[str, ResponseScale] = {}
        if isinstance(d, Mapping) and "scales" not in d and (INSTRUMENTS_DIR / SCALES_FILE).exists():
            extra = load_scales(INSTRUMENTS_DIR / SCALES_FILE)
        return _build(d, source, extra_scales=extra)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- loading

def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    name = _display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(name, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, None, f"YAML syntax error{where}: {what}"))
        return None


def load_scales(path: Path) -> dict[str, ResponseScale]:
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    scales = {}
    if not problems:
        scales = _parse_scales(data, _display(path), problems, key="scales")
    if problems:
        raise InstrumentError(problems)
    return scales


def load_instrument(path) -> Instrument:
    """Load and validate one questionnaire file (the shared scales.yaml next to it is used)."""
    path = Path(path)
    problems: list[Problem] = []
    extra: dict[str, ResponseScale] = {}
    scales_path = path.parent / SCALES_FILE
    if scales_path.exists() and path.name != SCALES_FILE:
        sdata = _read_yaml(scales_path, problems)
        if not problems:
            extra = _parse_scales(sdata, _display(scales_path), problems, key="scales")
    data = _read_yaml(path, problems)
    if problems:
        raise InstrumentError(problems)
    return _build(data, _display(path), extra_scales=extra)


def load_instruments(directory=INSTRUMENTS_DIR) -> dict[str, Instrument]:
    """Load and validate every questionnaire in directory, keyed by respondent group.

    Also checks that no group appears twice and that item ids are unique across files.
    All problems of all files are collected into one InstrumentError.
    """
    directory = Path(directory)
    problems: list[Problem] = []
    out: dict[str, Instrument] = {}
    seen_ids: dict[str, str] = {}
    files = sorted(p for p in directory.glob("*.yaml") if p.name != SCALES_FILE)
    if not files:
        problems.append(Problem(_display(directory), None, "no instrument files (*.yaml) found"))
    for path in files:
        try:
            inst = load_instrument(path)
        except InstrumentError as exc:
            problems.extend(exc.problems)
            continue
        name = _display(path)
        if inst.group in out:
            problems.append(Problem(name, None, f"group {inst.group!r} already defined in {out[inst.group].source}"))
            continue
        for iid in inst.item_ids:
            if iid in seen_ids:
                problems.append(Problem(name, iid, f"duplicate id (also in {seen_ids[iid]})"))
            else:
                seen_ids[iid] = name
        out[inst.group] = inst
    if problems:
        # a scales.yaml problem is reported once per instrument file; keep each line once
        problems = list(dict.fromkeys(problems))
        raise InstrumentError(problems)
    return {g: out[g] for g in RESPONDENT_GROUPS if g in out}


# --------------------------------------------------------------------------- validation helpers

class _Ctx:
    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems

    def add(self, item_id: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, item_id, reason))


def _check_keys(ctx: _Ctx, item_id, d: Mapping, required: Sequence[str], optional: Sequence[str], what: str) -> bool:
    ok = True
    for k in required:
        if k not in d:
            ctx.add(item_id, f"{what} is missing key '{k}'")
            ok = False
    for k in d:
        if k not in required and k not in optional:
            ctx.add(item_id, f"{what} has unknown key '{k}'")
    return ok


def _text(ctx: _Ctx, item_id, value: Any, what: str) -> dict[str, str] | None:
    """A {en: str, es: str} mapping with non-empty strings in every language."""
    if not isinstance(value, Mapping):
        ctx.add(item_id, f"{what} must be a mapping with keys {', '.join(LANGUAGES)}, got {type(value).__name__}")
        return None
    ok = True
    for lang in LANGUAGES:
        v = value.get(lang)
        if v is None:
            ctx.add(item_id, f"{what} is missing the '{lang}' translation")
            ok = False
        elif not isinstance(v, str):
            ctx.add(item_id, f"{what} '{lang}' must be a string, got {type(v).__name__}")
            ok = False
        elif not v.strip():
            ctx.add(item_id, f"{what} '{lang}' is empty")
            ok = False
    for k in value:
        if k not in LANGUAGES:
            ctx.add(item_id, f"{what} has unknown language '{k}'")
    return {lang: value[lang].strip() for lang in LANGUAGES} if ok else None


def _bool(ctx: _Ctx, item_id, d: Mapping, key: str, default: bool) -> bool:
    v = d.get(key, default)
    if not isinstance(v, bool):
        ctx.add(item_id, f"'{key}' must be true or false, got {v!r}")
        return default
    return v


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _parse_scales(data: Any, file: str, problems: list[Problem], key: str) -> dict[str, ResponseScale]:
    ctx = _Ctx(file, problems)
    if isinstance(data, Mapping) and key in data and len(data) == 1:
        data = data[key]
    if not isinstance(data, Mapping):
        ctx.add(None, f"'{key}' must be a mapping of scale id -> scale, got {type(data).__name__}")
        return {}
    out = {}
    for sid, s in data.items():
        where = f"response scale '{sid}'"
        if not isinstance(s, Mapping):
            ctx.add(None, f"{where} must be a mapping, got {type(s).__name__}")
            continue
        if not _check_keys(ctx, None, s, ("labels", "favourable"), ("description",), where):
            continue
        fav = s["favourable"]
        if fav not in ("first", "last"):
            ctx.add(None, f"{where}: 'favourable' must be 'first' or 'last', got {fav!r}")
            continue
        labels = s["labels"]
        if not isinstance(labels, Mapping):
            ctx.add(None, f"{where}: 'labels' must be a mapping of language -> list of {N_CATEGORIES} labels")
            continue
        ok = True
        parsed = {}
        for lang in LANGUAGES:
            lab = labels.get(lang)
            if lab is None:
                ctx.add(None, f"{where} is missing the '{lang}' translation of its labels")
                ok = False
            elif (not isinstance(lab, list) or len(lab) != N_CATEGORIES
                  or not all(isinstance(x, str) and x.strip() for x in lab)):
                ctx.add(None, f"{where}: '{lang}' labels must be a list of {N_CATEGORIES} non-empty strings")
                ok = False
            else:
                parsed[lang] = tuple(x.strip() for x in lab)
        if ok:
            out[str(sid)] = ResponseScale(str(sid), parsed, fav)
    return out


def _thresholds(ctx: _Ctx, item_id, v: Any) -> tuple[float, float, float] | None:
    if not isinstance(v, list):
        ctx.add(item_id, f"thresholds must be a list of {N_THRESHOLDS} numbers, got {type(v).__name__}")
        return None
    if len(v) != N_THRESHOLDS:
        ctx.add(item_id, f"scaled item has {len(v)} thresholds, needs {N_THRESHOLDS}")
        return None
    if not all((_int(x) or isinstance(x, float)) for x in v):
        ctx.add(item_id, f"thresholds must be numbers, got {v!r}")
        return None
    vals = tuple(float(x) for x in v)
    if not all(math.isfinite(x) for x in vals):
        ctx.add(item_id, f"thresholds must be finite numbers, got {v!r}")
        return None
    if not all(a < b for a, b in zip(vals, vals[1:])):
        ctx.add(item_id, f"thresholds must be strictly increasing, got {list(vals)}")
        return None
    return vals  # type: ignore[return-value]


def _parse_item(ctx: _Ctx, d: Any, idx: int, group: str, scales: Mapping[str, ResponseScale],
                module: str) -> Item | None:
    if not isinstance(d, Mapping):
        ctx.add(None, f"{module} item #{idx + 1} must be a mapping, got {type(d).__name__}")
        return None
    iid = d.get("id")
    if not isinstance(iid, str):
        ctx.add(None, f"{module} item #{idx + 1} has no valid 'id' (got {iid!r})")
        return None
    ok = _check_keys(ctx, iid, d, ("id", "topic", "scale", "text"),
                     ("scaled", "reverse", "thresholds", "note"), "item")
    _check_id(ctx, iid, group)
    topic = d.get("topic")
    if "topic" in d and topic not in TOPIC_DOMAIN:
        ctx.add(iid, f"unknown topic {topic!r}")
        ok = False
    sid = d.get("scale")
    if "scale" in d and (not isinstance(sid, str) or sid not in scales):
        ctx.add(iid, f"unknown response scale {sid!r} (known: {', '.join(sorted(scales)) or 'none'})")
        ok = False
    text = _text(ctx, iid, d.get("text"), "text") if "text" in d else None
    scaled = _bool(ctx, iid, d, "scaled", False)
    reverse = _bool(ctx, iid, d, "reverse", False)
    thr = None
    if scaled:
        if d.get("thresholds") is None:
            ctx.add(iid, f"scaled item has no thresholds, needs {N_THRESHOLDS}")
            ok = False
        else:
            thr = _thresholds(ctx, iid, d["thresholds"])
            ok = ok and thr is not None
        if ok and topic not in SCALED_TOPICS.get(group, ()):
            ctx.add(iid, f"item is scaled but topic {topic!r} is not a scaled topic for group {group!r}")
            ok = False
        if module == "sro":
            ctx.add(iid, "SRO module items cannot be scaled")
            ok = False
    elif d.get("thresholds") is not None:
        thr = _thresholds(ctx, iid, d["thresholds"])
    if not ok or text is None:
        return None
    return Item(id=iid, topic=topic, text=text, scale=scales[sid], reverse=reverse, scaled=scaled,
                thresholds=thr, module=module)


def _check_id(ctx: _Ctx, iid: str, group: str) -> None:
    if not ID_RE.match(iid):
        ctx.add(iid, "id must be uppercase letters, digits and underscores, starting with a letter")
    prefix = GROUP_PREFIX.get(group)
    if prefix and not iid.startswith(prefix):
        ctx.add(iid, f"id must start with {prefix!r} in the {group} instrument")


def _parse_background(ctx: _Ctx, d: Any, idx: int, group: str, where: str) -> BackgroundItem | None:
    if not isinstance(d, Mapping):
        ctx.add(None, f"{where} #{idx + 1} must be a mapping, got {type(d).__name__}")
        return None
    iid = d.get("id")
    if not isinstance(iid, str):
        ctx.add(None, f"{where} #{idx + 1} has no valid 'id' (got {iid!r})")
        return None
    ok = _check_keys(ctx, iid, d, ("id", "subgroup", "text", "options", "prefer_not_value"),
                     ("multiple", "note"), where)
    _check_id(ctx, iid, group)
    sub = d.get("subgroup")
    if "subgroup" in d and sub not in SUBGROUPS:
        ctx.add(iid, f"unknown subgroup {sub!r} (known: {', '.join(SUBGROUPS)})")
        ok = False
    text = _text(ctx, iid, d.get("text"), "text") if "text" in d else None
    multiple = _bool(ctx, iid, d, "multiple", False)
    opts_raw = d.get("options")
    options: list[Option] = []
    if "options" in d:
        if not isinstance(opts_raw, list) or len(opts_raw) < 2:
            ctx.add(iid, "options must be a list of at least 2 options")
            ok = False
        else:
            for j, o in enumerate(opts_raw):
                if not isinstance(o, Mapping) or not _int(o.get("value")):
                    ctx.add(iid, f"option #{j + 1} must be a mapping with an integer 'value'")
                    ok = False
                    continue
                lab = _text(ctx, iid, {k: v for k, v in o.items() if k != "value"},
                            f"option {o['value']} label")
                if lab is None:
                    ok = False
                    continue
                options.append(Option(o["value"], lab))
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        ctx.add(iid, f"option values must be distinct, got {values}")
        ok = False
    if multiple and any(v <= 0 or v & (v - 1) for v in values):
        ctx.add(iid, f"multi-select option values must be distinct powers of two, got {values}")
        ok = False
    pnv = d.get("prefer_not_value")
    if "prefer_not_value" in d and options and pnv not in values:
        ctx.add(iid, f"prefer_not_value {pnv!r} is not one of the option values (no 'prefer not to say' option)")
        ok = False
    if not ok or text is None:
        return None
    return BackgroundItem(iid, text, tuple(options), multiple, pnv, sub)


def _build(data: Any, file: str, extra_scales: Mapping[str, ResponseScale]) -> Instrument:
    problems: list[Problem] = []
    ctx = _Ctx(file, problems)
    if not isinstance(data, Mapping):
        ctx.add(None, f"file must contain a mapping at the top level, got {type(data).__name__}")
        raise InstrumentError(problems)
    _check_keys(ctx, None, data, ("group", "version", "title", "intro", "calibration", "items", "background"),
                ("scales", "sro", "notes"), "instrument")
    group = data.get("group")
    if "group" in data and group not in RESPONDENT_GROUPS:
        ctx.add(None, f"unknown respondent group {group!r} (known: {', '.join(RESPONDENT_GROUPS)})")
    version = data.get("version")
    if "version" in data and (not isinstance(version, str) or not version.strip()):
        ctx.add(None, f"'version' must be a non-empty quoted string such as \"2026.1\", got {version!r}")
    title = _text(ctx, None, data.get("title"), "title") if "title" in data else None
    intro = _text(ctx, None, data.get("intro"), "intro") if "intro" in data else None
    calibration = data.get("calibration")
    if "calibration" in data:
        if not isinstance(calibration, Mapping):
            ctx.add(None, f"'calibration' must be a mapping, got {type(calibration).__name__}")
        else:
            for k in ("status", "method"):
                if not isinstance(calibration.get(k), str) or not calibration.get(k).strip():
                    ctx.add(None, f"calibration is missing '{k}' (a non-empty string)")

    scales = dict(extra_scales)
    if "scales" in data:
        scales.update(_parse_scales(data["scales"], file, problems, key="scales"))

    g = group if group in RESPONDENT_GROUPS else ""
    items: list[Item] = []
    raw_items = data.get("items")
    if "items" in data:
        if not isinstance(raw_items, list) or not raw_items:
            ctx.add(None, "'items' must be a non-empty list")
        else:
            for i, d in enumerate(raw_items):
                it = _parse_item(ctx, d, i, g, scales, "core")
                if it is not None:
                    items.append(it)

    background: list[BackgroundItem] = []
    raw_bg = data.get("background")
    if "background" in data:
        if not isinstance(raw_bg, list) or not raw_bg:
            ctx.add(None, "'background' must be a non-empty list")
        else:
            for i, d in enumerate(raw_bg):
                b = _parse_background(ctx, d, i, g, "background item")
                if b is not None:
                    background.append(b)

    sro_items: list[Item] = []
    sro_bg: list[BackgroundItem] = []
    sro = data.get("sro")
    if sro is not None:
        if g == "parent":
            ctx.add(None, "the SRO module is not offered to parents")
        elif not isinstance(sro, Mapping):
            ctx.add(None, f"'sro' must be a mapping with keys 'present' and 'items', got {type(sro).__name__}")
        else:
            _check_keys(ctx, None, sro, ("present", "items"), (), "sro module")
            prefix = GROUP_PREFIX.get(g, "")
            if "present" in sro:
                b = _parse_background(ctx, sro["present"], 0, g, "sro present question")
                if b is not None:
                    b = replace(b, module="sro")
                    if g and b.id != prefix + SRO_PRESENT_SUFFIX:
                        ctx.add(b.id, f"SRO presence question must have id {prefix + SRO_PRESENT_SUFFIX}")
                    sro_bg.append(b)
            if "items" in sro:
                if not isinstance(sro["items"], list):
                    ctx.add(None, "'sro.items' must be a list")
                else:
                    for i, d in enumerate(sro["items"]):
                        it = _parse_item(ctx, d, i, g, scales, "sro")
                        if it is not None:
                            sro_items.append(it)
                    if g:
                        want = {prefix + s for s in SRO_ITEM_SUFFIXES}
                        have = {it.id for it in sro_items}
                        for iid in sorted(have - want):
                            ctx.add(iid, f"not an SRO module id (expected {', '.join(sorted(want))})")
                        for iid in sorted(want - have):
                            ctx.add(iid, "SRO module item is missing")

    # duplicate ids inside the file
    seen: set[str] = set()
    for it in [*items, *sro_bg, *sro_items, *background]:
        if it.id in seen:
            ctx.add(it.id, "duplicate id")
        seen.add(it.id)

    # cheap scoring guard: every scaled topic of the group has enough scaled items
    if g:
        for topic in SCALED_TOPICS[g]:
            n = sum(1 for it in items if it.topic == topic and it.scaled)
            if n < MIN_SCALED_ITEMS:
                ctx.add(None, f"scaled topic {topic!r} has {n} scaled items, needs at least {MIN_SCALED_ITEMS}")

    if problems:
        raise InstrumentError(problems)
    return Instrument(group=group, version=version.strip(), title=title, intro=intro,
                      calibration=dict(calibration), items=tuple(items), background=tuple(background),
                      sro_items=tuple(sro_items), sro_background=tuple(sro_bg), scales=scales, source=file)


# --------------------------------------------------------------------------- custom items

def validate_custom_items(data: list[dict]) -> tuple[CustomItem, ...]:
    """Validate an administration's own multiple-choice items (appended at the end, never scored).

    Format: [{"text": {"en": ..., "es": ...}, "options": [{"en": ..., "es": ...}, ...]}, ...].
    Ids are assigned in order: C01, C02, ... Raises InstrumentError listing every problem.
    """
    problems: list[Problem] = []
    ctx = _Ctx("custom items", problems)
    if data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        ctx.add(None, f"custom items must be a list, got {type(data).__name__}")
        raise InstrumentError(problems)
    if len(data) > MAX_CUSTOM_ITEMS:
        ctx.add(None, f"too many custom items: {len(data)}, at most {MAX_CUSTOM_ITEMS}")
    out = []
    for i, d in enumerate(data):
        cid = f"C{i + 1:02d}"
        if not isinstance(d, Mapping):
            ctx.add(cid, f"must be a mapping with 'text' and 'options', got {type(d).__name__}")
            continue
        ok = _check_keys(ctx, cid, d, ("text", "options"), ("id",), "custom item")
        text = _text(ctx, cid, d.get("text"), "text") if "text" in d else None
        opts = d.get("options")
        parsed = []
        if "options" in d:
            if not isinstance(opts, (list, tuple)):
                ctx.add(cid, "options must be a list")
                ok = False
            else:
                if len(opts) < MIN_CUSTOM_OPTIONS:
                    ctx.add(cid, f"has {len(opts)} options, needs at least {MIN_CUSTOM_OPTIONS}")
                    ok = False
                elif len(opts) > MAX_CUSTOM_OPTIONS:
                    ctx.add(cid, f"has {len(opts)} options, at most {MAX_CUSTOM_OPTIONS} allowed")
                    ok = False
                for j, o in enumerate(opts):
                    lab = _text(ctx, cid, o, f"option {j + 1}")
                    if lab is None:
                        ok = False
                    else:
                        parsed.append(lab)
        if ok and text is not None:
            out.append(CustomItem(cid, text, tuple(parsed)))
    if problems:
        raise InstrumentError(problems)
    return tuple(out)
