"""Benchmark: render the district comparison and a school report with 300 schools and 500,000
stored respondents, against a same-run baseline (the sign-in page).

The data are seeded directly, not simulated item by item: 300 schools, one closed administration
with four respondent groups, 500,000 Response rows (with their access codes) inserted in bulk
(executemany on SQLite, COPY on PostgreSQL), a ScoringRun and GroupResult cells made by
surveys.aggregate.score_cells / item_cells from synthetic score and answer arrays (school,
district and subgroup cells, suppression applied). Person scores are not stored (reports never
read them). Seeding is done once per database and reused (--reseed to redo it).

Run from the repository root:
    .venv/bin/python bench/bench_reports.py                       # SQLite in a temp folder
    DATABASE_URL=postgresql+psycopg://climate:climate@127.0.0.1:5432/climate_reports_bench \\
        .venv/bin/python bench/bench_reports.py                   # PostgreSQL (database made if absent)
Options: --repeats N (default 30), --reseed, --schools N, --respondents N.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time

import numpy as np

from machine import describe  # noqa: E402 (bench/ is on the path)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

BENCH_DB_NAME = "climate_reports_bench"
PASSWORD = "bench password not secret"
# respondents per school by group: 1400 + 80 + 40 + 147 = 1667 -> 300 schools = 500,100
PER_SCHOOL = {"student": 1400, "instructional_staff": 80, "noninstructional_staff": 40, "parent": 147}


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql"):
            ensure_pg_database(url)
        return url
    folder = os.path.join(tempfile.gettempdir(), "climate-reports-bench")
    os.makedirs(folder, exist_ok=True)
    return f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"


def ensure_pg_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{u.database}"')


def make_app(url: str):
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("CLIMATE_INSTANCE_PATH", os.path.join(tempfile.gettempdir(), "climate-reports-bench"))
    from climate import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       "SCORE_ON_CLOSE": False, "TESTING": False})


# --- seeding -------------------------------------------------------------------------------------

def seeded(db) -> bool:
    from sqlalchemy import inspect, select
    from climate.models import District
    if "district" not in inspect(db.engine).get_table_names():
        return False
    return db.session.scalar(select(District.id).where(District.name == "Bench District")) is not None


def reset_schema(app, db) -> None:
    import flask_migrate
    from sqlalchemy import text
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.engine.dispose()
        path = db.engine.url.database
        for suffix in ("", "-wal", "-shm"):
            if path and os.path.exists(path + suffix):
                os.remove(path + suffix)
    flask_migrate.upgrade(directory=app.extensions["migrate"].directory)


def bulk_rows(db, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite (one transaction)."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            for start in range(0, len(rows), 50_000):
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                rows[start:start + 50_000])
        raw.commit()
    finally:
        raw.close()


def seed(app, db, n_schools: int, per_school: dict[str, int], log) -> None:
    from sqlalchemy import func, insert, select

    from climate.administer.service import create_administration, pinned_instrument
    from climate.models import AccessCode, District, GroupResult, School, ScoringRun, User, utcnow
    from climate.scoring import _cell_row, reference_calibration
    from surveys.aggregate import item_cells, score_cells
    from surveys.domain import DOMAINS
    from surveys.subgroups import REPORTED

    rng = np.random.default_rng(2026)
    t0 = time.perf_counter()
    district = District(name="Bench District", timezone="America/Chicago")
    db.session.add(district)
    db.session.flush()
    levels = ["elementary"] * 150 + ["middle"] * 90 + ["high"] * 60
    grades = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12)}
    schools = []
    for i in range(n_schools):
        level = levels[i % len(levels)]
        low, high = grades[level]
        s = School(district_id=district.id, name=f"School {i + 1:03d}", level=level, grade_low=low, grade_high=high,
                   enrollment_student=int(per_school["student"] * 1.25),
                   enrollment_instructional_staff=int(per_school["instructional_staff"] * 1.2),
                   enrollment_noninstructional_staff=int(per_school["noninstructional_staff"] * 1.3),
                   enrollment_parent=int(per_school["parent"] * 4))
        schools.append(s)
    db.session.add_all(schools)
    db.session.flush()
    staff = User(email="staff@bench.example", role="district_staff", district_id=district.id)
    staff.set_password(PASSWORD)
    principal = User(email="principal@bench.example", role="principal", district_id=district.id)
    principal.set_password(PASSWORD)
    principal.schools = [schools[0]]
    db.session.add_all([staff, principal])
    now = dt.datetime.now().replace(microsecond=0)
    administration = create_administration(district, "Bench spring survey", now - dt.timedelta(days=60),
                                           now - dt.timedelta(days=30), schools, list(per_school))
    administration.closed_processed_at = utcnow()
    db.session.commit()
    log(f"schools, accounts and administration: {time.perf_counter() - t0:.1f} s")

    # access codes and responses, in bulk
    t0 = time.perf_counter()
    school_ids = np.array([s.id for s in schools])
    code_rows, response_rows, by_group = [], [], {}
    next_code = (db.session.scalar(select(func.max(AccessCode.id))) or 0) + 1
    day = (now - dt.timedelta(days=40)).date()
    for group, per in per_school.items():
        sid = np.repeat(school_ids, per)
        by_group[group] = sid
        for s in sid.tolist():
            code_rows.append((next_code, f"B{next_code:09d}", administration.id, s, group, "issued", "submitted", day))
            response_rows.append((next_code, next_code, administration.id, s, group, "en", "submitted", day, day,
                                  True, False))
            next_code += 1
    bulk_rows(db, "access_code", ["id", "code", "administration_id", "school_id", "respondent_group", "source",
                                  "status", "issued_on"], code_rows)
    bulk_rows(db, "response", ["id", "access_code_id", "administration_id", "school_id", "respondent_group",
                               "language", "status", "started_on", "submitted_on", "simulated", "imported"],
              response_rows)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text
        with db.engine.begin() as conn:
            for table in ("access_code", "response"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    log(f"{len(response_rows):,} responses (and access codes): {time.perf_counter() - t0:.1f} s")

    # a scoring run with cells from synthetic arrays
    t0 = time.perf_counter()
    calibrations = {}
    run = ScoringRun(administration_id=administration.id, calibrations={}, min_n=10, trigger="manual",
                     n_scored=len(response_rows))
    db.session.add(run)
    db.session.flush()
    school_effect = dict(zip(school_ids.tolist(), rng.normal(0, 25, len(school_ids)).tolist()))
    n_cells = 0
    for agroup in administration.groups:
        group = agroup.respondent_group
        instrument, _ = pinned_instrument(agroup)
        calibrations[group] = reference_calibration(group, instrument).id
        sid = by_group[group]
        n = len(sid)
        cells = []
        if instrument.scaled_topics:
            topics = list(instrument.scaled_topics)
            base = 300 + np.array([school_effect[s] for s in sid.tolist()])
            scores = base[:, None] + rng.normal(0, 55, (n, len(topics) + len(DOMAINS)))
            scores[:, : len(topics)] += rng.normal(0, 20, len(topics))
            scores[rng.random(scores.shape) < 0.01] = np.nan
            subgroups = {}
            for item in instrument.background:
                if item.subgroup in REPORTED:
                    values = [v for v in item.values if v != item.prefer_not_value]
                    weights = np.linspace(3, 1, len(values))
                    drawn = rng.choice(values, size=n, p=weights / weights.sum()).astype(str).astype(object)
                    drawn[rng.random(n) < 0.05] = None
                    subgroups[item.subgroup] = drawn
            cells += score_cells(scores, topics + list(DOMAINS), ["topic"] * len(topics) + ["domain"] * len(DOMAINS),
                                 group, sid, subgroups)
        items = list(instrument.items)
        codes = np.clip(np.round(rng.normal(1.8, 0.9, (n, len(items)))), 0, 3).astype(np.int8)
        codes[rng.random(codes.shape) < 0.03] = -1
        cells += item_cells(codes, [i.id for i in items], group, sid, None)
        rows = [_cell_row(run.id, c) for c in cells]
        for start in range(0, len(rows), 20_000):
            db.session.execute(insert(GroupResult), rows[start:start + 20_000])
        n_cells += len(rows)
        log(f"  {group}: {n:,} respondents, {len(rows):,} cells")
    run.calibrations, run.is_current = calibrations, True
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    log(f"scoring run with {n_cells:,} stored cells: {time.perf_counter() - t0:.1f} s")


# --- timing --------------------------------------------------------------------------------------

def timed(client, url: str, repeats: int, expect: int = 200) -> list[float]:
    response = client.get(url)  # warm-up (templates compiled, caches filled)
    assert response.status_code == expect, (url, response.status_code)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append(time.perf_counter() - t0)
        assert response.status_code == expect, (url, response.status_code)
    return times


def pct(times: list[float], q: float) -> float:
    return float(np.percentile(np.array(times) * 1000.0, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--respondents", type=int, default=500_000)
    args = parser.parse_args()
    print(describe())
    url = database_url()
    app = make_app(url)
    from climate.extensions import db
    from sqlalchemy import func, select
    from climate.models import District, Response, School

    def log(msg):
        print(msg, flush=True)

    with app.app_context():
        print(f"database: {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        if args.reseed or not seeded(db):
            reset_schema(app, db)
            scale = args.respondents / (args.schools * sum(PER_SCHOOL.values()))
            per_school = {g: max(1, round(n * scale)) for g, n in PER_SCHOOL.items()}
            seed(app, db, args.schools, per_school, log)
        district = db.session.scalar(select(District).where(District.name == "Bench District"))
        n_schools = db.session.scalar(select(func.count()).select_from(School).where(School.district_id == district.id))
        n_resp = db.session.scalar(select(func.count()).select_from(Response))
        first_school = db.session.scalar(select(School.id).where(School.district_id == district.id).order_by(School.id))
        print(f"data: {n_schools} schools, {n_resp:,} stored respondents")
        db.session.remove()

    pages = []
    staff = app.test_client()
    r = staff.post("/auth/sign-in", data={"email": "staff@bench.example", "password": PASSWORD})
    assert r.status_code == 302, r.status_code
    principal = app.test_client()
    r = principal.post("/auth/sign-in", data={"email": "principal@bench.example", "password": PASSWORD})
    assert r.status_code == 302, r.status_code
    anonymous = app.test_client()
    pages.append(("baseline: sign-in page", anonymous, "/auth/sign-in"))
    pages.append(("district comparison (students)", staff, "/reports/comparison"))
    pages.append(("comparison sorted, difference view", staff,
                  "/reports/comparison?sort=relationships&dir=desc&view=difference"))
    pages.append(("comparison + gaps (one topic, by grade)", staff, "/reports/comparison?gaps=relationships"))
    pages.append(("comparison + gaps (one topic, all subgroups)", staff,
                  "/reports/comparison?gaps=relationships&gapsby=all"))
    pages.append(("comparison CSV", staff, "/reports/comparison.csv?sort=bullying&dir=asc"))
    pages.append(("school report (principal)", principal, f"/reports/schools/{first_school}"))
    pages.append(("school topic page", principal, f"/reports/schools/{first_school}/topics/relationships"))
    pages.append(("printable school report", principal, f"/reports/schools/{first_school}/print"))
    pages.append(("response rates (300 schools)", staff, "/reports/response-rates"))
    results = []
    for label, client, page in pages:
        times = timed(client, page, args.repeats)
        results.append((label, page, pct(times, 50), pct(times, 95)))
    base50 = results[0][2]
    print(f"\n{'page':44} {'p50 ms':>9} {'p95 ms':>9} {'p50 / baseline':>15}")
    for label, page, p50, p95 in results:
        print(f"{label:44} {p50:9.1f} {p95:9.1f} {p50 / base50:15.1f}")
    print(f"\nrepeats per page: {args.repeats}; target: p95 under 1000 ms")


if __name__ == "__main__":
    main()
