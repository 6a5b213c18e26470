"""The click parameter types every command shares, each with one rule:

- district: its name, in any case;
- administration: its id, or its name in any case (within --district when given);
- school: its id, its name in any case, or its NCES id, within the district in play;
- respondent group: student, instructional_staff, ... also with dashes or spaces, "students", "parents".

An unknown value stops the command with one sentence saying what is wrong (a `ClickException`,
so the user reads the sentence rather than a usage screen)."""
from __future__ import annotations

import click
from sqlalchemy import func, select

from surveys.domain import RESPONDENT_GROUPS

from ..extensions import db
from ..models import Administration, District, School


class DistrictParam(click.ParamType):
    name = "district"

    def convert(self, value, param, ctx):
        if isinstance(value, District):
            return value
        district = db.session.scalar(select(District).where(func.lower(District.name) == value.strip().lower()))
        if district is None:
            raise click.ClickException(f"There is no district named {value!r}.")
        return district


def only_district(ctx, param, district: District | None) -> District:
    """Callback for a --district that may be left out when there is only one district."""
    if district is not None:
        return district
    districts = db.session.scalars(select(District)).all()
    if len(districts) != 1:
        raise click.ClickException("There is no district yet; run `climate demo` or add one first." if not districts
                                   else "There are several districts; say which one with --district.")
    return districts[0]


def district_option(help_text: str, callback=None):
    """--district, converted before every other parameter so that the others can be read within it."""
    return click.option("--district", type=DISTRICT, default=None, is_eager=True, callback=callback, help=help_text)


class AdministrationParam(click.ParamType):
    name = "administration"

    def convert(self, value, param, ctx):
        if isinstance(value, Administration):
            return value
        text = value.strip()
        query = select(Administration)
        district = ctx.params.get("district") if ctx else None
        if district is not None:
            query = query.where(Administration.district_id == district.id)
        if text.isdigit():
            query = query.where(Administration.id == _as_id(text))
        else:
            query = query.where(func.lower(Administration.name) == text.lower())
        found = db.session.scalars(query).all()
        if not found:
            raise click.ClickException(f"There is no administration {value!r}; `climate administration list` "
                                       "shows them.")
        if len(found) > 1:
            raise click.ClickException(f"Several districts have an administration named {value!r}; give its id "
                                       "instead.")
        return found[0]


def _as_id(text: str) -> int | None:
    """The row id a text names, None when it cannot be one (PostgreSQL's integer stops at 2**31 - 1,
    and a 12-digit NCES id is all digits too)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) < 2**31 else None


def administration_argument():
    """ADMINISTRATION, converted right after --district and before the schools and groups read within it
    (click converts eager parameters first, options before arguments)."""
    return click.argument("administration", type=ADMINISTRATION, is_eager=True)


class SchoolParam(click.ParamType):
    """Read within --district, else within the district of the command's administration, else within
    the only district; with several districts and neither given, a school unique among all of them."""
    name = "school"

    def convert(self, value, param, ctx):
        if isinstance(value, School):
            return value
        text = value.strip()
        params = ctx.params if ctx else {}
        district = params.get("district") or getattr(params.get("administration"), "district", None)
        query = select(School).where((func.lower(School.name) == text.lower()) | (School.nces_id == text)
                                     | (School.id == _as_id(text)))
        if district is not None:
            query = query.where(School.district_id == district.id)
        found = db.session.scalars(query).all()
        if not found:
            where = district.name if district is not None else "No district"
            raise click.ClickException(f"{where} has no school named {value!r}.")
        if len(found) > 1:
            raise click.ClickException(f"Several schools are named {value!r}; give its id or say the district "
                                       "with --district.")
        return found[0]


class RespondentGroupParam(click.ParamType):
    name = "group"

    def convert(self, value, param, ctx):
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        key = {"students": "student", "parents": "parent"}.get(key, key)
        if key not in RESPONDENT_GROUPS:
            raise click.ClickException(f"{value!r} is not a respondent group; use one of "
                                       f"{', '.join(RESPONDENT_GROUPS)}.")
        return key


DISTRICT = DistrictParam()
ADMINISTRATION = AdministrationParam()
SCHOOL = SchoolParam()
RESPONDENT_GROUP = RespondentGroupParam()


def school_in(administration: Administration, school: School) -> School:
    if school.id not in {s.id for s in administration.schools}:
        raise click.ClickException(f"{school.name} is not part of {administration.name!r}.")
    return school


def group_in(administration: Administration, group: str) -> str:
    if administration.group(group) is None:
        raise click.ClickException(f"{administration.name!r} does not survey {group}; it surveys "
                                   f"{', '.join(g.respondent_group for g in administration.groups)}.")
    return group
