"""Improvement guidance kept as data (instruments/guidance/*.yaml), loaded and checked.

Three files:
  quick_guide.yaml  the five Quick Guide activity sets (AS1..AS5), their steps and pitfalls
  topics.yaml       per survey topic: discussion questions and universal/targeted strategies
  secure.yaml       SECURe action steps SEC-1..SEC-5 with "start" and "improve" checklists

`load_guidance()` reads all three, validates them with the declared models of
`surveys.guidance_models` (every entry, then every cross-reference), and either returns a
`Guidance` object or raises `GuidanceError` listing every problem found, one per line, as
"<file>: <entry id>: <reason>".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from surveys.domain import TOPICS
from surveys.guidance_models import (QUICK_GUIDE_FILE, SECURE_FILE, TOPICS_FILE, GuidanceModel, QuickGuideFile,
                                     SecureFile, TopicsFile)
from surveys.schema import Loc, reasons

GUIDANCE_DIR = Path(__file__).resolve().parent.parent / "instruments" / "guidance"
TIERS = ("universal", "targeted")
CHECKLISTS = ("start", "improve")


class GuidanceError(ValueError):
    """Raised with every problem found in the guidance files, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Step:
    id: str
    activity_set: str
    text: str


@dataclass(frozen=True)
class ActivitySet:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    pitfalls: tuple[str, ...]


@dataclass(frozen=True)
class Strategy:
    id: str
    topic: str
    tier: str  # "universal" | "targeted"
    name: str
    rationale: str
    steps: tuple[str, ...]  # Quick Guide step ids


@dataclass(frozen=True)
class TopicGuidance:
    topic: str
    discussion_questions: tuple[str, ...]
    universal: tuple[Strategy, ...]
    targeted: tuple[Strategy, ...]
    secure_criteria: tuple[str, ...] = ()

    @property
    def strategies(self) -> tuple[Strategy, ...]:
        """Universal strategies first, then targeted."""
        return self.universal + self.targeted


@dataclass(frozen=True)
class Criterion:
    id: str
    step_id: str  # SEC-n
    checklist: str  # "start" | "improve"
    text: str
    keeps_out_of_discipline: bool = False
    training: bool = False


@dataclass(frozen=True)
class SecureStep:
    id: str
    title: str
    summary: str
    topics: tuple[str, ...]
    sro_items: tuple[str, ...]
    start: tuple[Criterion, ...]
    improve: tuple[Criterion, ...]
    strategies: tuple[str, ...] = ()  # related topic strategy ids (topics.yaml)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return self.start + self.improve


def _by_id(entries, entry_id: str):
    for e in entries:
        if e.id == entry_id:
            return e
    raise KeyError(entry_id)


@dataclass(frozen=True)
class Guidance:
    activity_sets: tuple[ActivitySet, ...]
    topics: dict[str, TopicGuidance]
    secure_steps: tuple[SecureStep, ...]
    _steps: dict[str, Step] = field(repr=False, default_factory=dict)
    _strategies: dict[str, Strategy] = field(repr=False, default_factory=dict)
    _criteria: dict[str, Criterion] = field(repr=False, default_factory=dict)

    def activity_set(self, set_id: str) -> ActivitySet:
        return _by_id(self.activity_sets, set_id)

    def step(self, step_id: str) -> Step:
        return self._steps[step_id]

    def topic(self, topic_id: str) -> TopicGuidance:
        return self.topics[topic_id]

    def strategy(self, strategy_id: str) -> Strategy:
        return self._strategies[strategy_id]

    def secure_step(self, step_id: str) -> SecureStep:
        return _by_id(self.secure_steps, step_id)

    def criterion(self, criterion_id: str) -> Criterion:
        return self._criteria[criterion_id]

    def criteria(self) -> tuple[Criterion, ...]:
        """All SECURe criteria in file order (SEC-1 start, SEC-1 improve, SEC-2 start, ...)."""
        return tuple(c for s in self.secure_steps for c in s.criteria)


# --------------------------------------------------------------------------- loading

FILES = ((QUICK_GUIDE_FILE, QuickGuideFile, "quick_guide"), (TOPICS_FILE, TopicsFile, "topics"),
         (SECURE_FILE, SecureFile, "secure"))
