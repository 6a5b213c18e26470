"""Reading questionnaire files: YAML in, validated by the models, immutable objects out.

Every problem of every file is collected into one :class:`InstrumentError`, one line each, as
``<file>: item <id>: <reason>`` (or ``<file>: <reason>`` for the file as a whole). File-wide
rules (unique ids, scaled items per topic) are checked once every entry is sound.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml
from pydantic import TypeAdapter, ValidationError

from surveys.domain import RESPONDENT_GROUPS
from surveys.schema import Loc, reasons

from .models import BackgroundModel, InstrumentModel, ItemModel, ScaleModel
from .objects import BackgroundItem, Instrument, Item, Option, ResponseScale

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS_DIR = REPO_ROOT / "instruments"
SCALES_FILE = "scales.yaml"

_SCALES = TypeAdapter(dict[str, ScaleModel])


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


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Any:
    name = _display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError([Problem(name, None, f"cannot read file: {exc.strerror or exc}")])
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError([Problem(name, None, f"YAML syntax error{where}: {what}")])


# --------------------------------------------------------------------------- errors -> problems

def _scale_entry(sid: Any, rest: Loc) -> tuple[None, str, Loc]:
    return None, f"response scale '{sid}'", rest


def _entry(data: Any, path: Loc, kind: str) -> tuple[str | None, str]:
    """The id of the entry at path in the raw data (None when it has none) and what to call it."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
            break
    iid = node.get("id") if isinstance(node, Mapping) else None
    if isinstance(iid, str) and iid:
        return iid, kind
    return None, f"{kind} #{path[-1] + 1}" if isinstance(path[-1], int) else kind


def _instrument_resolver(data: Any):
    def resolve(loc: Loc) -> tuple[str | None, str, Loc]:
        if loc[:1] in (("items",), ("background",)) and len(loc) > 1:
            kind = "item" if loc[0] == "items" else "background item"
            return (*_entry(data, loc[:2], kind), loc[2:])
        if loc[:2] == ("sro", "items") and len(loc) > 2:
            return (*_entry(data, loc[:3], "SRO item"), loc[3:])
        if loc[:2] == ("sro", "present"):
            return (*_entry(data, loc[:2], "sro present question"), loc[2:])
        if loc[:1] == ("scales",) and len(loc) > 1:
            return _scale_entry(loc[1], loc[2:])
        if loc[:1] == ("calibration",):
            return None, "calibration", loc[1:]
        if loc[:1] == ("sro",) and len(loc) > 1:
            return None, "sro module", loc[1:]
        return None, "instrument", loc
    return resolve


def _problems(file: str, exc: ValidationError, resolve) -> list[Problem]:
    return [Problem(file, iid, reason) for iid, reason in reasons(exc, resolve)]


# --------------------------------------------------------------------------- scales

def _scales_from(data: Any, file: str) -> dict[str, ResponseScale]:
    if isinstance(data, Mapping) and set(data) == {"scales"}:
        data = data["scales"]
    if not isinstance(data, Mapping):
        raise InstrumentError([Problem(file, None, f"'scales' must be a mapping of scale id -> scale, "
                                                   f"got {type(data).__name__}")])
    try:
        models = _SCALES.validate_python(data)
    except ValidationError as exc:
        raise InstrumentError(_problems(file, exc, lambda loc: _scale_entry(loc[0], loc[1:])))
    return {str(sid): _scale(str(sid), m) for sid, m in models.items()}


def _scale(sid: str, m: ScaleModel) -> ResponseScale:
    return ResponseScale(sid, dict(m.labels), m.favourable)


def load_scales(path: Path) -> dict[str, ResponseScale]:
    return _scales_from(_read_yaml(path), _display(path))


# --------------------------------------------------------------------------- instruments

def _item(m: ItemModel, scales: Mapping[str, ResponseScale]) -> Item:
    return Item(id=m.id, topic=m.topic, text=m.text, scale=scales[m.scale], reverse=m.reverse, scaled=m.scaled,
                thresholds=m.thresholds, module=m.module)


