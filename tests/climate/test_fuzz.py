"""Issue 12: every route and method of `app.url_map`, with hostile values in every path part,
query parameter and form field, for an anonymous visitor, a principal and district staff: never a
500, and a refused request writes nothing (no table's row count changes). Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""
import random
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import text

from climate.extensions import db
from climate.models import OpenLink, PlanItem
from tests.conftest import PASSWORD

HOSTILE = ["\x00", "a\x00b", "-1", "0", str(2**31), str(2**63), "9" * 400, "x" * 5000,
           "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30", "2026-13-01", "../../etc/passwd", "..%2F..%2F",
           "' OR 1=1 --", "1; DROP TABLE school", '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
           "\u202eüñí\U0001F600", "", " ", "NaN", "1e309", "=HYPERLINK(\"http://x\")"]
HOSTILE_IDS = [0, 2**31, 2**63]
# Query parameters the pages read, besides those their own GET forms name.
QUERY_NAMES = ["school", "group", "administration", "next", "lang", "view", "sort", "dir", "level", "gaps",
               "gapsby", "incomplete", "include_incomplete", "topic", "subgroup"]
# Tables whose rows a refused request may add on purpose: failure counters of the throttles.
COUNTERS = {"throttle", "throttle_bucket", "failure_counter"}
# Requests that end the client's session or remove the data the others need: run last.
LAST = ("auth.sign_out", "auth.password", "district.reset_password", "administer.delete")
PATH_PART = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


class Forms(HTMLParser):
    """The forms of a page: (method, action path, {field name: baseline value})."""

    def __init__(self):
        super().__init__()
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").upper(), urlsplit(a.get("action") or "").path, {}))
        elif not self.forms or not a.get("name"):
            return
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self.forms[-1][2].setdefault(a["name"], a.get("value", "y"))
        elif tag == "input":
            self.forms[-1][2].setdefault(a["name"], a.get("value", ""))
        elif tag in ("textarea", "select"):
            self.forms[-1][2].setdefault(a["name"], "")
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._select and not self.forms[-1][2].get(self._select):
            self.forms[-1][2][self._select] = a.get("value", "")


def forms_of(html: str):
    parser = Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def scene(world, administration, issue):
    codes = issue(administration, world.school_a, "student", 3)
    link = OpenLink(token="fuzz-open-link-token", administration_id=administration.id,
                    school_id=world.school_a.id, respondent_group="parent")
    item = PlanItem(school_id=world.school_a.id, administration_id=administration.id, kind="recommendation",
                    ref="custom", title="Greet every student", topics=[])
    db.session.add_all([link, item])
    db.session.commit()
    return {"administration_id": administration.id, "school_id": world.school_a.id,
            "user_id": world.principal_a.id, "item_id": item.id, "code": codes[0], "token": link.token,
            "number": "1", "group": "student", "fmt": "csv", "topic": "relationships", "filename": "climate.css"}


def row_counts() -> dict:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in COUNTERS]
    query = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {name})" for name in tables)
    with db.engine.connect() as conn:
        return dict(zip(tables, conn.execute(text(query)).one()))


def path_with(rule, scene, **values) -> str:
    def part(m):
        value = values.get(m.group(2), scene.get(m.group(2), "x"))
        return str(value) if isinstance(value, int) else quote(str(value), safe="")
    return PATH_PART.sub(part, rule.rule)


def check(client, method, path, expect_unchanged=True, **kwargs):
    before = row_counts()
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.status_code)
    if response.status_code >= 400 and expect_unchanged:
        after = row_counts()
        assert after == before, (method, path, kwargs, {k: (before[k], after[k]) for k in before
                                                        if before[k] != after[k]})
    return response


def sign_in(client, email):
    if email:
        assert client.post("/auth/sign-in", data={"email": email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("who", ["anonymous", "principal", "staff"])
def test_no_route_gives_a_500_or_half_writes(app, scene, world, who):
    email = {"anonymous": None, "principal": world.principal_a.email, "staff": world.staff1.email}[who]
    rng = random.Random(f"fuzz-{who}")
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, LAST.index(r.endpoint)
                                                           if r.endpoint in LAST else 0, r.rule))
    client = app.test_client()
    sign_in(client, email)
    forms = {}
    for rule in rules:  # the real pages first: their forms give each POST a valid baseline
        if "GET" in rule.methods and rule.endpoint != "static":
            page = check(client, "GET", path_with(rule, scene))
            if page.mimetype == "text/html":
                for method, action, fields in forms_of(page.get_data(as_text=True)):
                    forms.setdefault((method, action or path_with(rule, scene)), {}).update(fields)
    for rule in rules:
        client = app.test_client()
        sign_in(client, email)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            real = path_with(rule, scene)
            for name in rule.arguments:
                ints = "<int:" + name in rule.rule
                for value in HOSTILE_IDS if ints else rng.sample(HOSTILE, 6):
                    check(client, method, path_with(rule, scene, **{name: value}))
            names = list(forms.get(("GET", real), {})) + QUERY_NAMES
            for value in rng.sample(HOSTILE, 8):
                check(client, method, real, query_string={n: value for n in names})
            if method == "POST":
                baseline = forms.get(("POST", real), {})
                for name in list(baseline) or ["x"]:
                    for value in rng.sample(HOSTILE, 4):
                        check(client, method, real, data={**baseline, name: value})
                check(client, method, real, data={k: "\x00" for k in baseline} | {"\x00": "1"})
