"""Two tabs, double clicks, replays and simultaneous requests for one code: the database keeps
exactly one response with exactly the right answers. Runs on SQLite, and on PostgreSQL when
DATABASE_URL points at one."""
import threading

from sqlalchemy import func, select

from climate.extensions import db
from climate.models import AccessCode, Answer, Response

from .test_respond import answers_for, pages_for, response_row, stored, stored_answers

THREADS = 12


def _run(app, work, n=THREADS):
    """Run work(client, i) in n threads, each with its own test client, released together."""
    barrier = threading.Barrier(n)
    errors, statuses = [], []

    def target(i):
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            statuses.extend(work(client, i))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert 500 not in statuses, statuses
    return statuses


def test_simultaneous_starts_saves_and_submits_make_one_response(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    pages = pages_for(administration)
    forms = {p.number: answers_for(p, pick=p.number) for p in pages}
    expected = {}
    for p in pages:
        expected.update(stored(forms[p.number], p))

    def answer_everything(client, i):
        client.get(f"/s/{code}")
        out = [client.post("/s/consent", data={"choice": "yes"}).status_code]
        # Each thread saves every page (in its own order): replays of the same answers.
        order = pages[i % len(pages):] + pages[:i % len(pages)]
        for p in order:
            out.append(client.post(f"/s/p/{p.number}", data={**forms[p.number], "action": "next"}).status_code)
        return out

    statuses = _run(app, answer_everything)
    assert set(statuses) <= {302}
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert stored_answers(code) == expected

    def submit_and_replay(client, i):
        # Half submit, half re-save a page with the same answers at the same moment.
        client.get(f"/s/{code}")
        if i % 2:
            return [client.post(f"/s/submit").status_code]
        return [client.post(f"/s/p/1", data={**forms[1], "action": "next"}).status_code]

    _run(app, submit_and_replay)
    row = response_row(code)
    assert row.status == "submitted"
    assert stored_answers(code) == expected

    def late_changes(client, i):
        client.get(f"/s/{code}")  # refused now: the code is used up
        changed = {k: "1" for k in forms[1]}
        return [client.post(f"/s/p/1", data=changed).status_code,
                client.post(f"/s/submit").status_code]

    _run(app, late_changes)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == len(expected)
    assert stored_answers(code) == expected
    assert db.session.scalar(select(AccessCode.status).where(AccessCode.code == code)) == "submitted"


def test_simultaneous_submits_count_once(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    client = app.test_client()
    client.get(f"/s/{code}")
    client.post("/s/consent", data={"choice": "yes"})
    client.post("/s/p/1", data={"S_CUL_01": "2"})

    def submit(c, i):
        c.get(f"/s/{code}")
        return [c.post("/s/submit").status_code]

    statuses = _run(app, submit, n=16)
    assert statuses.count(302) == 1  # one request submitted; the others got the friendly refusal
    row = response_row(code)
    assert row.status == "submitted" and stored_answers(code) == {"S_CUL_01": 2}


def test_decline_racing_start_leaves_no_orphan(app, administration, world, issue):
    code = issue(administration, world.school_a)[0]

    def work(client, i):
        client.get(f"/s/{code}")
        return [client.post("/s/consent", data={"choice": "no" if i == 3 else "yes"}).status_code]

    _run(app, work, n=8)
    status = db.session.scalar(select(AccessCode.status).where(AccessCode.code == code))
    db.session.expire_all()
    responses = db.session.scalar(select(func.count()).select_from(Response))
    # Whatever the order, "no" wins: the code is opted out and no response is left behind.
    assert status == "opted_out" and responses == 0
