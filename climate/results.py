"""Reading stored results: the one place reports, recommendations and exports get their numbers:
cells, response rates, which runs are comparable, and the previous administrations of a trend.

Everything here reads the current scoring run's stored cells; nothing rescores."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from .extensions import db
from .models import Administration, Calibration, GroupResult, OptOut, Response, School, ScoringRun


def current_run(administration_id: int) -> ScoringRun | None:
    return db.session.scalar(select(ScoringRun).where(
        ScoringRun.administration_id == administration_id, ScoringRun.is_current.is_(True)))


def unpublished_run(administration_id: int) -> ScoringRun | None:
    """The newest scoring run that the disclosure audit kept from publishing, if it is newer than
    the current (published) one: district staff must see why the reports did not change."""
    current = current_run(administration_id)
    return db.session.scalar(select(ScoringRun).where(
        ScoringRun.administration_id == administration_id, ScoringRun.published_at.is_(None),
        ScoringRun.id > (current.id if current else 0)).order_by(ScoringRun.id.desc()).limit(1))


def cells(run: ScoringRun, *, school_id: int | None | str = "any", group: str | None = None,
          measure_kind: str | None = None, measure: str | None = None,
          subgroup: str | None | bool = False) -> list[dict]:
    """Stored cells of a run as plain dicts. school_id=None means the district cells; "any" all.
    subgroup=False: whole-group cells only; True: every subgroup cell; a name: that variable."""
    table = GroupResult.__table__
    query = select(table).where(GroupResult.scoring_run_id == run.id)
    if school_id != "any":
        query = query.where(GroupResult.school_id.is_(None) if school_id is None else GroupResult.school_id == school_id)
    if group:
        query = query.where(GroupResult.respondent_group == group)
    if measure_kind:
        query = query.where(GroupResult.measure_kind == measure_kind)
    if measure:
        query = query.where(GroupResult.measure == measure)
    if subgroup is False:
        query = query.where(GroupResult.subgroup.is_(None))
    elif subgroup is True:
        query = query.where(GroupResult.subgroup.is_not(None))
    elif subgroup is not None:
        query = query.where(GroupResult.subgroup == subgroup)
    # plain rows, not ORM objects: a district comparison reads hundreds of thousands of cells
    keys = [k for k in GroupResult.CELL_KEYS if k != "group"]
    out = []
    for row in db.session.execute(query.order_by(GroupResult.id)).mappings():
        cell = {k: row[k] for k in keys}
        cell["group"] = row["respondent_group"]
        out.append(cell)
    return out


def index_cells(rows: list[dict]) -> dict[tuple, dict]:
    """Cells keyed by (school_id, group, measure_kind, measure, subgroup, subgroup_value)."""
    return {(c["school_id"], c["group"], c["measure_kind"], c["measure"], c["subgroup"], c["subgroup_value"]): c
            for c in rows}


def run_calibrations(run: ScoringRun) -> dict[str, Calibration]:
    ids = list(run.calibrations.values())
    rows = db.session.scalars(select(Calibration).where(Calibration.id.in_(ids))).all() if ids else []
    by_id = {c.id: c for c in rows}
    return {group: by_id[cid] for group, cid in run.calibrations.items() if cid in by_id}


def is_provisional(run: ScoringRun) -> bool:
    """True while any calibration used by the run is provisional (reports show a notice)."""
    return any(c.provisional for c in run_calibrations(run).values())


def scored_administrations(district_id: int) -> list[Administration]:
    """The district's administrations that have stored results, newest close date first."""
    return db.session.scalars(
        select(Administration).join(ScoringRun, ScoringRun.administration_id == Administration.id)
        .where(Administration.district_id == district_id, ScoringRun.is_current.is_(True))
        .order_by(Administration.closes_at.desc())).all()


def school_administrations(school: School) -> list[Administration]:
    """Scored administrations that include the school, newest first."""
    return [a for a in scored_administrations(school.district_id) if any(s.id == school.id for s in a.schools)]


def same_calibration(run_a: ScoringRun, run_b: ScoringRun, group: str | None = None) -> bool:
    """Whether two runs' results can be compared: the group's calibration is the same in both, or,
    without a group, every group they share uses the same one (and they share at least one)."""
    a, b = run_a.calibrations or {}, run_b.calibrations or {}
    if group:
        return group in a and group in b and a[group] == b[group]
    shared = set(a) & set(b)
    return bool(shared) and all(a[g] == b[g] for g in shared)


