"""District staff manage schools and principal accounts; principals cannot."""
import pytest

from climate.extensions import db
from climate.models import School, User

SCHOOL_FORM = {"name": "New Middle", "nces_id": "", "level": "middle", "grade_low": "6", "grade_high": "8",
               "enrollment_student": "300", "enrollment_instructional_staff": "25",
               "enrollment_noninstructional_staff": "10", "enrollment_parent": "250"}


def test_district_staff_add_and_edit_a_school(client, auth, world):
    auth.sign_in("staff1@d1.example")
    assert client.post("/district/schools/new", data=SCHOOL_FORM).status_code == 302
    school = db.session.query(School).filter_by(name="New Middle").one()
    assert school.district_id == world.d1.id and school.enrollment_student == 300
    page = client.get("/district/schools").get_data(as_text=True)
    assert "New Middle" in page and ">School C<" not in page
    edited = dict(SCHOOL_FORM, name="Renamed Middle", enrollment_student="310")
    assert client.post(f"/district/schools/{school.id}", data=edited).status_code == 302
    db.session.refresh(school)
    assert school.name == "Renamed Middle" and school.enrollment_student == 310


@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "This field is required"),
    ({"name": "School A"}, "already has a school with this name"),
    ({"nces_id": "12345"}, "An NCES school id is 12 digits"),
    ({"grade_low": "9", "grade_high": "6"}, "must not be below the lowest grade"),
    ({"enrollment_student": "-4"}, "Number must be"),
])
def test_school_form_errors_are_clear_and_nothing_is_stored(client, auth, world, change, message):
    auth.sign_in("staff1@d1.example")
    before = db.session.query(School).count()
    response = client.post("/district/schools/new", data=dict(SCHOOL_FORM, **change))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(School).count() == before


def test_district_staff_add_a_principal_and_see_the_password_once(client, auth, world):
    auth.sign_in("staff1@d1.example")
    response = client.post("/district/principals/new", data={
        "email": "new.principal@d1.example", "schools": [str(world.school_a.id)], "active": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "It is shown only once" in page
    user = db.session.query(User).filter_by(email="new.principal@d1.example").one()
    assert user.role == "principal" and [s.name for s in user.schools] == ["School A"]


def test_principal_cannot_be_given_another_districts_school(client, auth, world):
    auth.sign_in("staff1@d1.example")
    response = client.post("/district/principals/new", data={
        "email": "x@d1.example", "schools": [str(world.school_c.id)]})
    assert response.status_code == 400
    assert db.session.query(User).filter_by(email="x@d1.example").count() == 0


def test_principal_cannot_reach_district_pages(client, auth, world):
    auth.sign_in("principal.a@d1.example")
    for url in ("/district/schools", "/district/schools/new", f"/district/schools/{world.school_a.id}",
                "/district/principals", "/district/principals/new"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/district/principals/{world.principal_b.id}/reset-password").status_code == 403


def test_district_staff_cannot_touch_another_district(client, auth, world):
    auth.sign_in("staff2@d2.example")
    assert client.get(f"/district/schools/{world.school_a.id}").status_code == 404
    assert client.get(f"/district/principals/{world.principal_a.id}").status_code == 404
    assert client.post(f"/district/schools/{world.school_a.id}", data=SCHOOL_FORM).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/district/schools")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]
