"""What the SRO module's answers say, from stored (gated) item cells: each item's share agreeing
at a school beside the district's, and the findings that bear on the SECURe action steps.

Only shown cells count: a hidden cell (``suppressed``) or one without percentages gives no
finding and no number.  Percentages are whole percent, as every page shows them.

Item ids are a group prefix plus a suffix (S_SRO_DISC, T_SRO_DISC, N_SRO_DISC); the guidance
names the suffixes each SECURe step bears on (secure.yaml ``sro_items``)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .instruments import SRO_ITEM_SUFFIXES, SRO_PRESENT_SUFFIX
from .stats import Z95

SRO_GROUPS = ("student", "instructional_staff", "noninstructional_staff")
REVERSED = ("SRO_DISC",)  # agreeing is the unfavourable answer
MAJORITY = 50             # a concern when more than half give the unfavourable answer (sure of it),
DISTRICT_GAP = 10         # or when the school is this many points worse than the district (sure of it)

# The statement a respondent agreeing with each item makes, ending "N% of students say ..."
STATEMENTS = {
    "SRO_KNOW": "they know the school's police officer",
    "SRO_HELP": "they would go to the school's police officer for help",
    "SRO_DISC": "officers get involved in ordinary school discipline",
    "SRO_FAIR": "officers treat all students fairly",
    "SRO_SAFE": "officers help people feel safe at school",
    "SRO_RESPECT": "officers talk with students respectfully",
}
WHO = {"student": "students", "instructional_staff": "instructional staff",
       "noninstructional_staff": "noninstructional staff"}


def suffix(item_id: str) -> str:
    """'S_SRO_DISC' -> 'SRO_DISC'."""
    return item_id.split("_", 1)[1] if "_" in item_id else item_id


def shown(cell: dict | None) -> bool:
    return cell is not None and not cell.get("suppressed") and cell.get("pct_favourable") is not None \
        and bool(cell.get("n"))


def agree_share(cell: dict) -> int:
    """Whole-percent share agreeing (strongly or not) with the item's statement; a shown cell only."""
    fav = float(cell["pct_favourable"])
    return round(100.0 - fav if suffix(cell["measure"]) in REVERSED else fav)


def unfavourable_share(cell: dict) -> float:
    return 100.0 - float(cell["pct_favourable"])


@dataclass(frozen=True)
class Finding:
    """One respondent group's answers to one SRO item at a school, against the district."""
    group: str
    item: str            # the full item id
    agree: int           # whole percent agreeing
    n: int
    district: int | None  # whole percent agreeing in the district (None: hidden or not asked)
    concern: bool
    why: str             # "majority" | "district" | "" (no concern)

    @property
    def suffix(self) -> str:
        return suffix(self.item)

    def sentence(self) -> str:
        """e.g. '31% of students say officers get involved in ordinary school discipline (district 18%).'"""
        text = f"{self.agree}% of {WHO.get(self.group, self.group)} say {STATEMENTS[self.suffix]}"
        return text + (f" (district {self.district}%)." if self.district is not None else ".")


def _sure_majority(cell: dict) -> bool:
    """More than MAJORITY percent unfavourable, and the share's 95% interval (normal approximation)
    lies above it: a majority of ten respondents is not yet a finding."""
    p = unfavourable_share(cell) / 100.0
    return 100.0 * (p - Z95 * math.sqrt(p * (1 - p) / cell["n"])) > MAJORITY


def _worse_than_district(cell: dict, district: dict) -> bool:
    """The school's unfavourable share is DISTRICT_GAP points or more above the district's and the
    95% interval of the difference (normal approximation, two independent shares) excludes zero."""
    p, q = unfavourable_share(cell) / 100.0, unfavourable_share(district) / 100.0
    gap = 100.0 * (p - q)
    se = math.sqrt(p * (1 - p) / cell["n"] + q * (1 - q) / district["n"])
    return gap >= DISTRICT_GAP and 100.0 * (p - q - Z95 * se) > 0


def findings(school_cells: list[dict], district_cells: list[dict] = ()) -> list[Finding]:
    """The whole-group findings of every shown SRO item cell of one school (any group), in the
    order of SRO_GROUPS and the instrument's item order.  district_cells: the district's cells."""
    district = {(c["group"], c["measure"]): c for c in district_cells
                if c.get("measure_kind") == "item" and c.get("subgroup") is None and c.get("school_id") is None}
    order = {s: i for i, s in enumerate(SRO_ITEM_SUFFIXES)}
    out = []
    for c in school_cells:
        if (c.get("measure_kind") != "item" or c.get("subgroup") is not None or c.get("group") not in SRO_GROUPS
                or suffix(c["measure"]) not in STATEMENTS or not shown(c)):
            continue
        d = district.get((c["group"], c["measure"]))
        d = d if shown(d) else None
        why = ""
        if _sure_majority(c):
            why = "majority"
        elif d is not None and _worse_than_district(c, d):
            why = "district"
        out.append(Finding(c["group"], c["measure"], agree_share(c), int(c["n"]),
                           agree_share(d) if d is not None else None, bool(why), why))
    out.sort(key=lambda f: (SRO_GROUPS.index(f.group), order.get(f.suffix, 99)))
    return out


def presence_share(cells: list[dict], group: str = "student") -> int | None:
    """Whole-percent share of a group saying the school has a police officer, from the shown
    presence cell (item code 3 = Yes), or None."""
    for c in cells:
        if (c.get("measure_kind") == "item" and c.get("subgroup") is None and c.get("group") == group
                and suffix(c["measure"]) == SRO_PRESENT_SUFFIX and not c.get("suppressed") and c.get("pct")):
            return round(float(c["pct"][3]))
    return None


def step_findings(step_items, found: list[Finding]) -> list[Finding]:
    """The concerns among found that bear on a SECURe step (its ``sro_items`` suffixes)."""
    wanted = set(step_items)
    return [f for f in found if f.concern and f.suffix in wanted]
