"""District staff administering: create (web and CLI), codes, open links, extend, status, delete."""
import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from climate.codes import ALPHABET
from climate.extensions import db
from climate.models import AccessCode, Administration, Answer, OpenLink, Response

CODE_RE = re.compile(r"^[%s]{4}-[%s]{4}-[%s]{2}$" % ((ALPHABET,) * 3))


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def valid_form(world, **overrides):
    data = {"name": "Fall 2026", "opens": "2026-09-01T08:00", "closes": "2026-09-30T17:00",
            "schools": [str(world.school_a.id), str(world.school_b.id)], "groups": ["student", "parent"],
            "sro_module": "y", "custom_student": "Do you ride the bus? | ¿Vas en autobús?\nYes | Sí\nNo | No",
            "consent_en": "", "consent_es": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- create in the web UI ----------------------------------------------------------------------

def test_staff_create_an_administration_in_the_web_ui(client, auth, world):
    auth.sign_in("staff1@d1.example")
    page = client.get("/administrations/new")
    assert page.status_code == 200
    assert b'type="datetime-local"' in page.data and b"English question" not in page.data
    assert b"It is not a test" in page.data  # default consent shown
    response = client.post("/administrations/new", data=valid_form(world))
    assert response.status_code == 302
    admin = db.session.scalar(select(Administration).where(Administration.name == "Fall 2026"))
    assert [s.name for s in admin.schools] == ["School A", "School B"]
    assert [g.respondent_group for g in admin.groups] == ["parent", "student"]
    assert admin.sro_module is True
    assert admin.opens_at == dt.datetime(2026, 9, 1, 13, 0)  # Chicago, UTC-5 in September
    assert admin.group("student").custom_items[0]["text"] == {"en": "Do you ride the bus?", "es": "¿Vas en autobús?"}
    assert admin.consent_text["parent"]["en"].startswith("This survey asks what you think about your child's school")
    assert set(admin.consent_text) == {"student", "parent"}
    detail = client.get(response.headers["Location"])
    assert b"Fall 2026" in detail.data and b"Nobody has answered yet" in detail.data
    listing = client.get("/administrations")
    assert b"Fall 2026" in listing.data


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "Give the administration a name."),
    ({"name": "Spring survey"}, "already has an administration named"),
    ({"opens": ""}, "Enter when the survey opens."),
    ({"closes": "next week"}, "Enter a date and time like 2026-03-02 08:00."),
    ({"closes": "2026-08-01T08:00"}, "The close date must be after the open date."),
    ({"schools": None}, "Choose at least one school."),
    ({"groups": None, "custom_student": ""}, "Choose at least one respondent group."),
    ({"custom_student": "Only English\nYes | Sí\nNo | No"}, "Line 1: write the English and the Spanish text"),
    ({"custom_student": "Bus? | ¿Autobús?\nYes | Sí"}, "needs at least 2 answer options"),
    ({"custom_parent": "Bus? | ¿Autobús?\nYes | Sí\nNo | No", "groups": ["student"]},
     "did not choose that respondent group"),
])
def test_invalid_web_input_is_refused_with_a_message_and_nothing_stored(client, auth, world, administration,
                                                                          overrides, message):
    auth.sign_in("staff1@d1.example")
    before = count(Administration)
    response = client.post("/administrations/new", data=valid_form(world, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert count(Administration) == before


def test_another_districts_school_cannot_be_chosen(client, auth, world):
    auth.sign_in("staff1@d1.example")
    response = client.post("/administrations/new", data=valid_form(world, schools=[str(world.school_c.id)]))
    assert response.status_code == 400
    assert "Choose schools of your district only." in response.get_data(as_text=True)
    assert count(Administration) == 0


def test_principals_cannot_create_or_manage(client, auth, world, administration):
    auth.sign_in("principal.a@d1.example")
    assert client.get("/administrations/new").status_code == 403
    assert client.post("/administrations/new", data=valid_form(world)).status_code == 403
    assert client.get(f"/administrations/{administration.id}").status_code == 403
    assert client.post(f"/administrations/{administration.id}/codes",
                       data={"school": world.school_a.id, "group": "student", "count": 5}).status_code == 403
    assert count(AccessCode) == 0


def test_other_districts_staff_get_404(client, auth, administration):
    auth.sign_in("staff2@d2.example")
    for url in ("", "/status", "/codes.csv?school=1&group=student"):
        assert client.get(f"/administrations/{administration.id}{url}").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, administration):
    response = client.get(f"/administrations/{administration.id}/status")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


# --- create on the command line ---------------------------------------------------------------------

def test_cli_create(runner, world, tmp_path):
    custom = tmp_path / "custom.yaml"
    custom.write_text("student:\n  - text: {en: 'Do you ride the bus?', es: '¿Vas en autobús?'}\n"
                      "    options: [{en: 'Yes', es: 'Sí'}, {en: 'No', es: 'No'}]\n", encoding="utf-8")
    result = runner.invoke(args=["administration", "create", "--name", "Spring 2026", "--opens", "2026-03-02 08:00",
                                 "--closes", "2026-03-27", "--school", "School A", "--school", str(world.school_b.id),
                                 "--group", "student", "--group", "instructional-staff", "--sro",
                                 "--custom-items", str(custom), "--consent-en", "Say yes or no.",
                                 "--district", "District One"])
    assert result.exit_code == 0, result.output
    assert "Created administration 'Spring 2026'" in result.output
    admin = db.session.scalar(select(Administration).where(Administration.name == "Spring 2026"))
    assert {s.name for s in admin.schools} == {"School A", "School B"}
    assert {g.respondent_group for g in admin.groups} == {"student", "instructional_staff"}
    assert admin.opens_at == dt.datetime(2026, 3, 2, 14, 0)        # CST, UTC-6
    assert admin.closes_at == dt.datetime(2026, 3, 28, 4, 59)      # 23:59 CDT, UTC-5
    assert admin.sro_module and admin.consent_text["instructional_staff"]["en"] == "Say yes or no."
    assert admin.group("student").custom_items[0]["options"][0] == {"en": "Yes", "es": "Sí"}


@pytest.mark.parametrize("args, message", [
    (["--district", "Nowhere"], "There is no district named 'Nowhere'."),
    ([], "There are several districts; say which one with --district."),
    (["--district", "District One", "--school", "School Z"], "has no school named 'School Z'."),
    (["--district", "District One", "--school", "School C"], "has no school named 'School C'."),
    (["--district", "District One", "--group", "pupils"], "'pupils' is not a respondent group"),
    (["--district", "District One", "--opens", "soon"], "The open date 'soon' is not a date and time"),
    (["--district", "District One", "--closes", "2026-02-01 08:00"], "The close date must be after the open date."),
    (["--district", "District One", "--name", " "], "Give the administration a name."),
    (["--district", "District One", "--custom-items", "/nonexistent/custom.yaml"], "Cannot read the custom items file"),
])
def test_cli_create_refuses_bad_input_with_one_clear_message(runner, world, args, message):
    base = {"--name": "X", "--opens": "2026-03-02 08:00", "--closes": "2026-03-27 17:00", "--school": "School A",
            "--group": "student"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [part for key, value in base.items() for part in (key, value)]
    result = runner.invoke(args=["administration", "create", *flat])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(Administration) == 0


def test_cli_create_refuses_custom_items_for_a_group_not_chosen(runner, world, tmp_path):
    custom = tmp_path / "custom.yaml"
    custom.write_text("parent:\n  - text: {en: Q, es: P}\n    options: [{en: a, es: a}, {en: b, es: b}]\n")
    result = runner.invoke(args=["administration", "create", "--name", "X", "--opens", "2026-03-02 08:00",
                                 "--closes", "2026-03-27", "--school", "School A", "--group", "student",
                                 "--custom-items", str(custom), "--district", "District One"])
    assert result.exit_code != 0 and "not one of the chosen groups" in result.output
    assert count(Administration) == 0


# --- access codes ----------------------------------------------------------------------------

def test_cli_codes_csv(runner, administration, world, tmp_path):
    out = tmp_path / "codes.csv"
    result = runner.invoke(args=["codes", str(administration.id), "--school", "School A", "--group", "student",
                                 "--count", "25", "--output", str(out), "--base-url", "https://survey.example.org/"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 25
    assert set(rows[0]) == {"code", "link", "school", "group"}
    for row in rows:
        assert CODE_RE.match(row["code"])
        assert row["link"] == f"https://survey.example.org/s/{row['code']}"
        assert row["school"] == "School A" and row["group"] == "student"
    assert len({r["code"] for r in rows}) == 25
    assert count(AccessCode, AccessCode.school_id == world.school_a.id, AccessCode.status == "issued") == 25


def test_cli_codes_html_sheet_by_name_to_stdout(runner, administration):
    result = runner.invoke(args=["codes", "Spring survey", "--school", "School B", "--group", "parent",
                                 "--count", "4", "--format", "html"])
    assert result.exit_code == 0, result.output
    html = result.output
    codes = re.findall(r'href="http://127\.0\.0\.1:5000/s/([A-Z0-9-]+)"', html)
    assert len(codes) == 4 and all(CODE_RE.match(c) for c in codes)
    assert html.count('class="slip"') == 4
    assert "School B" in html and "Parents and guardians" in html and "Padres y tutores" in html
    assert "The code works once" in html and "El código funciona una sola vez" in html
    assert "@media print" in html and "dashed" in html  # the stylesheet travels with the file


@pytest.mark.parametrize("args, message", [
    (["--count", "0"], "Ask for between 1 and 5,000 codes at a time."),
    (["--count", "5001"], "Ask for between 1 and 5,000 codes at a time."),
    (["--group", "noninstructional_staff"], "does not survey noninstructional_staff"),
    (["--school", "School C"], "has no school named 'School C'"),
])
def test_cli_codes_refuses_bad_input(runner, administration, args, message):
    base = {"--school": "School A", "--group": "student", "--count": "3"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    result = runner.invoke(args=["codes", "Spring survey", *[p for kv in base.items() for p in kv]])
    assert result.exit_code != 0 and message in result.output
    assert count(AccessCode) == 0


def test_cli_codes_unknown_administration(runner, world):
    result = runner.invoke(args=["codes", "Nope", "--school", "A", "--group", "student", "--count", "3"])
    assert result.exit_code != 0 and "There is no administration 'Nope'" in result.output


def test_web_code_batch_as_sheet_and_csv(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    sheet = client.post(f"/administrations/{administration.id}/codes",
                        data={"school": world.school_a.id, "group": "student", "count": 12, "output": "sheet"})
    assert sheet.status_code == 200
    html = sheet.get_data(as_text=True)
    codes = re.findall(r'href="http://127.0.0.1:5000/s/([A-Z0-9-]+)"', html)
    assert len(codes) == 12 and all(CODE_RE.match(c) for c in codes)
    assert "/administrations/slips.css" in html and "<style" not in html  # the CSP forbids inline styles
    assert client.get("/administrations/slips.css").mimetype == "text/css"

    download = client.post(f"/administrations/{administration.id}/codes",
                           data={"school": world.school_b.id, "group": "parent", "count": 3, "output": "csv"})
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [r["link"] for r in rows] == [f"http://127.0.0.1:5000/s/{r['code']}" for r in rows]

    # later: every unused code of a school and group
    all_a = client.get(f"/administrations/{administration.id}/codes.csv?school={world.school_a.id}&group=student")
    assert sorted(r["code"] for r in csv.DictReader(io.StringIO(all_a.get_data(as_text=True)))) == sorted(codes)
    again = client.get(f"/administrations/{administration.id}/codes/sheet?school={world.school_a.id}&group=student")
    assert again.get_data(as_text=True).count('class="slip"') == 12
    detail = client.get(f"/administrations/{administration.id}").get_data(as_text=True)
    assert "School A, students (12 unused)" in detail and "School B, parents and guardians (3 unused)" in detail
    assert "School A, instructional staff" not in detail  # no codes made there, so no empty link


@pytest.mark.parametrize("value", ["0", "5001", "many", ""])
def test_web_code_count_limits(client, auth, administration, world, value):
    auth.sign_in("staff1@d1.example")
    response = client.post(f"/administrations/{administration.id}/codes",
                           data={"school": world.school_a.id, "group": "student", "count": value, "output": "csv"})
    assert response.status_code == 400
    assert "Ask for between 1 and 5,000 codes at a time." in response.get_data(as_text=True)
    assert count(AccessCode) == 0


def test_web_codes_for_a_school_outside_the_administration_are_refused(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    response = client.post(f"/administrations/{administration.id}/codes",
                           data={"school": world.school_c.id, "group": "student", "count": 3})
    assert response.status_code == 400
    assert count(AccessCode) == 0


def test_open_link_is_created_once_per_school_and_group(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    url = f"/administrations/{administration.id}/open-links"
    first = client.post(url, data={"school": world.school_a.id, "group": "parent"}, follow_redirects=True)
    link = db.session.scalar(select(OpenLink))
    assert len(link.token) >= 20
    assert f"http://127.0.0.1:5000/o/{link.token}" in first.get_data(as_text=True)
    client.post(url, data={"school": world.school_a.id, "group": "parent"})
    assert count(OpenLink) == 1
    client.post(url, data={"school": world.school_b.id, "group": "parent"})
    assert count(OpenLink) == 2


# --- extend, delete ---------------------------------------------------------------------------------

def test_extend_close_date(client, auth, administration):
    auth.sign_in("staff1@d1.example")
    url = f"/administrations/{administration.id}/extend"
    old = administration.closes_at
    earlier = client.post(url, data={"closes": "2020-01-01T08:00"})
    assert earlier.status_code == 400
    assert "The new close date must be later than the current one." in earlier.get_data(as_text=True)
    db.session.refresh(administration)
    assert administration.closes_at == old
    later = (old + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, data={"closes": later}).status_code == 302
    db.session.refresh(administration)
    assert administration.closes_at > old + dt.timedelta(days=29)


def test_delete_only_without_answers(client, auth, administration, world, issue):
    auth.sign_in("staff1@d1.example")
    code = issue(administration, world.school_a)[0]
    _respond(administration, world.school_a, "student", code, "submitted")
    page = client.get(f"/administrations/{administration.id}")
    assert b"can no longer change" in page.data and b"Delete this administration" not in page.data
    client.post(f"/administrations/{administration.id}/delete")
    assert count(Administration) == 1

    now = dt.datetime(2027, 1, 1)
    from climate.administer.service import create_administration
    other = create_administration(world.d1, "Empty", now, now + dt.timedelta(days=5), [world.school_a], ["student"])
    db.session.commit()
    other_id = other.id
    assert client.post(f"/administrations/{other_id}/delete").status_code == 302
    assert db.session.get(Administration, other_id) is None


# --- status ----------------------------------------------------------------------------------------

def _respond(administration, school, group, code, status, opted_out=False):
    row = db.session.scalar(select(AccessCode).where(AccessCode.code == code))
    if opted_out:
        row.status = "opted_out"
    else:
        row.status = "submitted" if status == "submitted" else "started"
        response = Response(access_code_id=row.id, administration_id=administration.id, school_id=school.id,
                            respondent_group=group, status=status, started_on=dt.date.today(),
                            submitted_on=dt.date.today() if status == "submitted" else None)
        db.session.add(response)
        db.session.flush()
        db.session.add(Answer(response_id=response.id, item_id="S_CUL_01", value=1))
    db.session.commit()


@pytest.fixture
def answered(administration, world, issue):
    a_codes = issue(administration, world.school_a, "student", 10)
    for code in a_codes[:4]:
        _respond(administration, world.school_a, "student", code, "submitted")
    _respond(administration, world.school_a, "student", a_codes[4], "in_progress")
    _respond(administration, world.school_a, "student", a_codes[5], "incomplete")
    _respond(administration, world.school_a, "student", a_codes[6], None, opted_out=True)
    b_codes = issue(administration, world.school_b, "parent", 5)
    for code in b_codes[:3]:
        _respond(administration, world.school_b, "parent", code, "submitted")
    world.school_b.enrollment_parent = 0
    db.session.commit()
    return administration


def _status_rows(html):
    rows = {}
    for school, group, cells in re.findall(
            r'<tr data-school="(\d+)" data-group="(\w+)">.*?</td>(.*?)</tr>', html, re.S):
        rows[(int(school), group)] = re.findall(r'<td class="num">(.*?)</td>', cells)
    return rows


def test_status_for_district_staff_shows_every_school(client, auth, answered, world):
    auth.sign_in("staff1@d1.example")
    html = client.get(f"/administrations/{answered.id}/status").get_data(as_text=True)
    rows = _status_rows(html)
    assert rows[(world.school_a.id, "student")] == ["10", "2", "4", "1", "200", "0", "2%"]
    assert rows[(world.school_b.id, "parent")] == ["5", "0", "3", "0", "0", "0", "—"]
    assert rows[(world.school_b.id, "student")] == ["0", "0", "0", "0", "200", "0", "0%"]
    assert len(rows) == 6  # 2 schools x 3 groups
    total = re.search(r'<tr class="total">(.*?)</tr>', html, re.S).group(1)
    # 7 submitted of 200+30+150 (A) + 200+30+0 (B) = 610
    assert re.findall(r'<td class="num">(.*?)</td>', total) == ["15", "2", "7", "1", "610", "0", "1%"]


def test_status_for_a_principal_shows_only_their_school(client, auth, answered, world):
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/administrations/{answered.id}/status").get_data(as_text=True)
    rows = _status_rows(html)
    assert {school for school, _ in rows} == {world.school_a.id}
    assert "School B" not in html
    listing = client.get("/administrations").get_data(as_text=True)
    assert "Spring survey" in listing and "Response status" in listing


def test_status_for_a_principal_without_a_school_in_it_is_403(client, auth, world):
    from climate.administer.service import create_administration
    now = dt.datetime(2027, 1, 1)
    admin = create_administration(world.d1, "B only", now, now + dt.timedelta(days=5), [world.school_b], ["student"])
    db.session.commit()
    auth.sign_in("principal.a@d1.example")
    assert client.get(f"/administrations/{admin.id}/status").status_code == 403


def test_status_cli_prints_the_same_table(runner, answered):
    result = runner.invoke(args=["status", "Spring survey"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    a_students = next(line for line in lines if line.startswith("School A") and "Students" in line)
    assert a_students.split()[-5:] == ["10", "2", "4", "1", "2%"]
    b_parents = next(line for line in lines if line.startswith("School B") and "Parents" in line)
    assert b_parents.split()[-5:] == ["5", "0", "3", "0", "—"]
    assert lines[-1].split() == ["Total", "15", "2", "7", "1", "1%"]


def test_status_queries_are_grouped_not_per_response(app, answered):
    """The status counts come from GROUP BY queries: the number of statements does not grow with responses."""
    from sqlalchemy import event

    from climate.administer.service import status_table
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status_table(answered)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert sum("GROUP BY" in s for s in statements) == 2
    assert not any("FROM answer" in s for s in statements)
