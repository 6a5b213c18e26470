"""The questionnaires as validated data.

Each respondent group has one YAML file in ``instruments/`` (``student.yaml``,
``instructional_staff.yaml``, ``noninstructional_staff.yaml``, ``parent.yaml``); the shared
response scales live in ``instruments/scales.yaml``. ``models`` declares their shape (pydantic,
unknown keys forbidden, cross-references as validators), ``loader`` reads and validates them,
``objects`` holds the immutable objects the rest of the platform uses and ``custom`` an
administration's own items.

Validation collects every problem it finds and raises one :class:`InstrumentError` whose
``str()`` lists them one per line, as ``<file>: item <id>: <reason>``. Structure is checked
by the models (ids, topics, translations, scales, thresholds, cheap scoring guards such as "every
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
from .custom import validate_custom_items
from .loader import (INSTRUMENTS_DIR, REPO_ROOT, SCALES_FILE, InstrumentError, Problem, load_instrument,
                     load_instruments, load_scales)
from .models import GROUP_PREFIX, SRO_ITEM_SUFFIXES, SRO_PRESENT_SUFFIX
from .objects import (N_CATEGORIES, N_THRESHOLDS, BackgroundItem, CustomItem, Instrument, Item, Option, Page,
                      ResponseScale)

__all__ = [
    "BackgroundItem", "CustomItem", "GROUP_PREFIX", "INSTRUMENTS_DIR", "Instrument", "InstrumentError", "Item",
    "N_CATEGORIES", "N_THRESHOLDS", "Option", "Page", "Problem", "REPO_ROOT", "ResponseScale", "SCALES_FILE",
    "SRO_ITEM_SUFFIXES", "SRO_PRESENT_SUFFIX", "load_instrument", "load_instruments", "load_scales",
    "validate_custom_items",
]
