"""The failure throttle (issue 12): progressive delays instead of lockouts, a double click counted
once, atomic counters under concurrency, sign-in counted per account and client, and 48-bit codes
out of reach at the allowed rate. Runs on SQLite, and on PostgreSQL when DATABASE_URL points at
one. Times are passed in explicitly where the schedule matters, so nothing depends on the clock."""
import math
import threading

from sqlalchemy import select

from climate import codes, throttle
from climate.extensions import db
from climate.models import Throttle

from tests.conftest import PASSWORD

LIMIT, WINDOW = 30, 600
T0 = 1_800_000_000.0


def _row(key):
    db.session.expire_all()
    return db.session.get(Throttle, key)


def test_failures_slow_the_guesser_down_exponentially(app):
    key = throttle.throttle_key("code", "198.51.100.7")
    for n in range(1, LIMIT):  # the first failures are free: a classroom's typos
        assert throttle.claim(key, LIMIT, WINDOW, f"v{n}", now=T0 + n * 0.01) == 0
    t = T0 + 1
    assert throttle.claim(key, LIMIT, WINDOW, "v30", now=t) == 0  # the 30th failure: wait 1 s
    for extra in range(1, 8):
        wait = 2 ** (extra - 1)
        assert throttle.claim(key, LIMIT, WINDOW, "early", now=t + wait - 0.1) > 0  # not evaluated, not counted
        assert _row(key).failures == LIMIT + extra - 1
        t += wait
        assert throttle.claim(key, LIMIT, WINDOW, f"w{extra}", now=t) == 0
    assert throttle.wait_for(key, now=t) == 2 ** 7
    # The delay never exceeds the window, and a new window starts afresh.
    assert throttle.delay(LIMIT + 40, LIMIT, WINDOW) == WINDOW
    later = t + 2 ** 7 + WINDOW
    assert throttle.claim(key, LIMIT, WINDOW, "fresh", now=later) == 0
    assert _row(key).failures == 1


def test_a_double_click_counts_once(app):
    key = throttle.throttle_key("code", "198.51.100.8")
    digest = throttle.value_digest("ZZZZ-ZZZZ-ZZ")
    assert throttle.claim(key, LIMIT, WINDOW, digest, now=T0) == 0
    assert throttle.claim(key, LIMIT, WINDOW, digest, now=T0 + 0.3) == 0
    assert _row(key).failures == 1
    assert throttle.claim(key, LIMIT, WINDOW, digest, now=T0 + throttle.REPEAT_SECONDS + 1) == 0
    assert _row(key).failures == 2  # the same code again much later is another guess


def test_a_double_clicked_code_form_counts_one_failure(app, client):
    for _ in range(3):
        assert client.post("/s", data={"code": "ZZZZ-ZZZZ-ZZ"}).status_code == 404
    assert [r.failures for r in db.session.scalars(select(Throttle).execution_options(populate_existing=True))] == [1]
    client.post("/s", data={"code": "ZZZZ-ZZZZ-Z2"})
    assert _row(throttle.throttle_key("code", "127.0.0.1")).failures == 2


def test_a_valid_code_counts_nothing(app, client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    client.post("/s", data={"code": "ZZZZ-ZZZZ-ZZ"})
    assert client.post("/s", data={"code": code}).status_code == 302
    assert client.post("/s", data={"code": code}).status_code == 302  # a double click of the right code
    assert _row(throttle.throttle_key("code", "127.0.0.1")).failures == 1


def test_sixty_simultaneous_guesses_evaluate_exactly_the_limit(app):
    """Before: 37-43 of 60 were evaluated against a limit of 30. Each claim is one atomic upsert."""
    key = throttle.throttle_key("code", "198.51.100.9")
    barrier = threading.Barrier(60)
    results, errors = [], []

    def guess(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results.append(throttle.claim(key, LIMIT, WINDOW, f"guess-{i}", now=T0))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert results.count(0) == LIMIT and len(results) == 60
    assert _row(key).failures == LIMIT


def test_a_client_over_the_limit_gets_a_clear_page_to_wait(app, client):
    """The same through the code form: at the limit the client must wait, with a clear page."""
    app.config["CODE_MAX_FAILURES"] = 5
    statuses = [client.post("/s", data={"code": f"ZZZZ-ZZZZ-{c}"}).status_code for c in "23456789AB"]
    assert statuses[:5] == [404] * 5 and 429 in statuses[5:]
    blocked = client.post("/s", data={"code": "ZZZZ-ZZZZ-ZC"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert "Please wait" in blocked.text and "seconds" in blocked.text


def _guesses_per_window(limit: int, window: int) -> int:
    """The most failures a client can have evaluated in one window when it guesses as fast as the
    throttle allows: `limit` at once, then one after each delay, until the window is over. A
    window lasts at least `window` seconds (longer when a delay runs past its end), so
    this / window bounds the guessing rate of one client."""
    evaluated, t = limit, 0.0
    while True:
        t += throttle.delay(evaluated, limit, window)
        if t > window:
            return evaluated
        evaluated += 1


def test_the_schedule_matches_the_stored_throttle(app):
    key = throttle.throttle_key("code", "198.51.100.10")
    allowed, t = 0, T0
    while t < T0 + WINDOW:  # one window: the first failure opened it at T0
        if throttle.claim(key, LIMIT, WINDOW, f"g{allowed}", now=t) == 0:
            allowed += 1
            t += throttle.delay(allowed, LIMIT, WINDOW) or 0.001
        else:
            t += 0.5
    assert allowed == _guesses_per_window(LIMIT, WINDOW)


def test_a_guesser_needs_more_than_a_year_per_hit(app):
    """Issue 12: at the allowed rate, a client needs more than a year per expected hit in a
    district of 100,000 live 48-bit codes (arithmetic from the configured limits)."""
    limit, window = app.config["CODE_MAX_FAILURES"], app.config["CODE_BLOCK_SECONDS"]
    per_second = _guesses_per_window(limit, window) / window
    space = len(codes.ALPHABET) ** codes.LENGTH
    assert codes.BITS > 48 and math.isclose(math.log2(space), codes.BITS)
    guesses_per_hit = space / 100_000
    years = guesses_per_hit / per_second / (365.25 * 24 * 3600)
    assert years > 1, years
    assert years > 1000  # about 2,000 years per client address with the defaults


def _sign_in(app, email, password, address):
    return app.test_client().post("/auth/sign-in", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_do_not_lock_the_owner_out_of_their_own_client(app, world):
    """Issue 12: the sign-in lockout counts per account and client."""
    for _ in range(app.config["SIGNIN_MAX_FAILURES"]):
        assert _sign_in(app, "staff1@d1.example", "wrong", "203.0.113.50").status_code == 401
    assert _sign_in(app, "staff1@d1.example", PASSWORD, "203.0.113.50").status_code == 429  # the guesser waits
    assert _sign_in(app, "staff1@d1.example", PASSWORD, "192.0.2.10").status_code == 302  # the owner does not
    assert all("staff1" not in row.key and "203.0.113" not in row.key for row in db.session.scalars(select(Throttle)))
