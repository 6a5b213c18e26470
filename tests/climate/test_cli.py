"""The `climate` command as an IT person would run it: a fresh instance, bad settings, the demo."""
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

REPO = Path(__file__).resolve().parents[2]


def climate(*args, instance, env_extra=None, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["CLIMATE_INSTANCE_PATH"] = str(instance)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "climate.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_lists_flask_and_our_commands(tmp_path):
    result = climate("--help", instance=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("demo", "db", "run", "routes", "shell"):
        assert command in result.stdout


@pytest.mark.parametrize("args", [("--help",), ("status", "--help"), ("status", "1", "--help"),
                                  ("administration", "create", "--help"), ("db", "upgrade", "--help"),
                                  ("demo", "--help")])
def test_help_in_a_fresh_instance_creates_no_database(tmp_path, args):
    result = climate(*args, instance=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert not (tmp_path / "climate.sqlite").exists()
    assert "alembic" not in result.stderr


def test_a_command_creates_the_embedded_database_when_it_runs_without_alembic_info_lines(tmp_path, command_demo):
    """The first real command builds the database from the migrations, quietly; so does the demo."""
    first = climate("administration", "list", instance=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "climate.sqlite").exists()
    demo = command_demo.result
    assert demo.returncode == 0, demo.stderr
    assert (command_demo.instance / "climate.sqlite").exists()
    for result in (first, demo):
        assert "INFO  [alembic" not in result.stdout + result.stderr


@pytest.mark.parametrize("url, message", [
    ("definitely not a url", "is not a database URL"),
    ("mysql://user:pw@localhost/db", "runs on SQLite or PostgreSQL"),
    ("postgresql://user:pw@127.0.0.1:1/nowhere", "Cannot reach the database"),
])
def test_bad_database_settings_give_one_clear_sentence(tmp_path, url, message):
    result = climate("demo", "--no-serve", instance=tmp_path, env_extra={"DATABASE_URL": url})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_instance_folder_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = climate("demo", "--no-serve", instance=blocker / "instance")
    assert result.returncode != 0
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr


def test_demo_seeds_once_then_serves(tmp_path, command_demo):
    """First run seeds (in a fresh instance, once per run); the second run finds everything in
    place, adds nothing, and serves."""
    import socket
    import sqlite3
    import time
    import urllib.request

    first = command_demo.result
    assert first.returncode == 0, first.stderr
    instance = command_demo.copy(tmp_path)
    assert "district@riverbend.example  password: " in first.stdout and "(6 schools)" in first.stdout
    assert "Try the survey: http://127.0.0.1:5000/s/" in first.stdout
    assert re.search(r"one-page summary for families: http://127\.0\.0\.1:5000/reports/schools/\d+/family/summary", first.stdout)
    password = first.stdout.split("district@riverbend.example  password: ")[1].split()[0]

    def counts():
        with sqlite3.connect(instance / "climate.sqlite") as conn:
            return {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                    for t in ("district", "school", "user_account", "administration", "response", "answer",
                              "scoring_run", "plan_item", "sro_assessment")}
    seeded = counts()
    assert seeded["district"] == 1 and seeded["school"] == 6 and seeded["user_account"] == 2
    assert seeded["administration"] == 3 and seeded["scoring_run"] == 2 and seeded["plan_item"] == 4

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["CLIMATE_INSTANCE_PATH"] = str(instance)
    server = subprocess.Popen([sys.executable, "-m", "climate.cli", "demo", "--port", str(port)], cwd=REPO,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(240):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/sign-in", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert page is not None, "the demo did not start serving"
        assert "Sign in" in page
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert password in output  # the same accounts, not new ones
    assert counts() == seeded  # the second run added nothing


def test_the_app_refuses_to_start_on_an_invalid_questionnaire(tmp_path):
    import shutil

    broken = tmp_path / "instruments"
    shutil.copytree(REPO / "instruments", broken, ignore=shutil.ignore_patterns("guidance"))
    text = (broken / "student.yaml").read_text()
    (broken / "student.yaml").write_text(text.replace("id: S_REL_02", "id: S_REL_01", 1))
    result = climate("routes", instance=tmp_path / "instance", env_extra={"CLIMATE_INSTRUMENTS_DIR": str(broken)})
    assert result.returncode != 0
    assert "student.yaml" in result.stderr and "S_REL_01" in result.stderr and "duplicate" in result.stderr.lower()
    assert "Traceback" not in result.stderr


# --- the shared parameter types: one rule each ------------------------------------------------------

def _convert(param_type, text, **params):
    ctx = click.Context(click.Command("x"))
    ctx.params.update(params)
    return param_type.convert(text, None, ctx)


def test_an_administration_is_its_id_or_its_name_in_any_case(app, administration, world):
    from climate.commands.params import ADMINISTRATION

    assert _convert(ADMINISTRATION, str(administration.id)) is administration
    assert _convert(ADMINISTRATION, "  sPRING SURVEY ") is administration
    assert _convert(ADMINISTRATION, "Spring survey", district=world.d1) is administration


@pytest.mark.parametrize("text", ["Nope", "999"])
def test_an_unknown_administration_gets_one_clear_message(app, administration, world, text):
    from climate.commands.params import ADMINISTRATION

    with pytest.raises(click.ClickException) as raised:
        _convert(ADMINISTRATION, text)
    assert raised.value.message == (f"There is no administration {text!r}; `climate administration list` "
                                    "shows them.")
    with pytest.raises(click.ClickException, match="There is no administration"):
        _convert(ADMINISTRATION, "Spring survey", district=world.d2)


def test_a_school_is_its_id_its_name_in_any_case_or_its_nces_id(app, world):
    from climate.commands.params import SCHOOL
    from climate.extensions import db

    world.school_b.nces_id = "170993000123"
    db.session.commit()
    assert _convert(SCHOOL, str(world.school_a.id), district=world.d1) is world.school_a
    assert _convert(SCHOOL, "school a", district=world.d1) is world.school_a
    assert _convert(SCHOOL, "170993000123", district=world.d1) is world.school_b
    assert _convert(SCHOOL, "SCHOOL C") is world.school_c  # unique among all districts


def test_an_unknown_school_gets_one_clear_message(app, world, administration):
    from climate.commands.params import SCHOOL

    with pytest.raises(click.ClickException) as raised:
        _convert(SCHOOL, "School C", administration=administration)
    assert raised.value.message == "District One has no school named 'School C'."


@pytest.mark.parametrize("text, group", [("student", "student"), ("Students", "student"),
                                         ("instructional-staff", "instructional_staff"),
                                         ("Noninstructional Staff", "noninstructional_staff"), ("parents", "parent")])
def test_a_respondent_group_in_any_spelling(text, group):
    from climate.commands.params import RESPONDENT_GROUP

    assert _convert(RESPONDENT_GROUP, text) == group


def test_an_unknown_respondent_group_gets_one_clear_message():
    from climate.commands.params import RESPONDENT_GROUP

    with pytest.raises(click.ClickException) as raised:
        _convert(RESPONDENT_GROUP, "pupils")
    assert raised.value.message == ("'pupils' is not a respondent group; use one of student, instructional_staff, "
                                    "noninstructional_staff, parent.")


def test_the_district_option_is_read_before_the_administration(runner, administration, world):
    """`--district` may come after ADMINISTRATION on the command line and still scope it."""
    result = runner.invoke(args=["status", "Spring survey", "--district", "District Two"])
    assert result.exit_code != 0 and "There is no administration 'Spring survey'" in result.output
    result = runner.invoke(args=["status", "Spring survey", "--district", "district one"])
    assert result.exit_code == 0, result.output
