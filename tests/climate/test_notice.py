"""The parent notice (PPRA) in English and Spanish, opt-out counts (codes withheld, rate base),
the confirmation before deleting an administration, and the report of one still collecting."""
import html
import re

import pytest
from sqlalchemy import func, select

from climate.extensions import db
from climate.models import AccessCode, Administration, OptOut, Response


def text_of(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(body).split())


def notice_url(administration, school, lang="en"):
    return f"/administrations/{administration.id}/notice/{school.id}?lang={lang}"


def opt_out(client, administration, school, value):
    return client.post(f"/administrations/{administration.id}/opt-outs/{school.id}", data={"opted_out": value})


def codes(client, administration, school, n):
    return client.post(f"/administrations/{administration.id}/codes",
                       data={"school": school.id, "group": "student", "count": n, "output": "csv"})


# --- the notice ------------------------------------------------------------------------------------

def test_the_notice_states_dates_topics_privacy_and_opt_out_in_english(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    page = client.get(notice_url(administration, world.school_a))
    assert page.status_code == 200
    body = text_of(page)
    raw = page.get_data(as_text=True)
    assert '<html lang="en">' in raw and "notice.css" in raw and "<script" not in raw
    assert "Notice to parents and guardians: school climate survey" in body
    assert re.search(r"Between \w+ \d+, \d{4} and \w+ \d+, \d{4} ?, students at School A", body)
    # topics of the pinned student questionnaire, the SRO module and the custom question
    for topic in ("Mental health", "Substance abuse", "Bullying/cyberbullying", "Discipline"):
        assert topic in body
    assert "school resource officers" in body and "1 question added by the school or district" in body
    assert "Protection of Pupil Rights Amendment (PPRA)" in body and "mental or psychological problems" in body
    assert "never asks for a name" in body and "groups of at least 10 people" in body
    assert "How to opt your child out" in body and "records only how many students are opted out" in body
    assert "Return this slip only if you do NOT want your child to take the survey" in body
    assert "Versión en español" in body


def test_the_notice_in_spanish(client, auth, administration, world):
    auth.sign_in("principal.a@d1.example")
    page = client.get(notice_url(administration, world.school_a, "es"))
    assert page.status_code == 200
    body = text_of(page)
    assert '<html lang="es">' in page.get_data(as_text=True)
    assert "Aviso a madres, padres y tutores" in body
    assert re.search(r"Entre el \d+ de [a-z]+ de \d{4} y el \d+ de [a-z]+ de \d{4}", body)
    assert "Salud mental" in body and "Consumo de sustancias" in body and "problemas mentales o psicológicos" in body
    assert "La encuesta no pide el nombre" in body and "al menos 10 personas" in body
    assert "Cómo pedir que su hijo o hija no participe" in body and "English version" in body


def test_the_print_stylesheet_hides_the_toolbar(client):
    css = client.get("/administrations/notice.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert re.search(r"@media print \{.*\.toolbar \{ display: none; \}", css.get_data(as_text=True), re.S)


def test_who_may_print_the_notice(client, auth, administration, world):
    auth.sign_in("principal.b@d1.example")
    assert client.get(notice_url(administration, world.school_a)).status_code == 403
    assert client.get(notice_url(administration, world.school_b)).status_code == 200
    assert client.get(notice_url(administration, world.school_b, "fr")).status_code == 404
    auth.sign_out()
    auth.sign_in("staff2@d2.example")
    assert client.get(notice_url(administration, world.school_a)).status_code == 404


def test_no_notice_without_a_student_survey(client, auth, world):
    import datetime as dt

    from climate.administer.service import create_administration

    staff_only = create_administration(world.d1, "Staff only", dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 29),
                                       [world.school_a], ["instructional_staff"])
    db.session.commit()
    auth.sign_in("staff1@d1.example")
    response = client.get(notice_url(staff_only, world.school_a))
    assert response.status_code == 404 and "no student survey" in text_of(response)
    assert "Parent notice and opt-outs" not in text_of(client.get(f"/administrations/{staff_only.id}"))


# --- opt-outs --------------------------------------------------------------------------------------

def test_the_administration_page_links_the_notices_and_records_opt_outs(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    page = client.get(f"/administrations/{administration.id}").get_data(as_text=True)
    assert f"/notice/{world.school_a.id}?lang=es" in page and f"/opt-outs/{world.school_b.id}" in page
    response = opt_out(client, administration, world.school_a, "12")
    assert response.status_code == 302
    assert db.session.get(OptOut, (administration.id, world.school_a.id, "student")).opted_out == 12
    body = text_of(client.get(f"/administrations/{administration.id}"))
    assert "12 students opted out by their parents" in body
    opt_out(client, administration, world.school_a, "9")
    assert db.session.get(OptOut, (administration.id, world.school_a.id, "student")).opted_out == 9
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == 1


@pytest.mark.parametrize("value, message", [
    ("-1", "cannot be negative"),
    ("three", "as a whole number"),
    ("", "Enter how many students were opted out"),
    ("201", "at most 200 can be opted out"),
])
def test_a_bad_opt_out_count_saves_nothing(client, auth, administration, world, value, message):
    auth.sign_in("staff1@d1.example")
    opt_out(client, administration, world.school_a, "5")
    response = opt_out(client, administration, world.school_a, value)
    assert response.status_code == 400
    assert message in text_of(response) and "Nothing was saved" in text_of(response)
    db.session.expire_all()
    assert db.session.get(OptOut, (administration.id, world.school_a.id, "student")).opted_out == 5


def test_principals_do_not_record_opt_outs(client, auth, administration, world):
    auth.sign_in("principal.a@d1.example")
    assert opt_out(client, administration, world.school_a, "3").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == 0


def test_codes_are_withheld_for_opt_outs_on_the_page_and_the_command_line(client, auth, runner, administration,
                                                                          world):
    auth.sign_in("staff1@d1.example")
    opt_out(client, administration, world.school_a, "20")           # 200 enrolled: 180 codes at most
    assert codes(client, administration, world.school_a, 170).status_code == 200
    refused = codes(client, administration, world.school_a, 11)
    assert refused.status_code == 400
    assert ("Only 10 more codes can be issued for students of School A: 200 enrolled, 20 opted out by their "
            "parents, 170 codes already issued. No codes were made.") in text_of(refused)
    result = runner.invoke(args=["codes", "Spring survey", "--school", "School A", "--group", "student",
                                 "--count", "11"])
    assert result.exit_code != 0 and "Only 10 more codes can be issued" in result.output
    assert runner.invoke(args=["codes", "Spring survey", "--school", "School A", "--group", "student",
                               "--count", "10"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(AccessCode)) == 180
    assert "Codes that can still be issued" in text_of(client.get(f"/administrations/{administration.id}"))


def test_response_rates_use_enrollment_less_opt_outs(client, auth, administration, world, issue):
    from climate import results
    from climate.administer.service import status_table

    for code in issue(administration, world.school_a, "student", 45):
        row = db.session.scalar(select(AccessCode).where(AccessCode.code == code))
        db.session.add(Response(access_code_id=row.id, administration_id=administration.id,
                                school_id=world.school_a.id, respondent_group="student", status="submitted",
                                started_on=row.issued_on, submitted_on=row.issued_on))
    db.session.commit()
    assert results.response_rates(administration, world.school_a)["student"] == (45, 200)
    auth.sign_in("staff1@d1.example")
    opt_out(client, administration, world.school_a, "50")
    assert results.response_rates(administration, world.school_a)["student"] == (45, 150)
    rows, _ = status_table(administration)
    row = next(r for r in rows if r["school"].id == world.school_a.id and r["group"] == "student")
    assert (row["enrollment"], row["parent_opt_outs"], row["base"], row["rate"]) == (200, 50, 150, 0.3)
    status = client.get(f"/administrations/{administration.id}/status").get_data(as_text=True)
    assert re.search(r'data-school="%d" data-group="student">.*?<td class="num">200</td><td class="num">50</td>'
                     r'<td class="num">30%%' % world.school_a.id, status, re.S)


# --- deleting takes a confirmation ------------------------------------------------------------------

def test_deleting_asks_for_confirmation_first(client, auth, administration, world):
    auth.sign_in("staff1@d1.example")
    detail = client.get(f"/administrations/{administration.id}").get_data(as_text=True)
    assert f'href="/administrations/{administration.id}/delete"' in detail
    assert f'action="/administrations/{administration.id}/delete"' not in detail  # no one-click form
    confirm = client.get(f"/administrations/{administration.id}/delete")
    assert confirm.status_code == 200
    body = text_of(confirm)
    assert "Delete Spring survey?" in body and "This cannot be undone" in body and "No, keep it" in body
    assert 'method="post"' in confirm.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Administration)) == 1
    administration_id = administration.id
    assert client.post(f"/administrations/{administration_id}/delete").status_code == 302
    assert db.session.get(Administration, administration_id) is None


def test_the_delete_post_needs_the_csrf_token(csrf_app, world, administration):
    from tests.conftest import PASSWORD

    client = csrf_app.test_client()

    def token(url):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    client.post("/auth/sign-in", data={"email": "staff1@d1.example", "password": PASSWORD,
                                       "csrf_token": token("/auth/sign-in")})
    url = f"/administrations/{administration.id}/delete"
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": token(url)}).status_code == 302


# --- the report of an administration still collecting ----------------------------------------------

def test_the_report_of_a_collecting_administration_says_when_results_appear(client, auth, administration, world,
                                                                            issue):
    code = issue(administration, world.school_a, "student", 1)[0]
    row = db.session.scalar(select(AccessCode).where(AccessCode.code == code))
    db.session.add(Response(access_code_id=row.id, administration_id=administration.id, school_id=world.school_a.id,
                            respondent_group="student", status="submitted", started_on=row.issued_on,
                            submitted_on=row.issued_on))
    db.session.commit()
    auth.sign_in("principal.a@d1.example")
    response = client.get(f"/reports/schools/{world.school_a.id}?administration={administration.id}")
    assert response.status_code == 200
    body = text_of(response)
    assert "Results appear when the administration closes and is scored" in body
    assert "still collecting answers until" in body
    # 1 submitted of 200 + 30 + 150 enrolled at School A
    assert "Response rate so far at School A: 0% (1 submitted of 380 enrolled" in body
    auth.sign_out()
    auth.sign_in("staff2@d2.example")
    assert client.get(f"/reports/schools/{world.school_a.id}?administration={administration.id}").status_code == 404
