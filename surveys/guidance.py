"""Improvement guidance kept as data (instruments/guidance/*.yaml), loaded and checked.

Three files:
  quick_guide.yaml  the five Quick Guide activity sets (AS1..AS5), their steps and pitfalls
  topics.yaml       per survey topic: discussion questions and universal/targeted strategies
  secure.yaml       SECURe action steps SEC-1..SEC-5 with "start" and "improve" checklists

`load_guidance()` reads all three, checks every entry and every cross-reference, and either
returns a `Guidance` object or raises `GuidanceError` listing every problem found, one per
line, as "<file>: <entry id>: <reason>".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from surveys.domain import TOPICS

GUIDANCE_DIR = Path(__file__).resolve().parent.parent / "instruments" / "guidance"

QUICK_GUIDE_FILE = "quick_guide.yaml"
TOPICS_FILE = "topics.yaml"
SECURE_FILE = "secure.yaml"

TIERS = ("universal", "targeted")
CHECKLISTS = ("start", "improve")
SRO_ITEM_SUFFIXES = (
    "SRO_PRESENT", "SRO_KNOW", "SRO_HELP", "SRO_DISC", "SRO_FAIR", "SRO_SAFE", "SRO_RESPECT",
)
SRO_ITEM_PREFIXES = {"student": "S_", "instructional_staff": "T_", "noninstructional_staff": "N_"}

# Count limits (inclusive) checked on load.
STEPS_PER_SET = (4, 8)
PITFALLS_PER_SET = (2, 4)
QUESTIONS_PER_TOPIC = (3, 5)
MIN_STRATEGIES_PER_TIER = 2
MIN_CRITERIA_PER_LIST = 4

TIER_LETTER = {"universal": "U", "targeted": "T"}
CHECKLIST_LETTER = {"start": "S", "improve": "I"}


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


@dataclass(frozen=True)
class Guidance:
    activity_sets: tuple[ActivitySet, ...]
    topics: dict[str, TopicGuidance]
    secure_steps: tuple[SecureStep, ...]
    _steps: dict[str, Step] = field(repr=False, default_factory=dict)
    _strategies: dict[str, Strategy] = field(repr=False, default_factory=dict)
    _criteria: dict[str, Criterion] = field(repr=False, default_factory=dict)

    def activity_set(self, set_id: str) -> ActivitySet:
        for a in self.activity_sets:
            if a.id == set_id:
                return a
        raise KeyError(set_id)

    def step(self, step_id: str) -> Step:
        return self._steps[step_id]

    def steps(self) -> tuple[Step, ...]:
        return tuple(s for a in self.activity_sets for s in a.steps)

    def topic(self, topic_id: str) -> TopicGuidance:
        return self.topics[topic_id]

    def strategy(self, strategy_id: str) -> Strategy:
        return self._strategies[strategy_id]

    def strategies(self) -> tuple[Strategy, ...]:
        return tuple(s for t in TOPICS if t in self.topics for s in self.topics[t].strategies)

    def secure_step(self, step_id: str) -> SecureStep:
        for s in self.secure_steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def criterion(self, criterion_id: str) -> Criterion:
        return self._criteria[criterion_id]

    def criteria(self) -> tuple[Criterion, ...]:
        """All SECURe criteria in file order (SEC-1 start, SEC-1 improve, SEC-2 start, ...)."""
        return tuple(c for s in self.secure_steps for c in s.criteria)


# --------------------------------------------------------------------------- loading


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: str, entry: str, reason: str) -> None:
        self.lines.append(f"{file}: {entry}: {reason}")


def _read_yaml(directory: Path, name: str, problems: _Problems) -> Any:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.add(name, "(file)", f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(name, "(file)", f"malformed YAML{where}: {reason}")
        return None
    if not isinstance(data, dict):
        problems.add(name, "(file)", "top level must be a mapping")
        return None
    return data


def _entry_label(entry: Any, fallback: str) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        return entry["id"]
    return fallback


def _check_fields(entry: Any, file: str, label: str, required: dict[str, type],
                  optional: dict[str, type], problems: _Problems) -> bool:
    """Type-check a mapping entry. Returns False when it cannot be used at all."""
    if not isinstance(entry, dict):
        problems.add(file, label, "entry must be a mapping")
        return False
    ok = True
    for key, typ in required.items():
        if key not in entry or entry[key] is None or (isinstance(entry[key], str) and not entry[key].strip()):
            problems.add(file, label, f"missing required field '{key}'")
            ok = False
        elif not isinstance(entry[key], typ):
            problems.add(file, label, f"field '{key}' must be {_typename(typ)}")
            ok = False
    for key, typ in optional.items():
        if key in entry and entry[key] is not None and not isinstance(entry[key], typ):
            problems.add(file, label, f"field '{key}' must be {_typename(typ)}")
            ok = False
    for key in entry:
        if key not in required and key not in optional:
            problems.add(file, label, f"unknown field '{key}'")
    return ok


def _typename(typ: type) -> str:
    return {str: "text", list: "a list", dict: "a mapping", bool: "true or false"}.get(typ, typ.__name__)


def _str_list(value: Any, file: str, label: str, key: str, problems: _Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.add(file, label, f"field '{key}' must be a list of non-empty texts")
        return ()
    return tuple(v.strip() for v in value)


def _count(n: int, lo: int, hi: int | None, file: str, label: str, what: str, problems: _Problems) -> None:
    if n < lo or (hi is not None and n > hi):
        expected = f"{lo}-{hi}" if hi is not None else f"at least {lo}"
        problems.add(file, label, f"has {n} {what}; expected {expected}")


class _Ids:
    """Every id in the guidance lives in one namespace; duplicates are errors."""

    def __init__(self, problems: _Problems) -> None:
        self.seen: dict[str, str] = {}
        self.problems = problems

    def claim(self, file: str, entry_id: str) -> bool:
        if entry_id in self.seen:
            self.problems.add(file, entry_id, f"duplicate id (already used in {self.seen[entry_id]})")
            return False
        self.seen[entry_id] = file
        return True


def _load_quick_guide(data: Any, ids: _Ids, problems: _Problems) -> list[ActivitySet]:
    f = QUICK_GUIDE_FILE
    out: list[ActivitySet] = []
    if data is None:
        return out
    sets = data.get("activity_sets")
    if not isinstance(sets, list) or not sets:
        problems.add(f, "activity_sets", "missing required field 'activity_sets' (a list)")
        return out
    for i, entry in enumerate(sets, 1):
        label = _entry_label(entry, f"activity set #{i}")
        if not _check_fields(entry, f, label, {"id": str, "title": str, "summary": str, "steps": list,
                                               "pitfalls": list}, {}, problems):
            continue
        if not re.fullmatch(r"AS\d+", entry["id"]):
            problems.add(f, label, "id must look like AS1")
        if not ids.claim(f, entry["id"]):
            continue
        steps: list[Step] = []
        for j, s in enumerate(entry["steps"], 1):
            slabel = _entry_label(s, f"{label} step #{j}")
            if not _check_fields(s, f, slabel, {"id": str, "text": str}, {}, problems):
                continue
            if not s["id"].startswith(entry["id"] + "-"):
                problems.add(f, slabel, f"step id must start with '{entry['id']}-'")
                continue
            if ids.claim(f, s["id"]):
                steps.append(Step(s["id"], entry["id"], " ".join(s["text"].split())))
        _count(len(entry["steps"]), *STEPS_PER_SET, f, label, "steps", problems)
        pitfalls = _str_list(entry["pitfalls"], f, label, "pitfalls", problems)
        _count(len(entry["pitfalls"]), *PITFALLS_PER_SET, f, label, "pitfalls", problems)
        out.append(ActivitySet(entry["id"], entry["title"].strip(), " ".join(entry["summary"].split()),
                               tuple(steps), pitfalls))
    return out


def _load_topics(data: Any, ids: _Ids, problems: _Problems) -> tuple[dict[str, dict], dict[str, Strategy]]:
    """Returns raw topic entries (validated shape) and strategies; references checked later."""
    f = TOPICS_FILE
    topics: dict[str, dict] = {}
    strategies: dict[str, Strategy] = {}
    if data is None:
        return topics, strategies
    raw = data.get("topics")
    if not isinstance(raw, dict) or not raw:
        problems.add(f, "topics", "missing required field 'topics' (a mapping of topic id to guidance)")
        return topics, strategies
    for topic_id, entry in raw.items():
        label = str(topic_id)
        if topic_id not in TOPICS:
            problems.add(f, label, "unknown topic id (see surveys/domain.py TOPICS)")
            continue
        if not _check_fields(entry, f, label, {"discussion_questions": list, "strategies": dict},
                             {"secure_criteria": list}, problems):
            continue
        questions = _str_list(entry["discussion_questions"], f, label, "discussion_questions", problems)
        _count(len(entry["discussion_questions"]), *QUESTIONS_PER_TOPIC, f, label, "discussion questions",
               problems)
        tiers: dict[str, list[Strategy]] = {t: [] for t in TIERS}
        for tier in entry["strategies"]:
            if tier not in TIERS:
                problems.add(f, label, f"unknown strategy tier '{tier}' (expected universal or targeted)")
        for tier in TIERS:
            items = entry["strategies"].get(tier)
            if not isinstance(items, list):
                problems.add(f, label, f"missing required field 'strategies.{tier}' (a list)")
                continue
            _count(len(items), MIN_STRATEGIES_PER_TIER, None, f, label, f"{tier} strategies", problems)
            for j, s in enumerate(items, 1):
                slabel = _entry_label(s, f"{label} {tier} strategy #{j}")
                if not _check_fields(s, f, slabel, {"id": str, "name": str, "rationale": str, "steps": list},
                                     {}, problems):
                    continue
                if not re.fullmatch(rf"[A-Z]{{2,4}}-{TIER_LETTER[tier]}\d+", s["id"]):
                    problems.add(f, slabel, f"strategy id must look like XYZ-{TIER_LETTER[tier]}1 for tier {tier}")
                if not ids.claim(f, s["id"]):
                    continue
                refs = _str_list(s["steps"], f, slabel, "steps", problems)
                if not refs:
                    problems.add(f, slabel, "field 'steps' must name at least one Quick Guide step")
                strat = Strategy(s["id"], topic_id, tier, s["name"].strip(), " ".join(s["rationale"].split()), refs)
                tiers[tier].append(strat)
                strategies[strat.id] = strat
        secure_refs = ()
        if entry.get("secure_criteria") is not None:
            secure_refs = _str_list(entry["secure_criteria"], f, label, "secure_criteria", problems)
        topics[topic_id] = {"questions": questions, "universal": tuple(tiers["universal"]),
                            "targeted": tuple(tiers["targeted"]), "secure_criteria": secure_refs}
    for topic_id in TOPICS:
        if topic_id not in raw:
            problems.add(f, topic_id, "topic has no guidance (every topic in surveys/domain.py needs an entry)")
    return topics, strategies


def _load_secure(data: Any, ids: _Ids, problems: _Problems) -> list[SecureStep]:
    f = SECURE_FILE
    out: list[SecureStep] = []
    if data is None:
        return out
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.add(f, "steps", "missing required field 'steps' (a list)")
        return out
    for i, entry in enumerate(steps, 1):
        label = _entry_label(entry, f"SECURe step #{i}")
        if not _check_fields(entry, f, label, {"id": str, "title": str, "summary": str, "topics": list,
                                               "sro_items": list, "start": list, "improve": list},
                             {"strategies": list}, problems):
            continue
        if not re.fullmatch(r"SEC-\d+", entry["id"]):
            problems.add(f, label, "id must look like SEC-1")
        if not ids.claim(f, entry["id"]):
            continue
        topics = _str_list(entry["topics"], f, label, "topics", problems)
        for t in topics:
            if t not in TOPICS:
                problems.add(f, label, f"unknown topic id '{t}'")
        sro_items = _str_list(entry["sro_items"], f, label, "sro_items", problems)
        for s in sro_items:
            if s not in SRO_ITEM_SUFFIXES:
                problems.add(f, label, f"unknown SRO item suffix '{s}' (expected one of {', '.join(SRO_ITEM_SUFFIXES)})")
        lists: dict[str, list[Criterion]] = {c: [] for c in CHECKLISTS}
        for checklist in CHECKLISTS:
            _count(len(entry[checklist]), MIN_CRITERIA_PER_LIST, None, f, label, f"'{checklist}' criteria", problems)
            for j, c in enumerate(entry[checklist], 1):
                clabel = _entry_label(c, f"{label} {checklist} criterion #{j}")
                if not _check_fields(c, f, clabel, {"id": str, "text": str},
                                     {"keeps_out_of_discipline": bool, "training": bool}, problems):
                    continue
                prefix = f"{entry['id']}-{CHECKLIST_LETTER[checklist]}"
                if not re.fullmatch(re.escape(prefix) + r"\d+", c["id"]):
                    problems.add(f, clabel, f"criterion id must look like {prefix}1 in the '{checklist}' list")
                if not ids.claim(f, c["id"]):
                    continue
                lists[checklist].append(Criterion(
                    c["id"], entry["id"], checklist, " ".join(c["text"].split()),
                    bool(c.get("keeps_out_of_discipline") or False), bool(c.get("training") or False)))
        related = ()
        if entry.get("strategies") is not None:
            related = _str_list(entry["strategies"], f, label, "strategies", problems)
        out.append(SecureStep(entry["id"], entry["title"].strip(), " ".join(entry["summary"].split()),
                              topics, sro_items, tuple(lists["start"]), tuple(lists["improve"]), related))
    return out


def load_guidance(directory: str | Path = GUIDANCE_DIR) -> Guidance:
    """Load and check the three guidance files; raise GuidanceError listing every problem."""
    directory = Path(directory)
    problems = _Problems()
    ids = _Ids(problems)
    qg = _read_yaml(directory, QUICK_GUIDE_FILE, problems)
    tp = _read_yaml(directory, TOPICS_FILE, problems)
    sc = _read_yaml(directory, SECURE_FILE, problems)

    activity_sets = _load_quick_guide(qg, ids, problems)
    raw_topics, strategies = _load_topics(tp, ids, problems)
    secure_steps = _load_secure(sc, ids, problems)

    steps = {s.id: s for a in activity_sets for s in a.steps}
    criteria = {c.id: c for s in secure_steps for c in s.criteria}

    # cross-references (only meaningful when the referenced file itself loaded)
    if qg is not None:
        for strat in strategies.values():
            for ref in strat.steps:
                if ref not in steps:
                    problems.add(TOPICS_FILE, strat.id, f"unknown Quick Guide step reference '{ref}'")
    if tp is not None:
        for sstep in secure_steps:
            for ref in sstep.strategies:
                if ref not in strategies:
                    problems.add(SECURE_FILE, sstep.id, f"unknown strategy reference '{ref}'")
    if sc is not None:
        for topic_id, t in raw_topics.items():
            for ref in t["secure_criteria"]:
                if ref not in criteria:
                    problems.add(TOPICS_FILE, topic_id, f"unknown SECURe criterion reference '{ref}'")

    if problems.lines:
        raise GuidanceError(problems.lines)

    topics = {
        t: TopicGuidance(t, raw_topics[t]["questions"], raw_topics[t]["universal"], raw_topics[t]["targeted"],
                         raw_topics[t]["secure_criteria"])
        for t in TOPICS
    }
    return Guidance(tuple(activity_sets), topics, tuple(secure_steps), steps, strategies, criteria)


_DEFAULT: Guidance | None = None


def default_guidance() -> Guidance:
    """The shipped guidance, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_guidance()
    return _DEFAULT