def _background(m: BackgroundModel, module: str = "core") -> BackgroundItem:
    return BackgroundItem(m.id, m.text, tuple(Option(o.value, o.label) for o in m.options), m.multiple,
                          m.prefer_not_value, m.subgroup, module=module, pooled_values=tuple(m.pooled_values))


def _build(data: Any, file: str, extra_scales: Mapping[str, ResponseScale]) -> Instrument:
    if not isinstance(data, Mapping):
        raise InstrumentError([Problem(file, None, f"file must contain a mapping at the top level, "
                                                   f"got {type(data).__name__}")])
    group = data.get("group") if data.get("group") in RESPONDENT_GROUPS else ""
    file_scales = data.get("scales") if isinstance(data.get("scales"), Mapping) else {}
    context = {"group": group, "scales": {*extra_scales, *map(str, file_scales)}}
    try:
        m = InstrumentModel.model_validate(data, context=context)
    except ValidationError as exc:
        raise InstrumentError(_problems(file, exc, _instrument_resolver(data)))
    scales = {**extra_scales, **{sid: _scale(sid, s) for sid, s in (m.scales or {}).items()}}
    return Instrument(
        group=m.group, version=m.version, title=m.title, intro=m.intro, calibration=m.calibration.model_dump(),
        items=tuple(_item(it, scales) for it in m.items), background=tuple(_background(b) for b in m.background),
        sro_items=tuple(_item(it, scales) for it in m.sro.items) if m.sro else (),
        sro_background=(_background(m.sro.present, "sro"),) if m.sro else (), scales=scales, source=file)


def instrument_from_dict(d: Mapping, source: str) -> Instrument:
    """Rebuild (and validate) an instrument from to_dict() output; without a 'scales' key the
    shipped instruments/scales.yaml is used."""
    extra: dict[str, ResponseScale] = {}
    if isinstance(d, Mapping) and "scales" not in d and (INSTRUMENTS_DIR / SCALES_FILE).exists():
        extra = load_scales(INSTRUMENTS_DIR / SCALES_FILE)
    return _build(d, source, extra_scales=extra)


def load_instrument(path) -> Instrument:
    """Load and validate one questionnaire file (the shared scales.yaml next to it is used)."""
    path = Path(path)
    found: list[Problem] = []
    extra: dict[str, ResponseScale] = {}
    scales_path = path.parent / SCALES_FILE
    if scales_path.exists() and path.name != SCALES_FILE:
        try:
            extra = load_scales(scales_path)
        except InstrumentError as exc:
            found += exc.problems
    try:
        data = _read_yaml(path)
    except InstrumentError as exc:
        found += exc.problems
    if found:
        raise InstrumentError(found)
    return _build(data, _display(path), extra_scales=extra)


def load_instruments(directory=INSTRUMENTS_DIR) -> dict[str, Instrument]:
    """Load and validate every questionnaire in directory, keyed by respondent group.

    Also checks that no group appears twice and that item ids are unique across files.
    All problems of all files are collected into one InstrumentError.
    """
    directory = Path(directory)
    found: list[Problem] = []
    out: dict[str, Instrument] = {}
    seen_ids: dict[str, str] = {}
    files = sorted(p for p in directory.glob("*.yaml") if p.name != SCALES_FILE)
    if not files:
        found.append(Problem(_display(directory), None, "no instrument files (*.yaml) found"))
    for path in files:
        try:
            inst = load_instrument(path)
        except InstrumentError as exc:
            found.extend(exc.problems)
            continue
        name = _display(path)
        if inst.group in out:
            found.append(Problem(name, None, f"group {inst.group!r} already defined in {out[inst.group].source}"))
            continue
        for iid in inst.item_ids:
            if iid in seen_ids:
                found.append(Problem(name, iid, f"duplicate id (also in {seen_ids[iid]})"))
            else:
                seen_ids[iid] = name
        out[inst.group] = inst
    if found:
        # a scales.yaml problem is reported once per instrument file; keep each line once
        raise InstrumentError(list(dict.fromkeys(found)))
    return {g: out[g] for g in RESPONDENT_GROUPS if g in out}
