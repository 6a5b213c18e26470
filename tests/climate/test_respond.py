"""The respondent pages as a respondent meets them: code entry, consent, pages, review, submit,
languages, open links and the friendly refusals."""
import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from climate.extensions import db
from climate.models import AccessCode, Administration, Answer, OpenLink, Response


# --- helpers (also imported by the other respondent test modules) ---
def pages_for(administration, group="student"):
    from climate.respond.model import survey_model
    pinned = administration.group(group)
    return survey_model(administration.id, group, pinned.instrument_version, pinned.custom_items,
                        administration.sro_module).plain_pages


def enter(client, code):
    """Open a code as a slip's link does: the session holds the survey from then on."""
    return client.get(f"/s/{code}")


def consent(client, code):
    enter(client, code)
    return client.post("/s/consent", data={"choice": "yes"})


def answers_for(page, pick=0):
    """A full set of valid answers for a page: the (pick mod n)-th choice of every item."""
    from surveys.instruments import BackgroundItem
    out = {}
    for item in page.items:
        values = list(item.values)
        if isinstance(item, BackgroundItem) and item.multiple:
            out[item.id] = [str(values[pick % (len(values) - 1)])]
        else:
            out[item.id] = str(values[pick % len(values)])
    return out


def stored(answers_form, page):
    """What the database should hold for a posted page form."""
    out = {}
    for k, v in answers_form.items():
        out[k] = sum(int(x) for x in v) if isinstance(v, list) else int(v)
    return out


def response_row(code):
    return db.session.scalar(select(Response).join(AccessCode, Response.access_code_id == AccessCode.id)
                             .where(AccessCode.code == code).execution_options(populate_existing=True))


def stored_answers(code):
    db.session.expire_all()
    return dict(db.session.execute(select(Answer.item_id, Answer.value).join(Response)
                                   .join(AccessCode, Response.access_code_id == AccessCode.id)
                                   .where(AccessCode.code == code)).all())


def snapshot():
    """Every response and answer row, to prove a request changed nothing."""
    db.session.expire_all()
    responses = sorted(tuple(r) for r in db.session.execute(select(
        Response.id, Response.access_code_id, Response.status, Response.language, Response.submitted_on)).all())
    answers = sorted(tuple(r) for r in db.session.execute(select(Answer.response_id, Answer.item_id, Answer.value)).all())
    codes = sorted(tuple(r) for r in db.session.execute(select(AccessCode.id, AccessCode.status)).all())
    return responses, answers, codes


