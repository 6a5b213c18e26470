"""The declared shape of the three guidance files (pydantic, unknown keys forbidden).

Id patterns, counts, topics and SRO item suffixes are checked per entry; the references between
the files (strategy -> Quick Guide step, SECURe step -> strategy, topic -> SECURe criterion) and
the one namespace of ids are checked by :class:`GuidanceModel` once every entry is sound. A
problem found there names its file and entry as ``(file, entry id)``.
"""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator, model_validator

from surveys.domain import TOPICS
from surveys.instruments import SRO_ITEM_SUFFIXES, SRO_PRESENT_SUFFIX
from surveys.schema import one_of, problems

QUICK_GUIDE_FILE = "quick_guide.yaml"
TOPICS_FILE = "topics.yaml"
SECURE_FILE = "secure.yaml"

SRO_SUFFIXES = (SRO_PRESENT_SUFFIX, *SRO_ITEM_SUFFIXES)
TIER_LETTER = {"universal": "U", "targeted": "T"}
CHECKLIST_LETTER = {"start": "S", "improve": "I"}
# Count limits (inclusive) checked on load; None = no upper limit.
STEPS_PER_SET = (4, 8)
PITFALLS_PER_SET = (2, 4)
QUESTIONS_PER_TOPIC = (3, 5)
STRATEGIES_PER_TIER = (2, None)
CRITERIA_PER_LIST = (4, None)


def _one_line(v: Any) -> Any:
    """Folded YAML text as one line: runs of white space become one space."""
    return " ".join(v.split()) if isinstance(v, str) else v


Prose = Annotated[str, BeforeValidator(_one_line), Field(min_length=1)]


def _count(n: int, limits: tuple[int, int | None], what: str) -> str | None:
    lo, hi = limits
    if n < lo or (hi is not None and n > hi):
        return f"has {n} {what}; expected {f'{lo}-{hi}' if hi is not None else f'at least {lo}'}"
    return None


def _id_like(pattern: str, example: str, what: str = "id"):
    def check(v: str) -> str:
        if not re.fullmatch(pattern, v):
            raise problems(f"{what} must look like {example}")
        return v
    return BeforeValidator(lambda v: check(v) if isinstance(v, str) else v)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _raise(*found: str | None) -> None:
    found = tuple(f for f in found if f)
    if found:
        raise problems(*found)


# --------------------------------------------------------------------------- quick_guide.yaml

class StepModel(Model):
    id: str
    text: Prose


class ActivitySetModel(Model):
    id: Annotated[str, _id_like(r"AS\d+", "AS1")]
    title: Prose
    summary: Prose
    steps: list[StepModel]
    pitfalls: list[Prose]

    @model_validator(mode="after")
    def _steps(self) -> "ActivitySetModel":
        _raise(*((s.id, f"step id must start with '{self.id}-'") for s in self.steps
                 if not s.id.startswith(self.id + "-")),
               _count(len(self.steps), STEPS_PER_SET, "steps"), _count(len(self.pitfalls), PITFALLS_PER_SET, "pitfalls"))
        return self


class GuidanceFile(Model):
    source: str | None = None  # the published work the file's structure follows


class QuickGuideFile(GuidanceFile):
    activity_sets: Annotated[list[ActivitySetModel], Field(min_length=1)]


# --------------------------------------------------------------------------- topics.yaml

class StrategyModel(Model):
    id: str
    name: Prose
    rationale: Prose
    steps: Annotated[list[Prose], Field(min_length=1)]  # Quick Guide step ids


def _tier(letter: str):
    def check(strategies: list[StrategyModel]) -> list[StrategyModel]:
        tier = next(t for t, ch in TIER_LETTER.items() if ch == letter)
        _raise(*((s.id, f"strategy id must look like XYZ-{letter}1 for tier {tier}") for s in strategies
                 if not re.fullmatch(rf"[A-Z]{{2,4}}-{letter}\d+", s.id)),
               _count(len(strategies), STRATEGIES_PER_TIER, f"{tier} strategies"))
        return strategies
    return check


class StrategiesModel(Model):
    universal: list[StrategyModel]
    targeted: list[StrategyModel]

    _universal = field_validator("universal")(_tier("U"))
    _targeted = field_validator("targeted")(_tier("T"))


