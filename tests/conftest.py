"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL when DATABASE_URL
says so), a client, a CLI runner, an `auth` helper and a small two-district world."""
import os
import tempfile
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

def _on_server(url, *statements):
    """Run database-level statements (CREATE/DROP DATABASE) on `url`'s PostgreSQL server."""
    from sqlalchemy import create_engine

    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def _create_database(url, name, template=None):
    """(Re)create PostgreSQL database `name` on `url`'s server, empty or as a copy of `template`."""
    _on_server(url, f'DROP DATABASE IF EXISTS "{name}"',
               f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url.set(database=name).render_as_string(hide_password=False)


def _database_of_this_worker():
    """Under pytest-xdist each worker process runs on a PostgreSQL database of its own
    (`<name>_gw0`, ...), made afresh; subprocesses the tests start inherit it."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("DATABASE_URL")
    if worker and url:
        from climate.config import database_url
        from sqlalchemy.engine import make_url

        parsed = make_url(database_url(Path(".")))
        os.environ["DATABASE_URL"] = _create_database(parsed, f"{parsed.database}_{worker}")


_database_of_this_worker()
_INSTANCE = tempfile.mkdtemp(prefix="climate-test-instance-")
os.environ["CLIMATE_INSTANCE_PATH"] = _INSTANCE
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from climate import create_app  # noqa: E402
from climate.extensions import db  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(_INSTANCE) / 'test.sqlite'}"
PASSWORD = "correct horse battery staple"

TEST_CONFIG = {
    "TESTING": True,
    "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
    "WTF_CSRF_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SERVER_NAME": None,
}


class RequestContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, with its own `g` and
    database session, as in production. The test's own session is committed first, so the request
    sees the test's set-up, and rolled back after, so the test reads what the request stored."""

    def open(self, *args, **kwargs):
        app = self.application
        if has_app_context() and current_app._get_current_object() is app:
            db.session.commit()
        with app.app_context():
            try:
                return super().open(*args, **kwargs)
            finally:
                db.session.remove()


def make_app(instance_path=None, **overrides):
    from climate.config import database_url
    config = dict(TEST_CONFIG)
    config["SQLALCHEMY_DATABASE_URI"] = database_url(Path(_INSTANCE)) if os.environ.get("DATABASE_URL") else DATABASE_URL
    config.update(overrides)
    if instance_path:
        os.environ["CLIMATE_INSTANCE_PATH"] = str(instance_path)
    try:
        app = create_app(config)
    finally:
        os.environ["CLIMATE_INSTANCE_PATH"] = _INSTANCE
    app.test_client_class = RequestContextClient
    return app


@pytest.fixture(scope="session")
def _schema():
    """Build the schema once per run from the migrations (the only source of the schema)."""
    import flask_migrate
    app = make_app()
    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            path = db.engine.url.database
            if path and os.path.exists(path):
                os.remove(path)
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
    return True


def _empty_all_tables():
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(t.name for t in tables))))
        else:
            for table in tables:
                conn.execute(table.delete())


def _app_in_context(**overrides):
    app = make_app(**overrides)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def app(_schema):
    yield from _app_in_context()


class DemoSnapshot:
    """The demo seeded once per run, as `climate demo` seeds it: a database to copy from, the
    instance folder holding its accounts file, and the lines the seeding printed."""

    def __init__(self, url, instance, lines):
        self.url, self.instance, self.lines = url, instance, lines


def _database_copy(source, name, folder):
    """A fresh database `name` holding what `source` holds: a file copy in `folder` on SQLite, a
    template copy on PostgreSQL (no connection to `source` may be open). Returns its URL."""
    import shutil

    from sqlalchemy.engine import make_url

    url = make_url(source)
    if url.get_backend_name() == "sqlite":
        target = Path(folder) / f"{name}.sqlite"
        shutil.copyfile(url.database, target)
        if Path(url.database + "-wal").exists():  # pages not yet checkpointed into the file
            shutil.copyfile(url.database + "-wal", str(target) + "-wal")
        return url.set(database=str(target)).render_as_string(hide_password=False)
    return _create_database(url, name, template=url.database)


def _drop_database(copy):
    from sqlalchemy.engine import make_url

    url = make_url(copy)
    if url.get_backend_name() == "sqlite":
        Path(url.database).unlink(missing_ok=True)
        return
    _on_server(url, f'DROP DATABASE IF EXISTS "{url.database}"')


