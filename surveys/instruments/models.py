"""The declared shape of a questionnaire file, its response scales and an administration's custom
items, as pydantic models that forbid unknown keys.

Cross-references are validators: topics and subgroups against surveys.domain, an item's scale
against the scales known to the file (``context["scales"]``), id prefixes and scaled topics
against the file's respondent group (``context["group"]``), and the file-wide rules (unique
ids, the SRO module's ids, enough scaled items per scaled topic), which run once every entry
is sound. A validator that finds several problems raises one error carrying all of them
(:func:`surveys.schema.problems`), so that the loader can report each as its own line.
"""
from __future__ import annotations

import math
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, ValidationInfo,
                      field_validator, model_validator)

from surveys.domain import LANGUAGES, RESPONDENT_GROUPS, SCALED_TOPICS, TOPIC_DOMAIN
from surveys.schema import one_of, problems

from .objects import N_CATEGORIES, N_THRESHOLDS

GROUP_PREFIX = {
    "student": "S_",
    "instructional_staff": "T_",
    "noninstructional_staff": "N_",
    "parent": "P_",
}
SRO_ITEM_SUFFIXES = ("SRO_KNOW", "SRO_HELP", "SRO_DISC", "SRO_FAIR", "SRO_SAFE", "SRO_RESPECT")
SRO_PRESENT_SUFFIX = "SRO_PRESENT"
SUBGROUPS = ("grade", "sex", "hispanic", "race", "language", "role", "years", "sro_present")
MIN_SCALED_ITEMS = 4
MAX_CUSTOM_ITEMS = 10
MIN_CUSTOM_OPTIONS, MAX_CUSTOM_OPTIONS = 2, 10
ID_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def _context(info: ValidationInfo, key: str, default: Any) -> Any:
    return (info.context or {}).get(key, default)


# --------------------------------------------------------------------------- values

def _text(value: Any) -> dict[str, str]:
    """A {en, es} mapping of non-empty strings, stripped."""
    if not isinstance(value, dict):
        raise problems(f"{{what}} must be a mapping with keys {', '.join(LANGUAGES)}, got {type(value).__name__}")
    found = []
    for lang in LANGUAGES:
        v = value.get(lang)
        if v is None:
            found.append(f"{{what}} is missing the '{lang}' translation")
        elif not isinstance(v, str):
            found.append(f"{{what}} '{lang}' must be a string, got {type(v).__name__}")
        elif not v.strip():
            found.append(f"{{what}} '{lang}' is empty")
    found += [f"{{what}} has unknown language '{k}'" for k in value if k not in LANGUAGES]
    if found:
        raise problems(*found)
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _thresholds(v: Any) -> tuple[float, ...]:
    if not isinstance(v, list):
        raise problems(f"thresholds must be a list of {N_THRESHOLDS} numbers, got {type(v).__name__}")
    if len(v) != N_THRESHOLDS:
        raise problems(f"scaled item has {len(v)} thresholds, needs {N_THRESHOLDS}")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise problems(f"thresholds must be numbers, got {v!r}")
    vals = tuple(float(x) for x in v)
    if not all(math.isfinite(x) for x in vals):
        raise problems(f"thresholds must be finite numbers, got {v!r}")
    if not all(a < b for a, b in zip(vals, vals[1:])):
        raise problems(f"thresholds must be strictly increasing, got {list(vals)}")
    return vals


