"""An administration's own multiple-choice items, validated by the same models and worded the same
way as the questionnaire files."""
from __future__ import annotations


from pydantic import ValidationError

from surveys.schema import reasons

from .loader import InstrumentError, Problem
from .models import MAX_CUSTOM_ITEMS, CustomItemModel
from .objects import CustomItem

FILE = "custom items"


def validate_custom_items(data: list[dict] | None) -> tuple[CustomItem, ...]:
    """Validate custom items (appended at the end of the questionnaire, never scored).

    Format: [{"text": {"en": ..., "es": ...}, "options": [{"en": ..., "es": ...}, ...]}, ...].
    Ids are assigned in order: C01, C02, ... Raises InstrumentError listing every problem.
    """
    if data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        raise InstrumentError([Problem(FILE, None, f"custom items must be a list, got {type(data).__name__}")])
    found: list[Problem] = []
    if len(data) > MAX_CUSTOM_ITEMS:
        found.append(Problem(FILE, None, f"too many custom items: {len(data)}, at most {MAX_CUSTOM_ITEMS}"))
    out = []
    for i, d in enumerate(data):
        cid = f"C{i + 1:02d}"
        try:
            m = CustomItemModel.model_validate(d)
        except ValidationError as exc:
            found += [Problem(FILE, iid, reason)
                      for iid, reason in reasons(exc, lambda loc, cid=cid: (cid, "custom item", loc))]
            continue
        out.append(CustomItem(cid, m.text, tuple(m.options)))
    if found:
        raise InstrumentError(found)
    return tuple(out)