def previous_candidates(administration: Administration) -> list[Administration]:
    """Earlier scored administrations of the same district whose results were made with the same
    calibrations, newest first: the possible bases for trends and declines."""
    run = current_run(administration.id)
    if run is None:
        return []
    return [earlier for earlier in scored_administrations(administration.district_id)
            if earlier.closes_at < administration.closes_at and earlier.id != administration.id
            and same_calibration(run, current_run(earlier.id))]


def previous_administration(administration: Administration, school_id: int | None = None) -> Administration | None:
    """The latest of previous_candidates (that includes the school, if given)."""
    return next((a for a in previous_candidates(administration)
                 if school_id is None or school_id in {s.id for s in a.schools}), None)


def trend_chain(administration: Administration, school_id: int, limit: int = 4) -> list[Administration]:
    """Earlier administrations of the school, each comparable with the one after it, newest first."""
    chain, current = [], administration
    while len(chain) < limit:
        earlier = previous_administration(current, school_id=school_id)
        if earlier is None:
            break
        chain.append(earlier)
        current = earlier
    return chain


def later_administration(base: Administration, school_id: int, group: str | None) -> Administration | None:
    """The newest scored administration after base that includes the school and whose results for
    the group were made with the same calibration (what plan monitoring compares with)."""
    base_run = current_run(base.id)
    if base_run is None:
        return None
    for admin in scored_administrations(base.district_id):
        if admin.id == base.id or admin.closes_at <= base.closes_at:
            continue
        if school_id in {s.id for s in admin.schools} and same_calibration(base_run, current_run(admin.id), group):
            return admin
    return None


def district_administrations(district_id: int, newest_first: bool = False) -> list[Administration]:
    """Every administration of the district, scored or not, by close date."""
    order = Administration.closes_at.desc() if newest_first else Administration.closes_at
    return db.session.scalars(select(Administration).where(Administration.district_id == district_id)
                              .order_by(order)).all()


def response_counts(administration_id: int, school_id: int | None = None) -> dict[tuple[int, str], dict[str, int]]:
    """(school id, group) -> {"started": n, "submitted": n} with one GROUP BY query (one school's
    rows only when school_id is given)."""
    query = select(Response.school_id, Response.respondent_group, Response.status, func.count()).where(
        Response.administration_id == administration_id)
    if school_id is not None:
        query = query.where(Response.school_id == school_id)
    rows = db.session.execute(
        query.group_by(Response.school_id, Response.respondent_group, Response.status)).all()
    out: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: {"started": 0, "submitted": 0})
    for school_id, group, status, n in rows:
        out[(school_id, group)]["started"] += n
        if status == "submitted":
            out[(school_id, group)]["submitted"] += n
    return dict(out)


def opt_out_counts(administration_id: int) -> dict[tuple[int, str], int]:
    """(school id, group) -> how many were opted out by their parents (PPRA), as recorded."""
    return {(school_id, group): n for school_id, group, n in db.session.execute(
        select(OptOut.school_id, OptOut.respondent_group, OptOut.opted_out)
        .where(OptOut.administration_id == administration_id))}


def rate_base(school: School, group: str, opt_outs: dict[tuple[int, str], int]) -> int:
    """The response rate's base: the group's enrollment less the recorded parental opt-outs."""
    enrollment = school.enrollment(group)
    return max(enrollment - opt_outs.get((school.id, group), 0), 0) if enrollment else 0


def rates_from_counts(counts: dict, administration: Administration, school: School,
                      opt_outs: dict[tuple[int, str], int] | None = None) -> dict[str, tuple[int, int]]:
    """group -> (submitted, base) for one school, from response_counts; the base is enrollment less
    parental opt-outs (read here unless given, as opt_out_counts)."""
    if opt_outs is None:
        opt_outs = opt_out_counts(administration.id)
    return {g.respondent_group: (counts.get((school.id, g.respondent_group), {}).get("submitted", 0),
                                 rate_base(school, g.respondent_group, opt_outs))
            for g in administration.groups}


def response_rates(administration: Administration, school: School) -> dict[str, tuple[int, int]]:
    """group -> (submitted, enrollment less opt-outs) for one school."""
    return rates_from_counts(response_counts(administration.id, school.id), administration, school)


def rate(submitted: int, enrollment: int) -> float | None:
    """The response rate (0-1), None without an enrollment to divide by."""
    return submitted / enrollment if enrollment else None
