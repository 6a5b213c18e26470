"""Exports (de-identified response files, group results) and the import of responses."""
import csv
import datetime as dt
import hashlib
import io
import re
import threading

import pytest
from sqlalchemy import func, select

from climate.administer.service import create_administration, pinned_instrument
from climate.exports.importing import ImportFailed, import_responses
from climate.exports.responses import response_table, responses_csv
from climate.extensions import db
from climate.models import AccessCode, Answer, ImportRecord, Response
from climate.results import cells, current_run, index_cells
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from surveys.codebook import codebook


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def count(model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


@pytest.fixture
def filled(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 120, (world.school_b.id, "student"): 100,
              (world.school_a.id, "instructional_staff"): 15, (world.school_b.id, "instructional_staff"): 12,
              (world.school_a.id, "parent"): 11}
    scored_run("test_exports.filled", counts, seed=3)
    return administration


@pytest.fixture
def staff(auth, world):
    auth.sign_in(world.staff1.email)
    return auth


def test_response_csv_is_de_identified_with_codebook_names(filled, client, staff):
    response = client.get(f"/exports/administrations/{filled.id}/student/restricted/responses.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    header, rows = read_csv(text)
    instrument, custom = pinned_instrument(filled.group("student"))
    book = [r.variable for r in codebook(instrument, sro=True, custom=custom)]
    assert header[:7] == ["ROW", "ADMINISTRATION", "SCHOOL", "NCES_ID", "GROUP", "LANGUAGE", "STATUS"]
    assert header[7:7 + len(book)] == book
    assert "C01" in header and "S_SRO_KNOW" in header and "S_RACE_16" in header
    assert "SS_RELATIONSHIPS" in header and "SS_ENGAGEMENT" in header and "PL_RELATIONSHIPS" in header
    submitted = count(Response, administration_id=filled.id, respondent_group="student", status="submitted")
    assert len(rows) == submitted
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert {r[6] for r in rows} == {"submitted"}
    # no access code, no dates, no database ids anywhere
    codes = db.session.scalars(select(AccessCode.code).where(AccessCode.administration_id == filled.id)).all()
    assert not any(code in text for code in codes)
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", text)
    assert "id" not in [h.lower() for h in header]
    # rows: by school, and not in the order of the database ids
    schools = [r[2] for r in rows]
    assert schools == sorted(schools)
    # scale scores and levels are filled in and consistent
    ss, pl = header.index("SS_RELATIONSHIPS"), header.index("PL_RELATIONSHIPS")
    for r in rows:
        if r[ss]:
            score = float(r[ss])
            assert r[pl] == ("1" if score < 300 else "2" if score <= 400 else "3")
    race = [header.index(h) for h in header if h.startswith("S_RACE_")]
    assert all(r[j] in ("", "0", "1") for r in rows for j in race)


def test_rows_are_not_in_submission_order(filled):
    table = response_table(filled, "student", "restricted")
    ids = db.session.scalars(select(Response.id).where(
        Response.administration_id == filled.id, Response.respondent_group == "student",
        Response.status == "submitted").order_by(Response.id)).all()
    header = [c.name for c in table.columns]
    item = header.index(codebook(pinned_instrument(filled.group("student"))[0])[0].variable)
    answers = dict(db.session.execute(select(Answer.response_id, Answer.value).where(
        Answer.response_id.in_(ids), Answer.item_id == header[item])).all())
    in_id_order = [answers.get(i) for i in ids]
    assert [r[item] for r in table.rows] != in_id_order
    assert response_table(filled, "student", "restricted").rows == table.rows  # deterministic


def test_incomplete_responses_only_on_request(filled, client, staff):
    _, rows = read_csv(client.get(f"/exports/administrations/{filled.id}/student/restricted/responses.csv?incomplete=1")
                       .get_data(as_text=True))
    assert len(rows) == count(Response, administration_id=filled.id, respondent_group="student")
    assert "in_progress" in {r[6] for r in rows}


def test_sav_reads_back_with_labels(filled, client, staff, tmp_path):
    import pyreadstat

    response = client.get(f"/exports/administrations/{filled.id}/student/restricted/responses.sav")
    assert response.status_code == 200
    path = tmp_path / "students.sav"
    path.write_bytes(response.data)
    frame, meta = pyreadstat.read_sav(str(path))
    instrument, custom = pinned_instrument(filled.group("student"))
    first = instrument.items[0]
    assert len(frame) == count(Response, administration_id=filled.id, respondent_group="student", status="submitted")
    assert meta.column_names_to_labels[first.id] == first.text["en"]
    assert meta.variable_value_labels[first.id][1.0] == first.scale.labels["en"][0]
    assert meta.variable_value_labels["PL_RELATIONSHIPS"][3.0] == "Most Favorable"
    assert meta.variable_value_labels["C01"][1.0] == "Yes"
    assert frame[first.id].isna().any()  # missing answers are system missing
    assert set(frame["SCHOOL"]) == {"School A", "School B"}


def test_group_results_csv_marks_suppressed_cells(filled, client, staff):
    response = client.get(f"/exports/administrations/{filled.id}/results.csv")
    assert response.status_code == 200
    header, rows = read_csv(response.get_data(as_text=True))
    run = current_run(filled.id)
    stored = cells(run, subgroup=None)
    assert len(rows) == len(stored)
    n_suppressed = sum(c["suppressed"] for c in stored)
    assert n_suppressed > 0
    status, numbers = header.index("status"), [header.index(k) for k in ("n", "mean", "se", "ci_low", "ci_high",
                                                                            "pct_answered_favorably", "count_1",
                                                                            "pct_1")]
    suppressed = [r for r in rows if r[status] == "suppressed"]
    assert len(suppressed) == n_suppressed
    assert all(r[j] == "" for r in suppressed for j in numbers)
    assert {r[0] for r in rows} == {"School A", "School B", "District"}
    # a reported school cell carries the stored numbers
    cell = next(c for c in stored if c["school_id"] == filled.schools[0].id and c["measure"] == "relationships"
                and c["subgroup"] is None and c["group"] == "student")
    row = next(r for r in rows if r[0] == filled.schools[0].name and r[header.index("measure")] == "relationships"
               and r[header.index("subgroup")] == "" and r[header.index("group")] == "student")
    assert int(row[header.index("n")]) == cell["n"] and float(row[header.index("mean")]) == pytest.approx(cell["mean"])
    # per group
    _, student_rows = read_csv(client.get(f"/exports/administrations/{filled.id}/results.csv?group=student")
                               .get_data(as_text=True))
    assert {r[header.index("group")] for r in student_rows} == {"student"}


def test_notes_and_page(filled, client, staff):
    page = client.get(f"/exports/administrations/{filled.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "restricted/responses.sav" in body and "shareable/responses.csv" in body and "results.csv" in body
    assert "Restricted: these files contain small groups." in body
    notes = client.get(f"/exports/administrations/{filled.id}/notes.txt")
    assert notes.status_code == 200 and b"no dates" in notes.data


def test_access_rules(filled, client, auth, world):
    urls = [f"/exports/administrations/{filled.id}", f"/exports/administrations/{filled.id}/student/restricted/responses.csv",
            f"/exports/administrations/{filled.id}/results.csv", f"/exports/administrations/{filled.id}/notes.txt"]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous -> sign in
    assert client.post(f"/exports/administrations/{filled.id}/import").status_code == 302
    auth.sign_in(world.principal_a.email)
    for url in urls:
        assert client.get(url).status_code == 403
    auth.sign_out()
    auth.sign_in(world.staff2.email)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(f"/exports/administrations/{filled.id}/import", data={"group": "student"}).status_code == 404
    auth.sign_out()
    auth.sign_in(world.staff1.email)
    assert client.get(f"/exports/administrations/{filled.id}/noninstructional_staff/shareable/responses.csv").status_code == 404


# --- import -------------------------------------------------------------------------------------

def _paper_csv(administration, rows):
    instrument, _ = pinned_instrument(administration.group("student"))
    items = [it.id for it in instrument.items[:5]]
    header = items + ["S_GRADE", "S_SEX", "S_RACE_4", "S_RACE_16"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(), items


def test_import_happy_path(administration, world, client, staff):
    data, items = _paper_csv(administration, [["1", "2", "3", "4", "", "7", "1", "1", "1"],
                                              ["4", "4", "", "1", "2", "8", "2", "0", "1"]])
    response = client.post(f"/exports/administrations/{administration.id}/import",
                           data={"group": "student", "school": str(world.school_a.id),
                                 "file": (io.BytesIO(data), "paper.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert b"Imported 2 students responses" in response.data or b"Imported 2 " in response.data
    imported = db.session.scalars(select(Response).where(Response.administration_id == administration.id)).all()
    assert len(imported) == 2
    assert all(r.imported and r.status == "submitted" and r.submitted_on == dt.date.today()
               and r.school_id == world.school_a.id for r in imported)
    codes = db.session.scalars(select(AccessCode).where(AccessCode.administration_id == administration.id)).all()
    assert {(c.source, c.status) for c in codes} == {("imported", "submitted")} and len(codes) == 2
    stored = {(a.item_id, a.value) for r in imported for a in r.answers}
    assert (items[0], 1) in stored and (items[0], 4) in stored and ("S_RACE", 20) in stored and ("S_RACE", 16) in stored
    assert ("S_GRADE", 7) in stored and all(v != 0 for _, v in stored)


def test_import_errors_by_row_and_column_and_nothing_imported(administration, world, client, staff):
    data, items = _paper_csv(administration, [["1", "2", "3", "4", "1", "7", "1", "1", "1"],
                                              ["1", "7", "3", "4", "1", "7", "1", "1", "1"],
                                              ["1", "2", "3", "4", "1", "3", "1", "2", "0"]])
    before = count(Response), count(AccessCode), count(Answer)
    response = client.post(f"/exports/administrations/{administration.id}/import",
                           data={"group": "student", "school": str(world.school_a.id),
                                 "file": (io.BytesIO(data), "paper.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f"row 3, column {items[1]}: 7 is not one of 1, 2, 3 or 4" in body
    assert "row 4, column S_GRADE: 3 is not one of" in body
    assert "row 4, column S_RACE_4: 2 is not 0 or 1" in body
    assert "Nothing was imported" in body
    assert (count(Response), count(AccessCode), count(Answer)) == before


def test_one_bad_row_among_many_imports_nothing(administration, world, app):
    good = ["1", "2", "3", "4", "1", "7", "1", "0", "1"]
    rows = [good] * 999 + [["1", "2", "3", "4", "1", "7", "9", "0", "1"]]
    data, _ = _paper_csv(administration, rows)
    with pytest.raises(ImportFailed) as caught:
        import_responses(administration, "student", data, world.school_a)
    assert caught.value.errors == ["row 1001, column S_SEX: 9 is not one of 1, 2 or 99"]
    assert count(Response) == 0 and count(AccessCode) == 0
    # an unknown column and a school outside the administration are refused too
    with pytest.raises(ImportFailed) as caught:
        import_responses(administration, "student", b"S_NAME," + data.split(b",", 1)[1], world.school_a)
    assert any("column S_NAME" in e for e in caught.value.errors)
    with pytest.raises(ImportFailed):
        import_responses(administration, "student", data, world.school_c)
    assert count(Response) == 0


def test_import_too_large_and_too_many_rows(administration, world, client, staff, app):
    app.config["IMPORT_MAX_BYTES"] = 1000
    data, _ = _paper_csv(administration, [["1", "2", "3", "4", "1", "7", "1", "0", "1"]] * 100)
    response = client.post(f"/exports/administrations/{administration.id}/import",
                           data={"group": "student", "school": str(world.school_a.id),
                                 "file": (io.BytesIO(data), "paper.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert b"too large" in response.data and count(Response) == 0
    with pytest.raises(ImportFailed) as caught:
        import_responses(administration, "student", data, world.school_a, max_rows=50)
    assert "more than 50 rows" in caught.value.errors[0]


def test_import_needs_the_csrf_token(csrf_app, world):
    admin = create_administration(world.d1, "Paper", dt.datetime(2030, 1, 1), dt.datetime(2030, 2, 1),
                                  [world.school_a], ["student"])
    db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) or token.group(2)
    client.post("/auth/sign-in", data={"email": world.staff1.email, "password": "correct horse battery staple",
                                       "csrf_token": token})
    # Signing in starts a new CSRF secret: the page's token from before is no good any more.
    page = client.get("/auth/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) or token.group(2)
    data, _ = _paper_csv(admin, [["1", "2", "3", "4", "1", "7", "1", "0", "1"]])
    response = client.post(f"/exports/administrations/{admin.id}/import",
                           data={"group": "student", "school": str(world.school_a.id),
                                 "file": (io.BytesIO(data), "paper.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400 and count(Response) == 0
    response = client.post(f"/exports/administrations/{admin.id}/import",
                           data={"group": "student", "school": str(world.school_a.id), "csrf_token": token,
                                 "file": (io.BytesIO(data), "paper.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303 and count(Response) == 1
    [record] = db.session.scalars(select(ImportRecord)).all()
    undo_url = f"/exports/administrations/{admin.id}/imports/{record.id}/undo"
    assert client.post(undo_url).status_code == 400 and count(Response) == 1
    page = client.get(f"/exports/administrations/{admin.id}").get_data(as_text=True)
    token = re.search(r'/undo">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(undo_url, data={"csrf_token": token}).status_code == 303 and count(Response) == 0


def _ten_rows(administration, first="1"):
    return _paper_csv(administration, [[first, "2", "3", "4", str(1 + i % 4), "7", "1", "0", "1"] for i in range(10)])[0]


def test_the_same_file_twice_is_refused_naming_the_earlier_import(administration, world, client, staff):
    data = _ten_rows(administration)
    url = f"/exports/administrations/{administration.id}/import"

    def post():
        return client.post(url, data={"group": "student", "school": str(world.school_a.id),
                                      "file": (io.BytesIO(data), "paper.csv")}, content_type="multipart/form-data")
    assert post().status_code == 303 and count(Response) == 10
    before = count(Response), count(AccessCode), count(Answer)
    response = post()
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "already imported" in body and world.staff1.email in body and f"{dt.datetime.utcnow():%Y-%m-%d}" in body
    assert (count(Response), count(AccessCode), count(Answer)) == before
    # the command line refuses it too, and names who imported it
    with pytest.raises(ImportFailed) as caught:
        import_responses(administration, "student", data, world.school_a)
    assert world.staff1.email in str(caught.value)
    [record] = db.session.scalars(select(ImportRecord)).all()
    assert (record.n_rows, record.respondent_group, record.school_id, record.user_id, record.state) == (
        10, "student", world.school_a.id, world.staff1.id, "imported")
    assert record.sha256 == hashlib.sha256(data).hexdigest() and len(record.response_ids) == 10


def test_concurrent_imports_of_one_file_store_it_once(administration, world, app):
    data = _ten_rows(administration)
    admin_id, school_id = administration.id, world.school_a.id
    barrier, outcomes = threading.Barrier(4), []

    def work():
        with app.app_context():
            admin = db.session.get(type(administration), admin_id)
            school = db.session.get(type(world.school_a), school_id)
            barrier.wait(timeout=30)
            try:
                outcomes.append(import_responses(admin, "student", data, school))
            except ImportFailed as exc:
                outcomes.append(str(exc))
            finally:
                db.session.remove()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes, key=str)[0] == 10 and all("already imported" in o for o in outcomes if o != 10)
    assert outcomes.count(10) == 1 and len(outcomes) == 4
    assert count(Response) == 10 and count(ImportRecord) == 1


def test_an_import_is_undone_exactly_until_the_administration_is_scored(administration, world, client, staff):
    first, second = _ten_rows(administration), _ten_rows(administration, first="4")
    import_responses(administration, "student", first, world.school_a)
    import_responses(administration, "student", second, world.school_b)
    old, new = db.session.scalars(select(ImportRecord).order_by(ImportRecord.id)).all()
    kept, undone = set(new.response_ids), set(old.response_ids)
    old_id, new_id, admin_id = old.id, new.id, administration.id
    page = client.get(f"/exports/administrations/{admin_id}").get_data(as_text=True)
    assert page.count("Undo this import") == 2 and "the command line" in page
    response = client.post(f"/exports/administrations/{admin_id}/imports/{old_id}/undo", follow_redirects=True)
    assert "10 students responses were deleted" in response.get_data(as_text=True)
    assert set(db.session.scalars(select(Response.id))) == kept
    assert count(Answer) == db.session.scalar(select(func.count()).select_from(Answer).where(
        Answer.response_id.in_(kept))) > 0 and count(AccessCode) == 10
    assert db.session.get(ImportRecord, old_id).state == "undone" and not undone & kept
    # an undone file may be imported again
    assert import_responses(db.session.get(type(administration), admin_id), "student", first, world.school_a) == 10
    score_administration(db.session.get(type(administration), admin_id))
    response = client.post(f"/exports/administrations/{admin_id}/imports/{new_id}/undo", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "was not undone" in body and "scored on" in body and count(Response) == 20
    assert "Undo this import" not in body and "cannot be undone" in body
    other = create_administration(world.d1, "Other", dt.datetime(2030, 1, 1), dt.datetime(2030, 2, 1),
                                  [world.school_a], ["student"])
    db.session.commit()
    assert client.post(f"/exports/administrations/{other.id}/imports/{new_id}/undo").status_code == 404


def test_an_unterminated_quote_is_refused_naming_its_line(administration, world):
    data = _ten_rows(administration).replace(b"\n1,2,3,4,3,", b'\n1,"2,3,4,3,', 1)
    with pytest.raises(ImportFailed) as caught:
        import_responses(administration, "student", data, world.school_a)
    assert caught.value.errors[0].startswith("line 4: a quoted cell is never closed")
    assert count(Response) == 0 and count(ImportRecord) == 0


# --- round trip ------------------------------------------------------------------------------------

def test_export_then_import_gives_the_same_results(filled, world, app):
    """simulate -> score -> export -> import into a fresh administration -> score: same group results."""
    fresh = create_administration(
        world.d1, "Re-imported", dt.datetime.now() - dt.timedelta(days=10), dt.datetime.now() + dt.timedelta(days=10),
        [world.school_a, world.school_b], ["student", "instructional_staff", "parent"], sro_module=True,
        custom_items={"student": [{"text": {"en": "Do you ride the bus?", "es": "¿Vas en autobús?"},
                                   "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]}]})
    db.session.commit()
    for group in ("student", "instructional_staff", "parent"):
        text = responses_csv(response_table(filled, group, "restricted"))
        n = import_responses(fresh, group, text.encode())
        assert n == count(Response, administration_id=filled.id, respondent_group=group, status="submitted")
    old_run, new_run = current_run(filled.id), score_administration(fresh)
    old = index_cells(cells(old_run, subgroup=False))
    new = index_cells(cells(new_run, subgroup=False))
    assert old.keys() == new.keys()
    for key, cell in old.items():
        other = new[key]
        assert (cell["n"], cell["suppressed"]) == (other["n"], other["suppressed"]), key
        if cell["mean"] is not None:
            assert other["mean"] == pytest.approx(cell["mean"], abs=1e-6), key
        assert cell["counts"] == other["counts"], key
    # subgroup cells agree where no background answer was blanked (here: sex, in these big groups)
    old_sex = index_cells(cells(old_run, subgroup="sex", group="student"))
    new_sex = index_cells(cells(new_run, subgroup="sex", group="student"))
    for key, cell in old_sex.items():  # the restricted file keeps every background answer
        assert new_sex[key]["n"] == cell["n"], key


# --- command line ----------------------------------------------------------------------------------

def test_cli_export_and_import(filled, world, runner, tmp_path):
    out = tmp_path / "students.csv"
    result = runner.invoke(args=["export", str(filled.id), "--group", "student", "--tier", "restricted",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    header, rows = read_csv(out.read_text())
    assert header[0] == "ROW" and len(rows) == count(Response, administration_id=filled.id,
                                                      respondent_group="student", status="submitted")
    sav = tmp_path / "students.sav"
    assert runner.invoke(args=["export", filled.name, "--group", "student", "--format", "sav",
                               "--output", str(sav)]).exit_code == 0
    assert sav.read_bytes()[:4] == b"$FL2"
    results = tmp_path / "results.csv"
    assert runner.invoke(args=["export", str(filled.id), "--format", "results", "--output", str(results)]).exit_code == 0
    assert "suppressed" in results.read_text()

    fresh = create_administration(world.d1, "Paper forms", dt.datetime(2030, 1, 1), dt.datetime(2030, 2, 1),
                                  [world.school_a, world.school_b], ["student"], sro_module=True,
                                  custom_items={"student": [{"text": {"en": "Bus?", "es": "¿Autobús?"},
                                                             "options": [{"en": "Yes", "es": "Sí"},
                                                                         {"en": "No", "es": "No"}]}]})
    db.session.commit()
    # one school's rows, with --school: the SCHOOL column must then name that school
    school_a_rows = [r for r in rows if r[2] == "School A"]
    only_a = tmp_path / "a.csv"
    only_a.write_text("\n".join(",".join(r) for r in [header] + school_a_rows) + "\n")
    result = runner.invoke(args=["import-responses", "Paper forms", str(only_a), "--group", "student",
                                 "--school", "School A"])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(school_a_rows)}" in result.output
    result = runner.invoke(args=["import-responses", "Paper forms", str(out), "--group", "student",
                                 "--school", "School A"])
    assert result.exit_code != 0 and "column SCHOOL: 'School B' is not 'School A'" in result.output
    assert "Nothing was imported" in result.output
    assert count(Response, administration_id=fresh.id) == len(school_a_rows)


def test_upload_larger_than_the_app_wide_limit_is_accepted(administration, world, client, staff, app):
    """The app refuses bodies over MAX_CONTENT_LENGTH (256 KB); the import route allows 20 MB."""
    data, _ = _paper_csv(administration, [["1", "2", "3", "4", "1", "7", "1", "0", "1"]] * 16000)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = client.post(f"/exports/administrations/{administration.id}/import",
                           data={"group": "student", "school": str(world.school_a.id),
                                 "file": (io.BytesIO(data), "paper.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert count(Response, administration_id=administration.id, imported=True) == 16000


def test_empty_administration_exports_headers_only(administration, client, staff, tmp_path):
    import pyreadstat

    text = client.get(f"/exports/administrations/{administration.id}/student/restricted/responses.csv").get_data(as_text=True)
    header, rows = read_csv(text)
    assert header[0] == "ROW" and rows == []
    sav = client.get(f"/exports/administrations/{administration.id}/parent/restricted/responses.sav")
    assert sav.status_code == 200
    (tmp_path / "p.sav").write_bytes(sav.data)
    frame, _ = pyreadstat.read_sav(str(tmp_path / "p.sav"))
    assert len(frame) == 0
    # not scored yet: no results file, a message instead
    response = client.get(f"/exports/administrations/{administration.id}/results.csv", follow_redirects=True)
    assert b"has not been scored yet" in response.data
    assert b"not been scored yet" in client.get(f"/exports/administrations/{administration.id}").data


# --- the two export tiers (issue 11) -----------------------------------------------------------------

QUASI_COLUMNS = {"student": ["SCHOOL", "GROUP", "LANGUAGE", "S_GRADE", "S_SEX", "S_HISP", "S_RACE", "S_LANG"],
                 "instructional_staff": ["SCHOOL", "GROUP", "LANGUAGE", "T_ROLE", "T_YEARS"],
                 "noninstructional_staff": ["SCHOOL", "GROUP", "LANGUAGE", "N_ROLE", "N_YEARS"],
                 "parent": ["SCHOOL", "GROUP", "LANGUAGE", "P_GRADE"]}


def shareable_frame(client, administration, group):
    import pandas as pd

    response = client.get(f"/exports/administrations/{administration.id}/{group}/shareable/responses.csv")
    assert response.status_code == 200
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype=str, keep_default_na=False)


def assert_k_anonymous(frame, group, k):
    """An independent check: every combination of the quasi-identifiers read back from the CSV has k rows."""
    sizes = frame.groupby(QUASI_COLUMNS[group], dropna=False).size()
    assert len(frame) == 0 or sizes.min() >= k, sizes[sizes < k]


def test_restricted_files_are_district_staff_only_and_every_download_is_recorded(filled, client, auth, world):
    from climate.models import ExportDownload

    base = f"/exports/administrations/{filled.id}/student"
    auth.sign_in(world.principal_a.email)
    assert client.get(f"{base}/restricted/responses.csv").status_code == 403
    assert client.get(f"{base}/restricted/responses.sav").status_code == 403
    auth.sign_out()
    assert count(ExportDownload) == 0
    auth.sign_in(world.staff1.email)
    assert client.get(f"{base}/shareable/responses.csv").status_code == 200  # not a restricted file: not recorded
    assert count(ExportDownload) == 0
    assert client.get(f"{base}/restricted/responses.csv").status_code == 200
    assert client.get(f"{base}/restricted/responses.sav?incomplete=1").status_code == 200
    downloads = db.session.scalars(select(ExportDownload).order_by(ExportDownload.id)).all()
    assert [(d.user_email, d.administration_id) for d in downloads] == [(world.staff1.email, filled.id)] * 2
    assert [d.filename for d in downloads] == ["spring-survey-student-restricted-responses.csv",
                                               "spring-survey-student-restricted-responses-all.sav"] or all(
        "student-restricted-responses" in d.filename for d in downloads)
    body = client.get(f"/exports/administrations/{filled.id}").get_data(as_text=True)
    listed = body[body.index('id="downloads"'):]
    assert listed.index(downloads[1].filename) < listed.index(downloads[0].filename + "<")  # newest first
    assert world.staff1.email in listed
    notes = client.get(f"{base}/restricted/notes.txt").get_data(as_text=True)
    assert "RESTRICTED: it contains small groups" in notes


def test_shareable_file_is_k_anonymous_with_its_loss_and_l_diversity_in_the_notes(filled, client, staff, app, tmp_path):
    import pyreadstat

    k = app.config["SUPPRESSION_MIN"]
    for group in ("student", "parent"):
        frame = shareable_frame(client, filled, group)
        assert len(frame) == count(Response, administration_id=filled.id, respondent_group=group, status="submitted")
        assert_k_anonymous(frame, group, k)
    frame = shareable_frame(client, filled, "student")
    scores = [v for v in frame["SS_RELATIONSHIPS"] if v]
    assert scores and all(re.fullmatch(r"\d+", v) for v in scores)  # whole scale points
    assert not [c for c in frame.columns if c.startswith("S_RACE_")]  # race is one generalised column
    notes = client.get(f"/exports/administrations/{filled.id}/student/shareable/notes.txt").get_data(as_text=True)
    assert "Information loss" in notes and re.search(r"race\s+[\d.]+%\s+[\d.]+%\s+[\d.]+%", notes)
    assert re.search(r"l-diversity.*\n(.*\n)*.*Relationships: l = \d+", notes)
    sav = client.get(f"/exports/administrations/{filled.id}/student/shareable/responses.sav")
    (tmp_path / "s.sav").write_bytes(sav.data)
    data, meta = pyreadstat.read_sav(str(tmp_path / "s.sav"), user_missing=True)
    assert meta.missing_ranges["S_GRADE"] == [{"lo": 999.0, "hi": 999.0}]
    assert "withheld" in meta.variable_value_labels["S_GRADE"][999.0]
    assert meta.file_label.startswith("Shareable")
    restricted = client.get(f"/exports/administrations/{filled.id}/student/restricted/responses.sav")
    (tmp_path / "r.sav").write_bytes(restricted.data)
    _, rmeta = pyreadstat.read_sav(str(tmp_path / "r.sav"), metadataonly=True, user_missing=True)
    assert rmeta.missing_ranges["S_GRADE"] == [{"lo": 99.0, "hi": 99.0}]  # "Prefer not to say"
    assert rmeta.file_label.startswith("RESTRICTED")


def _set_answers(response_ids, item_id, value):
    db.session.execute(Answer.__table__.delete().where(Answer.response_id.in_(response_ids), Answer.item_id == item_id))
    db.session.execute(Answer.__table__.insert(), [{"response_id": r, "item_id": item_id, "value": value}
                                                   for r in response_ids])
    db.session.commit()


def test_three_staff_of_a_school_are_not_listed_with_their_school(world, client, staff, app):
    """Leak 3: a school's 3 noninstructional staff, school named, every answer."""
    admin = create_administration(world.d1, "Staff survey", dt.datetime.now() - dt.timedelta(days=10),
                                  dt.datetime.now() + dt.timedelta(days=10), [world.school_a, world.school_b],
                                  ["noninstructional_staff"], sro_module=False)
    db.session.commit()
    simulate_administration(admin, {(world.school_a.id, "noninstructional_staff"): 3,
                                    (world.school_b.id, "noninstructional_staff"): 24}, seed=4, missing=0.0)
    score_administration(admin)
    frame = shareable_frame(client, admin, "noninstructional_staff")
    assert_k_anonymous(frame, "noninstructional_staff", app.config["SUPPRESSION_MIN"])
    assert "School A" not in set(frame["SCHOOL"])


def test_rows_withheld_for_a_hidden_grade_are_not_recognisable(administration, world, client, staff, app):
    """Leak 4: the blank-grade rows of a school must not be exactly its hidden grade."""
    simulate_administration(administration, {(world.school_a.id, "student"): 90,
                                             (world.school_b.id, "student"): 60}, seed=8, missing=0.0)
    ids = db.session.scalars(select(Response.id).where(
        Response.administration_id == administration.id, Response.school_id == world.school_a.id,
        Response.status == "submitted").order_by(Response.id)).all()
    _set_answers(ids[:7], "S_GRADE", 6)
    _set_answers(ids[7:50], "S_GRADE", 7)
    _set_answers(ids[50:], "S_GRADE", 8)
    run = score_administration(administration)
    hidden = {c["subgroup_value"]: c["reason"] for c in cells(run, subgroup="grade", group="student",
                                                                school_id=world.school_a.id) if c["suppressed"]}
    assert hidden.get("6") == "fewer"
    frame = shareable_frame(client, administration, "student")
    assert_k_anonymous(frame, "student", app.config["SUPPRESSION_MIN"])
    at_a = frame[frame["SCHOOL"] == "School A"]
    assert "6" not in set(at_a["S_GRADE"])
    blank = at_a[at_a["S_GRADE"] == ""]
    assert len(blank) != 7 and len(blank) >= app.config["SUPPRESSION_MIN"]


def test_a_group_too_small_for_a_shareable_file_is_told_so_on_the_exports_page(administration, world, client, staff):
    simulate_administration(administration, {(world.school_a.id, "student"): 6}, seed=2, missing=0.0)
    score_administration(administration)
    response = client.get(f"/exports/administrations/{administration.id}/student/shareable/responses.csv",
                          follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "has 6 respondents, fewer than 10: too small for a shareable file" in body
    assert client.get(f"/exports/administrations/{administration.id}/student/restricted/responses.csv").status_code == 200
