"""Turning pydantic validation errors into the sentences our data files report.

Validators raise :func:`problems` (one error carrying one or more reasons, optionally each with the
id of the entry it concerns); built-in errors (a missing or unknown key, a wrong type) are worded
here. Each loader says which entry a location belongs to and how to name it, and gets back one
``(entry id, reason)`` pair per problem, in the order pydantic found them.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from pydantic import AfterValidator, ValidationError
from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]
# loc -> (entry id or None, what to call the entry, the rest of the loc inside the entry)
Resolver = Callable[[Loc], tuple[str | None, str, Loc]]


def problems(*found: str | tuple[str | None, str]) -> PydanticCustomError:
    """One validation error carrying several problems: a reason about the value being validated,
    or (entry id, reason). A reason may name its subject as ``{what}``, filled in from where the
    value sits (``text``, ``title``, ``option 2``)."""
    listed = [p if isinstance(p, tuple) else (None, p) for p in found]
    return PydanticCustomError("problems", "{summary}", {"summary": "; ".join(r for _, r in listed),
                                                        "problems": listed})


def one_of(known, reason: str) -> AfterValidator:
    """A validator accepting only values in known; reason names the rejected value as {value!r}
    and may list the known ones as {known}."""
    def check(value):
        if value not in known:
            raise problems(reason.format(value=value, known=", ".join(known)))
        return value
    return AfterValidator(check)


def subject(rest: Loc) -> str:
    """("options", 2, "label") -> "option 3 label": list positions counted from 1."""
    words: list[str] = []
    for part in rest:
        if isinstance(part, int) and words and words[-1].endswith("s"):
            words[-1] = f"{words[-1][:-1]} {part + 1}"
        else:
            words.append(str(part))
    return " ".join(words)


def _typename(value: Any) -> str:
    return type(value).__name__


WORDING = {
    "missing": "{owner} is missing key '{field}'",
    "extra_forbidden": "{owner} has unknown key '{field}'",
}


def describe(err: dict, kind: str, rest: Loc, named: bool, wording: dict[str, str] = WORDING) -> str:
    """The reason for one built-in pydantic error at rest (inside an entry called kind)."""
    t, value = err["type"], err.get("input")
    if t in wording:
        return wording[t].format(owner=subject(rest[:-1]) or kind, field=rest[-1] if rest else "")
    what = f"'{subject(rest)}'" if rest else ("" if named else kind)
    lead = f"{what} " if what else ""
    if t in ("bool_type", "bool_parsing"):
        return f"{lead}must be true or false, got {value!r}"
    if t in ("model_type", "model_attributes_type", "dict_type"):
        return f"{lead}must be a mapping, got {_typename(value)}"
    if t == "list_type":
        return f"{lead}must be a list, got {_typename(value)}"
    if t == "string_too_short" or (t == "too_short" and isinstance(value, str)):
        return f"{lead}must not be empty"
    if t == "too_short":
        return f"{lead}must have at least {err['ctx']['min_length']} entries, got {err['ctx']['actual_length']}"
    if t == "string_type":
        return f"{lead}must be a string, got {_typename(value)}"
    if t.startswith("int_"):
        return f"{lead}must be an integer, got {value!r}"
    if t == "literal_error":
        return f"{lead}must be {err['ctx']['expected']}, got {value!r}"
    return f"{lead}is invalid: {err['msg']}"


def reasons(exc: ValidationError, resolve: Resolver, wording: dict[str, str] = WORDING,
            top: str = "instrument") -> Iterator[tuple[Any, str]]:
    """Every problem in exc as (entry id or None, reason). An entry without an id (a response scale,
    an item whose id is broken) is named before a reason about one of its fields; the top-level
    entry (kind top) is not. A problem that names its own entry replaces the located one."""
    for err in exc.errors(include_url=False):
        entry_id, kind, rest = resolve(tuple(err["loc"]))
        if err["type"] == "problems":
            what = subject(rest) or kind
            found = [(iid or entry_id, reason.replace("{what}", what)) for iid, reason in err["ctx"]["problems"]]
        else:
            found = [(entry_id, describe(err, kind, rest, entry_id is not None, wording))]
        for iid, reason in found:
            if iid is None and rest and kind != top and not reason.startswith(kind):
                reason = f"{kind}: {reason}"
            yield iid, reason
