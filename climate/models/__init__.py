"""Database models, one module per area (accounts, administrations, results, improvement, jobs).
The schema itself comes only from the Alembic migrations in migrations/;
a test checks that these models and the migrations agree.

Privacy rules built into the schema: a response carries no name, student id, IP address or
user agent, its times are dates only, and an access code is linked to no person.
"""
from .common import GROUP_CHECK, ROLES, SCHOOL_LEVELS, utcnow
from .accounts import District, School, Throttle, User, user_school
from .administrations import AccessCode, Administration, AdministrationGroup, Answer, OpenLink, Response, administration_school
from .results import Calibration, ExportDownload, GroupResult, PersonScore, ScoringRun
from .improvement import OptOut, PlanItem, SroAssessment, SroRating
from .jobs import ImportRecord, JOB_STATES, Job

__all__ = [
    "GROUP_CHECK",
    "ROLES",
    "SCHOOL_LEVELS",
    "utcnow",
    "District",
    "School",
    "Throttle",
    "User",
    "user_school",
    "AccessCode",
    "Administration",
    "AdministrationGroup",
    "Answer",
    "OpenLink",
    "Response",
    "administration_school",
    "Calibration",
    "ExportDownload",
    "GroupResult",
    "PersonScore",
    "ScoringRun",
    "OptOut",
    "PlanItem",
    "SroAssessment",
    "SroRating",
    "ImportRecord",
    "JOB_STATES",
    "Job",
]