class TopicModel(Model):
    discussion_questions: list[Prose]
    strategies: StrategiesModel
    secure_criteria: list[str] = []

    @field_validator("discussion_questions")
    @classmethod
    def _questions(cls, qs: list[str]) -> list[str]:
        _raise(_count(len(qs), QUESTIONS_PER_TOPIC, "discussion questions"))
        return qs


class TopicsFile(Model):
    topics: dict[str, TopicModel]

    @field_validator("topics")
    @classmethod
    def _every_topic(cls, topics: dict[str, TopicModel]) -> dict[str, TopicModel]:
        _raise(*[(t, "unknown topic id (see surveys/domain.py TOPICS)") for t in topics if t not in TOPICS],
               *[(t, "topic has no guidance (every topic in surveys/domain.py needs an entry)")
                 for t in TOPICS if t not in topics])
        return topics


# --------------------------------------------------------------------------- secure.yaml

class CriterionModel(Model):
    id: str
    text: Prose
    keeps_out_of_discipline: StrictBool = False
    training: StrictBool = False


class SecureStepModel(Model):
    id: Annotated[str, _id_like(r"SEC-\d+", "SEC-1")]
    title: Prose
    summary: Prose
    topics: list[Annotated[str, one_of(TOPICS, "unknown topic id '{value}'")]]
    sro_items: list[Annotated[str, one_of(SRO_SUFFIXES, "unknown SRO item suffix '{value}' (expected one of {known})")]]
    start: list[CriterionModel]
    improve: list[CriterionModel]
    strategies: list[str] = []  # related topic strategy ids

    @model_validator(mode="after")
    def _criteria(self) -> "SecureStepModel":
        found: list = []
        for checklist, letter in CHECKLIST_LETTER.items():
            criteria = getattr(self, checklist)
            prefix = f"{self.id}-{letter}"
            found += [(c.id, f"criterion id must look like {prefix}1 in the '{checklist}' list") for c in criteria
                      if not re.fullmatch(re.escape(prefix) + r"\d+", c.id)]
            found.append(_count(len(criteria), CRITERIA_PER_LIST, f"'{checklist}' criteria"))
        _raise(*found)
        return self


class SecureFile(GuidanceFile):
    steps: Annotated[list[SecureStepModel], Field(min_length=1)]


# --------------------------------------------------------------------------- the three together

class GuidanceModel(Model):
    quick_guide: QuickGuideFile
    topics: TopicsFile
    secure: SecureFile

    def ids(self):
        """(file, id) of every entry in file order: the one namespace of guidance ids."""
        for a in self.quick_guide.activity_sets:
            yield QUICK_GUIDE_FILE, a.id
            yield from ((QUICK_GUIDE_FILE, s.id) for s in a.steps)
        for t in self.topics.topics.values():
            yield from ((TOPICS_FILE, s.id) for s in t.strategies.universal + t.strategies.targeted)
        for s in self.secure.steps:
            yield SECURE_FILE, s.id
            yield from ((SECURE_FILE, c.id) for c in s.start + s.improve)

    @model_validator(mode="after")
    def _references(self) -> "GuidanceModel":
        found: list = []
        seen: dict[str, str] = {}
        for file, entry in self.ids():
            if entry in seen:
                found.append(((file, entry), f"duplicate id (already used in {seen[entry]})"))
            seen.setdefault(entry, file)
        steps = {s.id for a in self.quick_guide.activity_sets for s in a.steps}
        strategies = {s.id for t in self.topics.topics.values() for s in t.strategies.universal + t.strategies.targeted}
        criteria = {c.id for s in self.secure.steps for c in s.start + s.improve}
        for topic, t in self.topics.topics.items():
            for s in t.strategies.universal + t.strategies.targeted:
                found += [((TOPICS_FILE, s.id), f"unknown Quick Guide step reference '{ref}'")
                          for ref in s.steps if ref not in steps]
            found += [((TOPICS_FILE, topic), f"unknown SECURe criterion reference '{ref}'")
                      for ref in t.secure_criteria if ref not in criteria]
        for s in self.secure.steps:
            found += [((SECURE_FILE, s.id), f"unknown strategy reference '{ref}'")
                      for ref in s.strategies if ref not in strategies]
        if found:
            raise problems(*found)
        return self