@pytest.fixture(scope="session")
def _demo_snapshot(_schema, request, tmp_path_factory):
    """The demo seeded once per run, so that every test reading the demo starts from a copy of it
    instead of seeding again (about a minute each). On SQLite it is the database `climate demo`
    built for `command_demo`; on PostgreSQL `seed_demo` fills a database of its own."""
    import flask_migrate
    from sqlalchemy.engine import make_url

    from climate.commands.demo_data import seed_demo

    base = make_url(make_app().config["SQLALCHEMY_DATABASE_URI"])
    if base.get_backend_name() == "sqlite":
        seeded = request.getfixturevalue("command_demo")
        assert seeded.result.returncode == 0, seeded.result.stderr
        yield DemoSnapshot(f"sqlite:///{seeded.instance / 'climate.sqlite'}", seeded.instance,
                           seeded.result.stdout.splitlines())
        return
    instance = tmp_path_factory.mktemp("demo-snapshot") / "instance"
    instance.mkdir()
    url = _create_database(base, f"{base.database}_demo")
    app = make_app(instance_path=instance, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        lines = seed_demo(echo=lambda *_: None)
        db.session.remove()
        db.engine.dispose()
    yield DemoSnapshot(url, instance, lines)
    _drop_database(url)


@pytest.fixture
def demo_app(_demo_snapshot, tmp_path):
    """The app on a fresh copy of the seeded demo (district Riverbend, its six schools, two scored
    administrations and an open one), with the demo's accounts file in its instance folder."""
    import shutil

    instance = tmp_path / "demo-instance"
    shutil.copytree(_demo_snapshot.instance, instance, ignore=shutil.ignore_patterns("*.sqlite*"))
    copy = _database_copy(_demo_snapshot.url, f"demo_copy_{os.getpid()}", tmp_path)
    app = make_app(instance_path=instance, SQLALCHEMY_DATABASE_URI=copy)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    _drop_database(copy)


class CommandDemo:
    """`climate demo --no-serve` run once per run in a fresh instance folder, as a new user runs it
    (its own embedded SQLite database), and its completed process."""

    def __init__(self, instance, result):
        self.instance, self.result = instance, result

    def copy(self, folder):
        """A copy of the seeded instance folder under `folder`, for a test to run the demo on."""
        import shutil

        return Path(shutil.copytree(self.instance, Path(folder) / "seeded-instance"))


@pytest.fixture(scope="session")
def command_demo(tmp_path_factory):
    import subprocess
    import sys

    instance = tmp_path_factory.mktemp("command-demo") / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL")}
    env["CLIMATE_INSTANCE_PATH"] = str(instance)
    result = subprocess.run([sys.executable, "-m", "climate.cli", "demo", "--no-serve"],
                            cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True,
                            timeout=600)
    return CommandDemo(instance, result)


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def demo_auth(demo_client):
    return AuthActions(demo_client)


@pytest.fixture
def csrf_app(_schema):
    """The app with CSRF protection switched on, as in production."""
    yield from _app_in_context(WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app):
    """A test client (pytest-flask's, without preserving request contexts between requests:
    each request's context ends with it, as in production)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign a test client in and out as one of the world's accounts."""

    def __init__(self, client):
        self._client = client

    def sign_in(self, email, password=PASSWORD):
        return self._client.post("/auth/sign-in", data={"email": email, "password": password})

    def sign_out(self):
        return self._client.post("/auth/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class World:
    """Two districts: district 1 with schools A and B, district 2 with school C; a district staff
    account in each and a principal for A and for B."""


@pytest.fixture
def world(app):
    from climate.models import District, School, User

    w = World()
    w.d1 = District(name="District One", timezone="America/Chicago")
    w.d2 = District(name="District Two", timezone="America/New_York")
    db.session.add_all([w.d1, w.d2])
    db.session.flush()

    def school(d, name, level="middle", low=6, high=8):
        s = School(district_id=d.id, name=name, level=level, grade_low=low, grade_high=high,
                   enrollment_student=200, enrollment_instructional_staff=30,
                   enrollment_noninstructional_staff=15, enrollment_parent=150)
        db.session.add(s)
        return s

    w.school_a = school(w.d1, "School A")
    w.school_b = school(w.d1, "School B", "high", 9, 12)
    w.school_c = school(w.d2, "School C")
    db.session.flush()

    def user(email, role, d, schools=()):
        u = User(email=email, role=role, district_id=d.id)
        u.set_password(PASSWORD)
        u.schools = list(schools)
        db.session.add(u)
        return u

    w.staff1 = user("staff1@d1.example", "district_staff", w.d1)
    w.staff2 = user("staff2@d2.example", "district_staff", w.d2)
    w.principal_a = user("principal.a@d1.example", "principal", w.d1, [w.school_a])
    w.principal_b = user("principal.b@d1.example", "principal", w.d1, [w.school_b])
    db.session.commit()
    return w


@pytest.fixture
def administration(world):
    """An open administration in district 1 (schools A and B; students, instructional staff and
    parents; SRO module on; one custom student item), opened yesterday, closing in a week."""
    import datetime as dt

    from climate.administer.service import create_administration

    now = dt.datetime.now().replace(microsecond=0)
    admin = create_administration(
        world.d1, "Spring survey", now - dt.timedelta(days=400), now + dt.timedelta(days=400),
        [world.school_a, world.school_b], ["student", "instructional_staff", "parent"], sro_module=True,
        custom_items={"student": [{"text": {"en": "Do you ride the bus?", "es": "¿Vas en autobús?"},
                                   "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]}]})
    db.session.commit()
    return admin


@pytest.fixture
def issue(app):
    """issue(administration, school, group, n) -> list of fresh access code strings."""
    from climate.codes import issue_codes

    def _issue(administration, school, group="student", n=1):
        rows = issue_codes(administration.id, school.id, group, n)
        db.session.commit()
        return [r.code for r in rows]
    return _issue


DEMO_FIXTURES = {"command_demo", "_demo_snapshot", "demo_app"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Under `pytest -n auto --dist loadgroup`, every test of the seeded demo runs on one worker,
    which seeds the demo once for all of them."""
    for item in items:
        if DEMO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("demo"))


class _Prebuilt:
    """What a fixture's build left in the database, kept once per run: the table row counts it
    started from, the database afterwards (an SQLite backup file, or each table's PostgreSQL
    COPY and the sequences), and the build's (picklable) return value."""

    def __init__(self, before, saved, value):
        self.before, self.saved, self.value = before, saved, value


_PREBUILT: dict[str, _Prebuilt] = {}


def _row_counts():
    return {t.name: db.session.scalar(text(f'SELECT count(*) FROM "{t.name}"')) for t in db.metadata.sorted_tables}


def _save_database(folder):
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        import sqlite3
        path = Path(folder) / f"prebuilt-{len(_PREBUILT)}.sqlite"
        target = sqlite3.connect(path)
        with db.engine.connect() as conn:
            conn.connection.dbapi_connection.backup(target)
        target.close()
        return path
    tables = {}
    with db.engine.connect() as conn:
        with conn.connection.dbapi_connection.cursor() as cur:
            for table in db.metadata.sorted_tables:
                with cur.copy(f'COPY "{table.name}" TO STDOUT (FORMAT BINARY)') as copy:
                    tables[table.name] = b"".join(bytes(chunk) for chunk in copy)
            sequences = cur.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'").fetchall()
        conn.rollback()
    return tables, sequences


def _load_database(saved):
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        import sqlite3
        source = sqlite3.connect(saved)
        with db.engine.connect() as conn:
            source.backup(conn.connection.dbapi_connection)
        source.close()
    else:
        tables, sequences = saved
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE {} CASCADE".format(", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables))))
            with conn.connection.dbapi_connection.cursor() as cur:
                for table in db.metadata.sorted_tables:
                    with cur.copy(f'COPY "{table.name}" FROM STDIN (FORMAT BINARY)') as copy:
                        copy.write(tables[table.name])
                for name, last in sequences:
                    cur.execute("SELECT setval(%s, %s, %s)", (name, last or 1, last is not None))
    db.session.expire_all()


@pytest.fixture
def prebuilt(tmp_path_factory):
    """prebuilt(name, build) -> build()'s return value, building once per run for each name (name
    it after what the build makes, e.g. its module and fixture): later tests that start from the
    same rows get the database as the first build left it, which saves the simulate-and-score
    set-ups their seconds each. A test that starts from other rows builds for itself."""
    def _use(name, build):
        before = _row_counts()
        kept = _PREBUILT.get(name)
        if kept is not None and kept.before == before:
            _load_database(kept.saved)
            return kept.value
        value = build()
        if kept is None:
            _PREBUILT[name] = _Prebuilt(before, _save_database(tmp_path_factory.getbasetemp()), value)
        return value
    return _use


@pytest.fixture
def scored_run(administration, prebuilt):
    """scored_run(name, counts, seed) -> the ScoringRun of the fixture administration after
    simulating `counts` ({(school id, respondent group): respondents}) and scoring it for real,
    built once per run under `name` (see prebuilt)."""
    from climate.models import ScoringRun
    from climate.scoring import score_administration
    from climate.simulate import simulate_administration

    def _run(name, counts, seed):
        def build():
            simulate_administration(administration, counts, seed=seed)
            return score_administration(administration).id
        return db.session.get(ScoringRun, prebuilt(name, build))
    return _run