WORDING = {"missing": "missing required field '{field}'", "extra_forbidden": "unknown field '{field}'"}


def _read_yaml(path: Path) -> tuple[Any, str | None]:
    """The file's data, or None and the reason it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return None, f"malformed YAML{where}: {getattr(exc, 'problem', None) or str(exc).splitlines()[0]}"
    if not isinstance(data, dict):
        return None, "top level must be a mapping"
    return data, None


_ENTRY_KIND = {"activity_sets": "activity set", "steps": "step", "universal": "universal strategy",
               "targeted": "targeted strategy", "start": "start criterion", "improve": "improve criterion"}


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None


def _resolver(data: dict):
    """Which entry of a guidance file a location is in: the innermost list entry (by its id, else
    by its position), a topic, or else the file's own field."""
    def resolve(loc: Loc) -> tuple[str, str, Loc]:
        label, rest, node = (str(loc[0]) if loc else "(file)"), loc, data
        for i, part in enumerate(loc):
            node = _child(node, part)
            if data is not None and loc[0] == "topics" and i == 1:
                label, rest = str(part), loc[2:]
            elif isinstance(part, int) and i and str(loc[i - 1]) in _ENTRY_KIND:
                iid = node.get("id") if isinstance(node, dict) else None
                fallback = f"{_ENTRY_KIND[str(loc[i - 1])]} #{part + 1}"
                label = iid if isinstance(iid, str) and iid.strip() else (
                    f"{label} {fallback}" if rest is not loc else fallback)
                rest = loc[i + 1:]
        return label, label, rest
    return resolve


def load_guidance(directory: str | Path = GUIDANCE_DIR) -> Guidance:
    """Load and check the three guidance files; raise GuidanceError listing every problem."""
    directory = Path(directory)
    lines: list[str] = []
    models: dict[str, Any] = {}
    for name, model, key in FILES:
        data, unusable = _read_yaml(directory / name)
        if unusable:
            lines.append(f"{name}: (file): {unusable}")
            continue
        try:
            models[key] = model.model_validate(data)
        except ValidationError as exc:
            lines += [f"{name}: {entry}: {reason}" for entry, reason in reasons(exc, _resolver(data), WORDING)]
    if not lines:
        try:
            GuidanceModel(**models)
        except ValidationError as exc:
            lines += [f"{file}: {entry}: {reason}"
                      for (file, entry), reason in reasons(exc, lambda loc: (None, "guidance", loc), WORDING)]
    if lines:
        raise GuidanceError(lines)
    return _guidance(models["quick_guide"], models["topics"], models["secure"])


def _guidance(qg: QuickGuideFile, tp: TopicsFile, sc: SecureFile) -> Guidance:
    activity_sets = tuple(ActivitySet(a.id, a.title, a.summary, tuple(Step(s.id, a.id, s.text) for s in a.steps),
                                      tuple(a.pitfalls)) for a in qg.activity_sets)
    topics = {}
    for t in TOPICS:
        m = tp.topics[t]
        tiers = {tier: tuple(Strategy(s.id, t, tier, s.name, s.rationale, tuple(s.steps))
                             for s in getattr(m.strategies, tier)) for tier in TIERS}
        topics[t] = TopicGuidance(t, tuple(m.discussion_questions), tiers["universal"], tiers["targeted"],
                                  tuple(m.secure_criteria))
    secure_steps = tuple(
        SecureStep(s.id, s.title, s.summary, tuple(s.topics), tuple(s.sro_items),
                   *(tuple(Criterion(c.id, s.id, checklist, c.text, c.keeps_out_of_discipline, c.training)
                           for c in getattr(s, checklist)) for checklist in CHECKLISTS),
                   strategies=tuple(s.strategies))
        for s in sc.steps)
    return Guidance(activity_sets, topics, secure_steps,
                    {s.id: s for a in activity_sets for s in a.steps},
                    {s.id: s for t in topics.values() for s in t.strategies},
                    {c.id: c for s in secure_steps for c in s.criteria})


_DEFAULT: Guidance | None = None


def default_guidance() -> Guidance:
    """The shipped guidance, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_guidance()
    return _DEFAULT
