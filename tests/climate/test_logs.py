"""Issue 12, logs: no access code or open-link token in any log, with the built-in server's
redaction and with the documented deployment (gunicorn)."""
import http.cookiejar
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from sqlalchemy import select

from climate.extensions import db
from climate.models import AccessCode, OpenLink

REPO = Path(__file__).resolve().parents[2]
TOKEN = "Qx7Z_rk9W-p3mLv_8tHy-2nBc_6dJf"  # an open-link token as secrets.token_urlsafe makes them: _ and -


def werkzeug_line(caplog, request_line):
    """What the built-in server logs for one request (werkzeug's own format), after our filter."""
    caplog.clear()
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s %s', "127.0.0.1", "01/Dec/2026 10:00:00",
                                       request_line, "302", "-")
    return caplog.records[-1].getMessage()


@pytest.mark.parametrize("request_line", [
    f"GET /o/{TOKEN} HTTP/1.1",
    "GET /s/K7QM-4TXD-9R/p/3 HTTP/1.1",
    "POST /s/K7QM-4TXD-9R/consent?lang=es HTTP/1.1",
    "GET /s/K7QM-4TXD-9R HTTP/1.1",
    "GET /auth/sign-in?next=/s/K7QM-4TXD-9R HTTP/1.1",
    "GET /s?code=K7QM-4TXD-9R HTTP/1.1",
])
def test_built_in_server_log_lines_carry_no_code_or_token(app, caplog, request_line):
    caplog.set_level(logging.INFO, logger="werkzeug")
    line = werkzeug_line(caplog, request_line)
    assert "K7QM" not in line and "4TXD" not in line and "-9R" not in line
    for part in re.split(r"[_-]", TOKEN):
        assert part not in line
    assert line.startswith('127.0.0.1 - - [01/Dec/2026 10:00:00] "') and "<redacted>" in line


# --- the documented deployment: gunicorn -c gunicorn.conf.py wsgi:app --------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A cookie-keeping HTTP client that follows redirects, as a respondent's browser does."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as reply:
            return reply.geturl()[len(self.base):], reply.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as reply:
            return reply.geturl()[len(self.base):], reply.read().decode()


def token_in(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def wait_until_up(base, server):
    for _ in range(150):
        if server.poll() is not None:
            pytest.fail("gunicorn stopped at start")
        try:
            urllib.request.urlopen(base + "/auth/sign-in", timeout=2).close()
            return
        except OSError:  # not listening yet, or still starting its workers
            time.sleep(0.2)
    pytest.fail("gunicorn did not start")


def test_gunicorn_deployment_logs_no_code_or_token(app, administration, world, issue, tmp_path):
    codes = issue(administration, world.school_a, "student", 2)
    db.session.add(OpenLink(token=TOKEN, administration_id=administration.id, school_id=world.school_a.id,
                            respondent_group="parent"))
    db.session.commit()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SESSION_COOKIE_SECURE="false",
               CLIMATE_BIND=f"127.0.0.1:{port}",
               WEB_CONCURRENCY="2", PYTHONPATH=str(REPO))
    out, err = open(tmp_path / "stdout.log", "w"), open(tmp_path / "stderr.log", "w")
    # the documented command, as the README gives it
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=REPO, env=env, stdout=out, stderr=err)
    try:
        wait_until_up(base, server)
        student = Browser(base)
        # a code typed on the entry page, consent, a page of answers
        _, html = student.get("/s")
        where, html = student.post("/s", {"code": codes[0], "csrf_token": token_in(html)})
        where, html = student.post(where, {"choice": "yes", "csrf_token": token_in(html)})
        assert "/p/" in where
        student.post(where, {"S_CUL_01": "3", "csrf_token": token_in(html)})
        student.get(f"/s/{codes[0]}?lang=es")
        # a code in the address bar, and a wrong one
        Browser(base).get(f"/s/{codes[1]}")
        try:
            Browser(base).get("/s/ZZZZ-ZZZZ-ZZ")
        except urllib.error.HTTPError:
            pass
        # an open link
        parent = Browser(base)
        where, html = parent.get(f"/o/{TOKEN}")
        assert "consent" in where
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()
        err.close()
    logs = (tmp_path / "stdout.log").read_text() + (tmp_path / "stderr.log").read_text()
    assert len(re.findall(r"(GET|POST) /[so]/\S+", logs)) >= 10, logs  # the access log has the walk
    issued = list(db.session.scalars(select(AccessCode.code)))  # the open link's fresh code too
    assert len(issued) == 3
    for secret in issued + [TOKEN, "ZZZZ-ZZZZ-ZZ"]:
        for part in re.split(r"[_-]", secret):
            if len(part) >= 4:
                assert part not in logs, (secret, logs)