def main_text(html):
    """The visible text of <main>, whitespace squeezed: what a respondent reads."""
    body = html.split('<main', 1)[1].split('</main>', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


UNUSABLE = "This code can&#39;t be used right now. Check it and try again, or ask the person who gave it to you."


def test_code_entry_page_in_english_and_spanish(client, administration):
    page = client.get("/s")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and "Enter your code" in page.text
    assert 'name="code"' in page.text and '<label for="code">' in page.text
    assert "Sign in" not in page.text and 'aria-label="Main"' not in page.text  # no staff navigation
    es = client.get("/s?lang=es")
    assert '<html lang="es">' in es.text and "Escribe tu código" in es.text
    # The choice sticks for the rest of the visit.
    assert "Escribe tu código" in client.get("/s").text


def test_a_typed_code_opens_the_consent_page(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    typed = code.replace("-", " ").lower()
    entered = client.post("/s", data={"code": typed})
    assert entered.status_code == 302 and entered.location.endswith("/s/consent")  # the code left the address
    page = client.get(entered.location)
    assert "Do you want to take the survey?" in page.text
    assert "Yes, start the survey" in page.text and "No, I do not want to take it" in page.text
    # Nothing is stored before consent.
    assert response_row(code) is None


@pytest.mark.parametrize("group, lang, own, not_shown", [
    ("student", "en", "It is not a test", "your child"),
    ("student", "es", "¿Quieres responder la encuesta?", "usted"),
    ("parent", "en", "what you think about your child", "It is not a test"),
    ("parent", "es", "la escuela de su hijo o hija", "No es un examen"),
    ("instructional_staff", "en", "as a place to learn and to work", "It is not a test"),
    ("instructional_staff", "es", "¿Desea responder la encuesta?", "No es un examen"),
])
def test_each_respondent_group_reads_its_own_consent_text(client, administration, world, issue, group, lang, own,
                                                          not_shown):
    code = issue(administration, world.school_a, group)[0]
    enter(client, code)
    page = client.get(f"/s/consent?lang={lang}")
    assert page.status_code == 200
    assert own in page.text and not_shown not in page.text


def test_a_coordinators_consent_text_for_one_group_reaches_only_that_group(client, auth, world, issue):
    """The administration form has each group's text, filled with its default; an edited parent
    text is what parents read, in both languages, and students keep theirs."""
    auth.sign_in("staff1@d1.example")
    form = client.get("/administrations/new").text
    assert "It is not a test" in form and "la escuela de su hijo o hija" in form
    created = client.post("/administrations/new", data={
        "name": "Consent per group", "opens": "2026-01-01T08:00", "closes": "2030-12-31T17:00",
        "schools": [str(world.school_a.id)], "groups": ["student", "parent"],
        "consent_parent_en": "Dear families, say yes or no.", "consent_parent_es": "Familias: sí o no.",
        "consent_student_en": "", "consent_student_es": ""})
    assert created.status_code == 302
    auth.sign_out()
    administration = db.session.scalar(select(Administration).where(Administration.name == "Consent per group"))
    parent, student = issue(administration, world.school_a, "parent")[0], issue(administration, world.school_a)[0]
    enter(client, parent)
    assert "Dear families, say yes or no." in client.get("/s/consent").text
    assert "Familias: sí o no." in client.get("/s/consent?lang=es").text
    enter(client, student)
    page = client.get("/s/consent?lang=en").text
    assert "Dear families" not in page and "It is not a test" in page


def test_the_migration_keeps_an_administrations_one_consent_text_for_students(tmp_path):
    """0011: an administration made before consent texts per group keeps its text for students;
    the other groups read their own default."""
    import flask_migrate
    from sqlalchemy import text

    from climate.respond.consent import DEFAULT_CONSENT, consent_for
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite'}")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        flask_migrate.upgrade(directory=directory, revision="0010")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO district (id, name, timezone, created_at) VALUES (1, 'D', 'America/Chicago', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO administration (id, district_id, name, opens_at, closes_at, sro_module, consent_text,"
                " created_at) VALUES (1, 1, 'Old', '2026-01-01', '2026-02-01', 0, :old, '2026-01-01')"),
                {"old": '{"en": "Our own words.", "es": "Nuestras palabras."}'})
        flask_migrate.upgrade(directory=directory)
        stored = db.session.scalar(select(Administration.consent_text).where(Administration.id == 1))
        assert stored == {"student": {"en": "Our own words.", "es": "Nuestras palabras."}}
        assert consent_for(stored, "student", "es") == "Nuestras palabras."
        assert consent_for(stored, "parent", "en") == DEFAULT_CONSENT["parent"]["en"]
        flask_migrate.downgrade(directory=directory, revision="0010")
        with db.engine.connect() as conn:
            old = conn.execute(text("SELECT consent_text FROM administration WHERE id = 1")).scalar()
        assert json.loads(old) == {"en": "Our own words.", "es": "Nuestras palabras."}
        db.session.remove()
        db.engine.dispose()


def _make_unusable_codes(administration, world, issue, client):
    fresh, submitted, opted = issue(administration, world.school_a, n=3)
    consent(client, submitted)
    client.post("/s/submit")
    enter(client, opted)
    client.post("/s/consent", data={"choice": "no"})
    from climate.administer.service import create_administration
    now = dt.datetime.now()
    past = create_administration(world.d1, "Last year", now - dt.timedelta(days=30), now - dt.timedelta(days=2),
                                 [world.school_a], ["student"])
    db.session.commit()
    closed = issue(past, world.school_a)[0]
    return {"unknown": "ZZZZ-ZZZZ-ZZ", "garbage": "not a code!", "submitted": submitted, "opted_out": opted,
            "closed": closed}


