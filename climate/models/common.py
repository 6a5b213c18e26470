"""What every model module shares: the clock and the check constraints' vocabularies."""
from __future__ import annotations

import datetime as dt

from surveys.domain import RESPONDENT_GROUPS

def utcnow() -> dt.datetime:
    """Naive UTC now; every stored date-time is UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


GROUP_CHECK = "respondent_group IN ({})".format(", ".join(f"'{g}'" for g in RESPONDENT_GROUPS))
SCHOOL_LEVELS = ("elementary", "middle", "high", "other")
ROLES = ("district_staff", "principal")