def _version(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise problems(f"'version' must be a non-empty quoted string such as \"2026.1\", got {v!r}")
    return v.strip()


def _non_empty_list(v: Any, info: ValidationInfo) -> Any:
    if not isinstance(v, list) or not v:
        raise problems(f"'{info.field_name}' must be a non-empty list")
    return v


Text = Annotated[dict[str, str], BeforeValidator(_text)]
Thresholds = Annotated[tuple[float, ...], BeforeValidator(_thresholds)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --------------------------------------------------------------------------- response scales

class ScaleModel(Model):
    labels: dict[str, Any]
    favourable: Literal["first", "last"]
    description: str | None = None

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        found, out = [], {}
        for lang in LANGUAGES:
            lab = labels.get(lang)
            if lab is None:
                found.append(f"labels are missing the '{lang}' translation")
            elif (not isinstance(lab, list) or len(lab) != N_CATEGORIES
                  or not all(isinstance(x, str) and x.strip() for x in lab)):
                found.append(f"'{lang}' labels must be a list of {N_CATEGORIES} non-empty strings")
            else:
                out[lang] = tuple(x.strip() for x in lab)
        if found:
            raise problems(*found)
        return out


# --------------------------------------------------------------------------- items

class _Identified(Model):
    id: str

    @field_validator("id")
    @classmethod
    def _id(cls, iid: str, info: ValidationInfo) -> str:
        if not ID_RE.match(iid):
            raise problems("id must be uppercase letters, digits and underscores, starting with a letter")
        group = _context(info, "group", "")
        prefix = GROUP_PREFIX.get(group)
        if prefix and not iid.startswith(prefix):
            raise problems(f"id must start with {prefix!r} in the {group} instrument")
        return iid


class ItemModel(_Identified):
    """A scored question on one of the shared response scales."""
    module: ClassVar[str] = "core"

    topic: Annotated[str, one_of(TOPIC_DOMAIN, "unknown topic {value!r}")]
    scale: str
    text: Text
    scaled: StrictBool = False
    reverse: StrictBool = False
    thresholds: Thresholds | None = None
    note: str | None = None

    @field_validator("scale")
    @classmethod
    def _scale(cls, sid: str, info: ValidationInfo) -> str:
        known = _context(info, "scales", ())
        if sid not in known:
            raise problems(f"unknown response scale {sid!r} (known: {', '.join(sorted(known)) or 'none'})")
        return sid

    @model_validator(mode="after")
    def _scaled(self, info: ValidationInfo) -> "ItemModel":
        if not self.scaled:
            return self
        if self.module == "sro":
            raise problems("SRO module items cannot be scaled")
        if self.thresholds is None:
            raise problems(f"scaled item has no thresholds, needs {N_THRESHOLDS}")
        group = _context(info, "group", "")
        if self.topic not in SCALED_TOPICS.get(group, ()):
            raise problems(f"item is scaled but topic {self.topic!r} is not a scaled topic for group {group!r}")
        return self


class SroItemModel(ItemModel):
    module: ClassVar[str] = "sro"


class OptionModel(Model):
    """A background option: its stored value and its label in every language."""
    value: StrictInt
    label: Text

    @model_validator(mode="before")
    @classmethod
    def _split(cls, d: Any) -> Any:
        if isinstance(d, dict) and "label" not in d:
            return {"value": d.get("value"), "label": {k: v for k, v in d.items() if k != "value"}}
        return d


class BackgroundModel(_Identified):
    """A background question whose answer defines a subgroup."""
    subgroup: Annotated[str, one_of(SUBGROUPS, "unknown subgroup {value!r} (known: {known})")]
    text: Text
    options: Annotated[list[OptionModel], Field(min_length=2)]
    prefer_not_value: StrictInt
    multiple: StrictBool = False
    pooled_values: list[StrictInt] = []
    note: str | None = None

    @model_validator(mode="after")
    def _values(self) -> "BackgroundModel":
        values = [o.value for o in self.options]
        found = []
        if len(set(values)) != len(values):
            found.append(f"option values must be distinct, got {values}")
        if self.multiple and any(v <= 0 or v & (v - 1) for v in values):
            found.append(f"multi-select option values must be distinct powers of two, got {values}")
        if self.prefer_not_value not in values:
            found.append(f"prefer_not_value {self.prefer_not_value!r} is not one of the option values "
                         f"(no 'prefer not to say' option)")
        odd = [v for v in self.pooled_values if v not in values or v == self.prefer_not_value]
        if odd:
            found.append(f"pooled_values {odd} must be option values other than 'prefer not to say'")
        if found:
            raise problems(*found)
        return self


class SroModel(Model):
    """The optional school resource officer module: a presence question and six items (their ids
    are checked with the file-wide rules)."""
    present: BackgroundModel
    items: list[SroItemModel]


class CalibrationModel(BaseModel):
    """Where the thresholds come from. Beyond status and method it is free provenance (reference,
    script, seed, ...), kept as written."""
    model_config = ConfigDict(extra="allow", frozen=True)
    status: str
    method: str

    @model_validator(mode="before")
    @classmethod
    def _required(cls, d: Any) -> Any:
        if isinstance(d, dict):
            missing = [k for k in ("status", "method") if not isinstance(d.get(k), str) or not d[k].strip()]
            if missing:
                raise problems(*(f"calibration is missing '{k}' (a non-empty string)" for k in missing))
        return d


class InstrumentModel(Model):
    """One questionnaire file."""
    group: Annotated[str, one_of(RESPONDENT_GROUPS, "unknown respondent group {value!r} (known: {known})")]
    version: Annotated[str, BeforeValidator(_version)]
    title: Text
    intro: Text
    calibration: CalibrationModel
    items: Annotated[list[ItemModel], BeforeValidator(_non_empty_list)]
    background: Annotated[list[BackgroundModel], BeforeValidator(_non_empty_list)]
    scales: dict[str, ScaleModel] | None = None
    sro: SroModel | None = None
    notes: Any = None

    @field_validator("sro", mode="before")
    @classmethod
    def _no_sro_for_parents(cls, sro: Any, info: ValidationInfo) -> Any:
        if sro is not None and _context(info, "group", "") == "parent":
            raise problems("the SRO module is not offered to parents")
        return sro

    @model_validator(mode="after")
    def _file_rules(self) -> "InstrumentModel":
        found: list[tuple[str | None, str]] = []
        seen: set[str] = set()
        entries = [*self.items, *([self.sro.present, *self.sro.items] if self.sro else []), *self.background]
        for it in entries:
            if it.id in seen:
                found.append((it.id, "duplicate id"))
            seen.add(it.id)
        if self.sro:
            found += self._sro_ids()
        for topic in SCALED_TOPICS[self.group]:
            n = sum(1 for it in self.items if it.topic == topic and it.scaled)
            if n < MIN_SCALED_ITEMS:
                found.append((None, f"scaled topic {topic!r} has {n} scaled items, needs at least {MIN_SCALED_ITEMS}"))
        if found:
            raise problems(*found)
        return self

    def _sro_ids(self) -> list[tuple[str | None, str]]:
        prefix = GROUP_PREFIX[self.group]
        found: list[tuple[str | None, str]] = []
        if self.sro.present.id != prefix + SRO_PRESENT_SUFFIX:
            found.append((self.sro.present.id, f"SRO presence question must have id {prefix + SRO_PRESENT_SUFFIX}"))
        want = {prefix + s for s in SRO_ITEM_SUFFIXES}
        have = {it.id for it in self.sro.items}
        found += [(iid, f"not an SRO module id (expected {', '.join(sorted(want))})") for iid in sorted(have - want)]
        found += [(iid, "SRO module item is missing") for iid in sorted(want - have)]
        return found


# --------------------------------------------------------------------------- custom items

class CustomItemModel(Model):
    """An administration's own multiple-choice question (never scored)."""
    text: Text
    options: list[Text]
    id: str | None = None

    @field_validator("options")
    @classmethod
    def _count(cls, options: list[dict[str, str]]) -> list[dict[str, str]]:
        if len(options) < MIN_CUSTOM_OPTIONS:
            raise problems(f"has {len(options)} options, needs at least {MIN_CUSTOM_OPTIONS}")
        if len(options) > MAX_CUSTOM_OPTIONS:
            raise problems(f"has {len(options)} options, at most {MAX_CUSTOM_OPTIONS} allowed")
        return options