def test_every_unusable_code_gets_the_same_friendly_message(app, administration, world, issue):
    setup = app.test_client()
    codes = _make_unusable_codes(administration, world, issue, setup)
    seen = set()
    for reason, code in codes.items():
        client = app.test_client()  # a stranger: no session from the setup client
        direct = client.get(f"/s/{code}")
        typed = client.post("/s", data={"code": code})
        assert direct.status_code == 404, reason
        assert typed.status_code == 404, reason
        assert UNUSABLE in direct.text and UNUSABLE in typed.text, reason
        seen.add(main_text(direct.text))
    assert len(seen) == 1  # nothing tells a stranger which codes exist


def test_failed_codes_are_throttled_per_client(app, administration, world, issue):
    app.config["CODE_MAX_FAILURES"] = 3
    good = issue(administration, world.school_a)[0]
    client = app.test_client()
    for wrong in ("ZZZZ-ZZZZ-Z2", "ZZZZ-ZZZZ-Z3", "ZZZZ-ZZZZ-Z4"):
        assert client.post("/s", data={"code": wrong}).status_code == 404
    blocked = client.post("/s", data={"code": good})
    assert blocked.status_code == 429 and "Please wait" in blocked.text and blocked.headers["Retry-After"]
    assert client.get(f"/s/{good}").status_code == 429
    # Another client (another address) is not blocked.
    other = app.test_client()
    assert other.post("/s", data={"code": good}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_declining_opts_the_code_out(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    enter(client, code)
    declined = client.post("/s/consent", data={"choice": "no"})
    assert declined.location.endswith("/s/declined")
    assert "You chose not to take the survey" in client.get(declined.location).text
    row = db.session.scalar(select(AccessCode).where(AccessCode.code == code))
    db.session.refresh(row)
    assert row.status == "opted_out" and response_row(code) is None
    assert client.get(f"/s/{code}").status_code == 404


def test_declining_after_starting_deletes_the_started_answers(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post(f"/s/p/1", data={"S_CUL_01": "1"})
    assert response_row(code) is not None
    client.post(f"/s/consent", data={"choice": "no"})
    assert response_row(code) is None and stored_answers(code) == {}


def test_whole_survey_walk_saves_every_page_then_submits_once(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    pages = pages_for(administration)
    assert consent(client, code).location.endswith(f"/s/p/1")
    expected = {}
    for page in pages:
        shown = client.get(f"/s/p/{page.number}")
        assert shown.status_code == 200
        assert f"Page {page.number} of {len(pages)}" in shown.text
        assert f'<progress id="progress" max="{len(pages)}" value="{page.number}">' in shown.text
        assert shown.text.count("<fieldset") == len(page.items) <= 10
        assert shown.text.count("<legend>") == len(page.items)
        form = answers_for(page, pick=page.number)
        moved = client.post(f"/s/p/{page.number}", data={**form, "action": "next"})
        assert moved.status_code == 302
        expected.update(stored(form, page))
        assert stored_answers(code) == expected  # saved on every page: a closed browser loses nothing
    assert moved.location.endswith(f"/s/review")
    review = client.get(moved.location)
    assert review.text.count(">Change<") == len(pages)
    assert f"You answered {len(expected)} of {len(expected)} questions" in review.text
    done = client.post(f"/s/submit")
    assert done.location.endswith("/s/thanks")
    assert "Your answers have been submitted" in client.get(done.location).text
    row = response_row(code)
    assert row.status == "submitted" and row.submitted_on == dt.date.today()
    # After submit nothing can change: friendly message, answers untouched.
    again = client.post(f"/s/p/1", data={"action": "next"})
    assert "already submitted this survey" in again.text
    assert client.post(f"/s/submit").location.endswith("/s/thanks")  # a double click is harmless
    assert stored_answers(code) == expected
    assert db.session.scalar(select(db.func.count()).select_from(Response)) == 1


def test_topic_pages_come_first_then_sro_custom_and_background(client, administration, world, issue):
    pages = pages_for(administration)
    kinds = [p.kind for p in pages]
    assert kinds[-3:] == ["sro", "custom", "background"] and set(kinds[:-3]) == {"topic"}
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    sro = client.get(f"/s/p/{len(pages) - 2}").text
    assert "Police officers at school" in sro and "school resource officer" in sro
    custom = client.get(f"/s/p/{len(pages) - 1}").text
    assert "Do you ride the bus?" in custom and 'type="radio"' in custom
    background = client.get(f"/s/p/{len(pages)}").text
    assert "About you" in background
    assert re.search(r'type="checkbox" id="S_RACE-1" name="S_RACE"', background)
    assert 'type="radio" id="S_GRADE-9" name="S_GRADE"' in background


def test_parent_survey_has_no_sro_page(client, administration, world, issue):
    code = issue(administration, world.school_a, "parent")[0]
    assert "sro" not in [p.kind for p in pages_for(administration, "parent")]
    assert consent(client, code).status_code == 302


def test_race_takes_several_choices_but_not_prefer_not_with_others(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    last = len(pages_for(administration))
    client.post(f"/s/p/{last}", data={"S_RACE": ["2", "16"], "S_GRADE": "7"})
    assert stored_answers(code) == {"S_RACE": 18, "S_GRADE": 7}
    page = client.get(f"/s/p/{last}").text
    assert 'id="S_RACE-2" name="S_RACE" value="2" checked' in page and 'value="16" checked' in page
    mixed = client.post(f"/s/p/{last}", data={"S_RACE": ["2", "32"], "S_GRADE": "8"})
    assert mixed.status_code == 200 and "Prefer not to say" in mixed.text and 'aria-describedby="S_RACE-error"' in mixed.text
    assert stored_answers(code) == {"S_RACE": 18, "S_GRADE": 7}  # nothing on that page saved


def test_a_page_post_replaces_that_pages_answers(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post(f"/s/p/1", data={"S_CUL_01": "1", "S_CUL_02": "2"})
    client.post(f"/s/p/2", data={"S_REL_01": "3"})
    client.post(f"/s/p/1", data={"S_CUL_02": "4"})
    assert stored_answers(code) == {"S_CUL_02": 4, "S_REL_01": 3}
    page = client.get(f"/s/p/1").text
    assert 'name="S_CUL_02" value="4" checked' in page and "checked" not in page.split("S_CUL_02")[0]


def test_a_chosen_answer_can_be_cleared_without_javascript(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    assert "Clear my answer" not in client.get(f"/s/p/1").text
    client.post(f"/s/p/1", data={"S_CUL_01": "1", "S_CUL_02": "2"})
    page = client.get(f"/s/p/1").text
    assert page.count("Clear my answer") == 2 and 'value="clear-S_CUL_02"' in page
    cleared = client.post(f"/s/p/1", data={"S_CUL_01": "3", "S_CUL_02": "2", "action": "clear-S_CUL_02"})
    assert cleared.location.endswith(f"/s/p/1#S_CUL_02")
    assert stored_answers(code) == {"S_CUL_01": 3}


def test_every_item_may_be_skipped(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    for n in range(1, len(pages_for(administration)) + 1):
        assert client.post(f"/s/p/{n}", data={"action": "next"}).status_code == 302
    assert "You answered 0 of" in client.get(f"/s/review").text
    assert client.post(f"/s/submit").status_code == 302
    assert response_row(code).status == "submitted"


def test_back_goes_to_the_previous_page_after_saving(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    back = client.post(f"/s/p/3", data={"S_PAR_01": "2", "action": "back"})
    assert back.location.endswith(f"/s/p/2")
    assert stored_answers(code) == {"S_PAR_01": 2}
    assert client.post(f"/s/p/1", data={"action": "back"}).location.endswith("/consent")


def test_reopening_resumes_after_the_last_answered_page(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    assert client.get(f"/s/{code}").location.endswith("/s/p/1")  # nothing answered yet
    client.post(f"/s/p/1", data={"S_CUL_01": "1"})
    client.post(f"/s/p/3", data={"S_PAR_01": "2"})
    client.post(f"/s/p/4", data={})  # a skipped page after the last answered one
    assert client.get(f"/s/{code}").location.endswith(f"/s/p/4")
    last = len(pages_for(administration))
    client.post(f"/s/p/{last}", data={"S_GRADE": "9"})
    assert client.get(f"/s/{code}").location.endswith(f"/s/review")


def test_language_switch_button_saves_then_shows_spanish(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    page = client.get(f"/s/p/1").text
    assert 'form="page-form" name="action" value="lang-es" lang="es"' in page
    switched = client.post(f"/s/p/1", data={"S_CUL_01": "2", "action": "lang-es"})
    assert switched.location.endswith(f"/s/p/1?lang=es")
    es = client.get(switched.location).text
    assert '<html lang="es">' in es and "Página 1 de" in es and "Muy de acuerdo" in es
    assert "Los adultos de esta escuela" in es
    assert 'name="S_CUL_01" value="2" checked' in es
    assert stored_answers(code) == {"S_CUL_01": 2}
    assert response_row(code).language == "es"
    # Spanish sticks on every page, and switches back the same way.
    assert "Revisa tus respuestas" in client.get(f"/s/review").text
    back = client.post(f"/s/p/1", data={"S_CUL_01": "2", "action": "lang-en"})
    assert "Strongly agree" in client.get(back.location).text


@pytest.mark.parametrize("path", ["/s", "/s/declined", "/s/thanks", "/s/ZZZZ-ZZZZ-ZZ"])
def test_every_page_has_a_language_link(client, administration, path):
    en = client.get(path).text
    assert 'lang="es" hreflang="es"' in en and ">Español<" in en
    es = client.get(path + "?lang=es").text
    assert '<html lang="es">' in es and ">English<" in es


def _open_link(administration, school, group="student", token="T" * 20):
    link = OpenLink(token=token, administration_id=administration.id, school_id=school.id, respondent_group=group)
    db.session.add(link)
    db.session.commit()
    return link


def _cookie_code(response, link):
    cookie = response.headers["Set-Cookie"]
    return cookie.split(f"climate_open_{link.id}=", 1)[1].split(";", 1)[0]


def test_open_link_gives_each_visitor_a_code_kept_in_a_cookie(app, administration, world):
    link = _open_link(administration, world.school_a)
    first = app.test_client()
    visit = first.get(f"/o/{link.token}")
    assert visit.status_code == 302 and visit.location.endswith("/s/consent")  # no code in the address
    code = _cookie_code(visit, link)
    cookie = visit.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Expires=" in cookie
    assert administration.closes_at.strftime("%d %b %Y") in cookie
    row = db.session.scalar(select(AccessCode).where(AccessCode.code == code))
    assert row.source == "open_link" and row.school_id == world.school_a.id and row.respondent_group == "student"
    first.post("/s/consent", data={"choice": "yes"})
    first.post("/s/p/1", data={"S_CUL_01": "3"})
    # Another visitor gets another code.
    other = app.test_client().get(f"/o/{link.token}")
    assert _cookie_code(other, link) != code


def test_an_open_link_asks_before_resuming_and_after_a_submission(app, administration, world):
    """Issue 12, shared devices: the next visitor of an open link on a shared browser does not
    silently resume the first person's survey, and after a submission the link does not silently
    start a fresh response."""
    link = _open_link(administration, world.school_a)
    browser = app.test_client()
    first = _cookie_code(browser.get(f"/o/{link.token}"), link)
    browser.post("/s/consent", data={"choice": "yes"})
    browser.post("/s/p/1", data={"S_CUL_01": "3"})
    codes_before = db.session.scalar(select(db.func.count()).select_from(AccessCode))
    asked = browser.get(f"/o/{link.token}")
    assert asked.status_code == 200 and "Someone started a survey here" in asked.text
    assert 'value="continue"' in asked.text and 'value="new"' in asked.text and "S_CUL_01" not in asked.text
    assert "School A" in main_text(asked.text) or "School A" in asked.text
    assert db.session.scalar(select(db.func.count()).select_from(AccessCode)) == codes_before
    # "Continue" resumes where that survey left off.
    resumed = browser.post(f"/o/{link.token}", data={"choice": "continue"})
    assert resumed.location.endswith("/s/p/2")
    assert 'value="3" checked' in browser.get("/s/p/1").text
    # "Start a new one" gives a fresh code whose pages show none of the first answers.
    fresh = browser.post(f"/o/{link.token}", data={"choice": "new"})
    assert fresh.location.endswith("/s/consent") and _cookie_code(fresh, link) != first
    browser.post("/s/consent", data={"choice": "yes"})
    assert "checked" not in browser.get("/s/p/1").text
    assert stored_answers(first) == {"S_CUL_01": 3}
    # After submitting, the link says so and starts nothing until asked to.
    browser.post("/s/submit")
    codes_before = db.session.scalar(select(db.func.count()).select_from(AccessCode))
    told = browser.get(f"/o/{link.token}")
    assert told.status_code == 200 and "already submitted on this device" in told.text
    assert 'value="continue"' not in told.text and 'value="new"' in told.text
    assert db.session.scalar(select(db.func.count()).select_from(AccessCode)) == codes_before
    assert browser.post(f"/o/{link.token}", data={"choice": "continue"}).location.endswith(f"/o/{link.token}")
    assert browser.post(f"/o/{link.token}", data={"choice": "new"}).location.endswith("/s/consent")
    assert db.session.scalar(select(db.func.count()).select_from(AccessCode)) == codes_before + 1


def test_open_link_choice_is_refused_when_tampered(app, administration, world):
    link = _open_link(administration, world.school_a)
    browser = app.test_client()
    browser.get(f"/o/{link.token}")
    before = snapshot()
    for data in ({"choice": "maybe"}, {"choice": ["new", "continue"]}, {}):
        assert browser.post(f"/o/{link.token}", data=data).status_code == 400
    assert snapshot() == before


def test_one_client_cannot_pull_endless_codes_from_an_open_link(app, administration, world):
    app.config["OPEN_LINK_MAX_CODES"] = 3
    link = _open_link(administration, world.school_a)
    for _ in range(3):  # a browser without the cookie, again and again
        assert app.test_client().get(f"/o/{link.token}").status_code == 302
    blocked = app.test_client().get(f"/o/{link.token}")
    assert blocked.status_code == 429
    assert db.session.scalar(select(db.func.count()).select_from(AccessCode)) == 3


def test_unknown_or_closed_open_link_gets_the_friendly_message(client, administration, world):
    unknown = client.get("/o/nope")
    assert unknown.status_code == 404 and UNUSABLE in unknown.text
    link = _open_link(administration, world.school_a)
    administration.closes_at = dt.datetime.utcnow() - dt.timedelta(minutes=1)
    administration.opens_at = administration.closes_at - dt.timedelta(days=3)
    db.session.commit()
    closed = client.get(f"/o/{link.token}")
    assert closed.status_code == 404 and UNUSABLE in closed.text
    assert db.session.scalar(select(db.func.count()).select_from(AccessCode)) == 0


def test_respondent_arriving_after_close_gets_the_out_of_window_message(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post("/s/p/1", data={"S_CUL_01": "1"})
    db.session.get(Administration, administration.id).closes_at = dt.datetime.utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    late = client.post("/s/p/2", data={"S_REL_01": "1"})
    assert late.status_code == 409 and "This survey is closed" in late.text
    assert "could not be saved" in main_text(late.text) and "earlier pages are kept" in main_text(late.text)
    assert client.get("/s/p/2").status_code == 404
    assert client.get(f"/s/{code}").status_code == 404
    assert stored_answers(code) == {"S_CUL_01": 1}


def test_the_code_leaves_the_address_bar(client, administration, world, issue):
    """Issue 12: after entry every address, link and form target of the survey is code-free."""
    code = issue(administration, world.school_a)[0]
    entered = client.post("/s", data={"code": code})
    seen = [entered.location]
    seen.append(client.post("/s/consent", data={"choice": "yes"}).location)
    for path in ("/s/consent", "/s/p/1", "/s/p/2", "/s/review"):
        html = client.get(path).text
        assert code not in html and code.replace("-", "") not in html, path
        seen += re.findall(r'(?:action|href)="([^"]+)"', html)
    seen.append(client.post("/s/p/1", data={"S_CUL_01": "2"}).location)
    seen.append(client.post("/s/submit").location)
    assert all(code not in url and code.replace("-", "") not in url for url in seen), seen
    assert "/s/p/2" in " ".join(seen) and "/s/thanks" in seen[-1]


def test_answers_are_shown_only_to_the_visit_that_entered_the_code(app, client, administration, world, issue):
    """Issue 12: a browser without the session sees no answers; it is asked for the code."""
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    client.post("/s/p/1", data={"S_CUL_01": "2"})
    assert 'value="2" checked' in client.get("/s/p/1").text
    stranger = app.test_client()
    for path in ("/s/p/1", "/s/review", "/s/consent"):
        shown = stranger.get(path)
        assert shown.status_code == 302 and shown.location.endswith("/s"), path
    assert stranger.get(f"/s/{code}/p/1").status_code == 404  # the old code-bearing address is gone
    assert "checked" not in stranger.get("/s").text
    saved = stranger.post("/s/p/1", data={"S_CUL_01": "4"})
    assert saved.status_code == 409 and "could not be saved" in main_text(saved.text)
    assert stored_answers(code) == {"S_CUL_01": 2}


def test_save_and_leave_ends_the_visit(client, administration, world, issue):
    """Issue 12: "Save and leave" saves the page, ends the visit, and says how to come back."""
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    page = client.get("/s/p/1").text
    assert 'name="action" value="leave"' in page and "Save and leave" in page
    left = client.post("/s/p/1", data={"S_CUL_01": "3", "action": "leave"})
    assert left.location.endswith("/s")
    assert stored_answers(code) == {"S_CUL_01": 3}
    note = main_text(client.get("/s").text)
    assert "Your answers are saved and this visit has ended" in note and "type the code you were given" in note
    assert code not in note  # a printed code is not shown again
    assert "visit has ended" not in client.get("/s").text  # said once
    assert client.get("/s/p/1").location.endswith("/s")  # the next person sees nothing
    # The respondent comes back with the code and goes on where they left off.
    assert client.get(f"/s/{code}").location.endswith("/s/p/2")
    assert 'value="3" checked' in client.get("/s/p/1").text


def test_save_and_leave_from_an_open_link_shows_the_code_once(app, administration, world):
    link = _open_link(administration, world.school_a)
    browser = app.test_client()
    code = _cookie_code(browser.get(f"/o/{link.token}"), link)
    browser.post("/s/consent", data={"choice": "yes"})
    left = browser.post("/s/p/1", data={"S_CUL_01": "1", "action": "leave"})
    assert f"climate_open_{link.id}=;" in left.headers["Set-Cookie"]  # the link forgets the survey
    assert code in browser.get("/s").text
    assert code not in browser.get("/s").text
    assert browser.get(f"/o/{link.token}").location.endswith("/s/consent")  # the next person starts afresh
    assert browser.post("/s", data={"code": code}).location.endswith("/s/p/2")


def test_respondent_pages_name_the_school(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    enter(client, code)
    assert "School A" in client.get("/s/consent").text
    consent(client, code)
    for path in ("/s/p/1", "/s/review"):
        assert f"<span class=\"school-name\">: {world.school_a.name}</span>" in client.get(path).text, path


def test_a_respondent_in_the_survey_is_never_throttled_by_others(app, client, administration, world, issue):
    """Issue 12: other people's wrong codes from the same address do not block a respondent who is
    in; their page saves keep working."""
    app.config["CODE_MAX_FAILURES"] = 3
    code = issue(administration, world.school_a)[0]
    consent(client, code)
    guesser = app.test_client()  # same address as the respondent
    statuses = [guesser.post("/s", data={"code": f"ZZZZ-ZZZZ-{c}"}).status_code for c in "23456789"]
    assert 429 in statuses
    assert client.get("/s/p/1").status_code == 200
    assert client.post("/s/p/1", data={"S_CUL_01": "2"}).status_code == 302
    assert client.get(f"/s/{code}").status_code == 302  # re-opening the code this visit holds
    assert stored_answers(code) == {"S_CUL_01": 2}


def test_pages_work_without_javascript(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    pages = [client.get("/s").text, client.get(f"/s/consent").text]
    consent(client, code)
    pages += [client.get(f"/s/p/1").text, client.get(f"/s/review").text]
    for html in pages:
        assert "<script" not in html and " onclick" not in html and "style=" not in html  # the CSP forbids both
