"""Sign-in, sign-out, password change, throttling and CSRF."""
import re

from climate.extensions import db
from climate.models import Throttle
from tests.conftest import PASSWORD


def test_sign_in_and_out(client, auth, world):
    response = auth.sign_in("staff1@d1.example")
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "District One" in home and "staff1@d1.example" in home
    auth.sign_out()
    assert "Sign in" in client.get("/").get_data(as_text=True)
    assert client.get("/district/schools").status_code == 302


def test_email_is_not_case_sensitive(client, auth, world):
    assert auth.sign_in("STAFF1@D1.example").status_code == 302


def test_same_message_for_unknown_email_and_wrong_password(client, auth, world):
    unknown = auth.sign_in("nobody@d1.example").get_data(as_text=True)
    wrong = auth.sign_in("staff1@d1.example", "wrong password").get_data(as_text=True)
    message = "That e-mail and password do not match an account."
    assert message in unknown and message in wrong


def test_sign_in_is_throttled_after_repeated_failures(app, client, auth, world):
    for _ in range(app.config["SIGNIN_MAX_FAILURES"]):
        assert auth.sign_in("staff1@d1.example", "wrong").status_code == 401
    blocked = auth.sign_in("staff1@d1.example")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    # no e-mail address is stored in clear
    assert all("staff1" not in row.key for row in db.session.query(Throttle))


def test_throttle_counts_per_account(app, client, auth, world):
    for _ in range(app.config["SIGNIN_MAX_FAILURES"]):
        auth.sign_in("staff1@d1.example", "wrong")
    assert auth.sign_in("principal.a@d1.example").status_code == 302


def test_deactivated_account_cannot_sign_in(client, auth, world):
    world.principal_a.active = False
    db.session.commit()
    assert auth.sign_in("principal.a@d1.example").status_code == 401


def test_next_parameter_cannot_redirect_off_site(client, world):
    response = client.post("/auth/sign-in?next=https://evil.example/",
                           data={"email": "staff1@d1.example", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_password_change(client, auth, world):
    auth.sign_in("principal.a@d1.example")
    short = client.post("/auth/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    wrong = client.post("/auth/password", data={"current": "nope", "new": "a much longer password",
                                                "confirm": "a much longer password"})
    assert "The current password is not right" in wrong.get_data(as_text=True)
    ok = client.post("/auth/password", data={"current": PASSWORD, "new": "a much longer password",
                                             "confirm": "a much longer password"})
    assert ok.status_code == 302
    auth.sign_out()
    assert auth.sign_in("principal.a@d1.example").status_code == 401
    assert auth.sign_in("principal.a@d1.example", "a much longer password").status_code == 302


def test_passwords_are_hashed(world):
    assert PASSWORD not in world.staff1.password_hash
    assert world.staff1.password_hash.startswith(("pbkdf2:", "scrypt:"))


def test_forms_need_a_csrf_token(csrf_app, world):
    client = csrf_app.test_client()
    response = client.post("/auth/sign-in", data={"email": "staff1@d1.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired or was not sent from this site" in response.get_data(as_text=True)
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/sign-in", data={"email": "staff1@d1.example", "password": PASSWORD,
                                                  "csrf_token": token})
    assert response.status_code == 302


def test_session_cookie_is_http_only(client, auth, world):
    response = auth.sign_in("staff1@d1.example")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
