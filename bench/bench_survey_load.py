"""Load benchmark of the respondent pages: gunicorn + PostgreSQL on loopback, simulated respondents.

    .venv/bin/python bench/bench_survey_load.py [--levels 50,200,500] [--workers 4] [--threads 8]

What it does (bounded: every respondent walks the survey once; every request has a timeout):
1. prints the machine (CPU model, cores);
2. creates the PostgreSQL database `climate_bench` if missing (user climate, CREATEDB) and migrates
   it with `climate db upgrade`;
3. seeds a fresh administration (student questionnaire, SRO module, one custom item) and one
   access code per simulated respondent;
4. starts `gunicorn -w 4 -k gthread --threads 8 wsgi:app` on a free 127.0.0.1 port;
5. for each concurrency level N: a baseline (N clients fetching a static file, same client code)
   then N respondents at once, each on its own keep-alive connection: open the code, consent, then
   for every page GET it (reading the CSRF token from the page) and POST its answers, review,
   submit. Reports page submissions per second and p50/p95 latency, and the ratio to the baseline;
6. proves with SQL that every response is submitted once and every posted answer is stored
   exactly once with the posted value; stops gunicorn.

The client is asyncio streams with a minimal HTTP/1.1 parser (no dependencies), so hundreds of
respondents cost one thread. CSRF stays on; SESSION_COOKIE_SECURE=false because this is plain http.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from machine import describe  # bench/ is on the path when run as a script
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PG = dict(host="127.0.0.1", port=5432, user="climate", password="climate")
DB_NAME = "climate_bench"
DATABASE_URL = f"postgresql+psycopg://climate:climate@127.0.0.1:5432/{DB_NAME}"
TOKEN_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
REQUEST_TIMEOUT = 60.0


# --- setup --------------------------------------------------------------------------------------

def ensure_database() -> None:
    import psycopg
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
            print(f"created database {DB_NAME}")
    subprocess.run([str(VENV_BIN / "climate"), "db", "upgrade"], cwd=ROOT, env=server_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def server_env() -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=DATABASE_URL, SESSION_COOKIE_SECURE="false",
               SECRET_KEY=env.get("SECRET_KEY", "bench-secret-key-not-for-production"),
               CLIMATE_INSTANCE_PATH=env.get("CLIMATE_INSTANCE_PATH", "/tmp/climate-bench-instance"))
    return env


def seed(n_codes: int):
    """A fresh administration and n_codes codes; returns (administration id, codes, pages as item lists)."""
    os.environ.update(server_env())
    from climate import create_app
    from climate.administer.service import create_administration
    from climate.codes import issue_codes
    from climate.extensions import db
    from climate.models import District, School
    from climate.respond import progress as svc

    app = create_app()
    with app.app_context():
        district = db.session.query(District).filter_by(name="Bench District").one_or_none()
        if district is None:
            district = District(name="Bench District", timezone="UTC")
            db.session.add(district)
            db.session.flush()
            db.session.add(School(district_id=district.id, name="Bench School", level="high", grade_low=9,
                                  grade_high=12, enrollment_student=5000))
            db.session.flush()
        school = db.session.query(School).filter_by(district_id=district.id).first()
        now = dt.datetime.utcnow()
        admin = create_administration(
            district, f"Load test {now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}", now - dt.timedelta(days=1),
            now + dt.timedelta(days=1), [school], ["student"], sro_module=True,
            custom_items={"student": [{"text": {"en": "Bus?", "es": "¿Autobús?"},
                                       "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]}]})
        db.session.flush()
        codes = [c.code for c in issue_codes(admin.id, school.id, "student", n_codes)]
        db.session.commit()
        instrument, custom = svc._pinned(admin.id, "student")
        pages = [[(it.id, tuple(it.values), bool(getattr(it, "multiple", False))) for it in p.items]
                 for p in svc.survey_pages(admin, instrument, custom)]
        return admin.id, codes, pages


def answer_for(code: str, item_id: str, values: tuple, multiple: bool, page_no: int) -> int | None:
    """A deterministic answer (or skip) per code and item, so the database can be checked."""
    h = hash((code, item_id)) % 100
    if h < 8:
        return None  # about 8% of items skipped
    if multiple:
        return values[h % (len(values) - 1)]  # one race, never "prefer not" mixed
    return values[h % len(values)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    log = open("/tmp/climate-bench-gunicorn.log", "w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "--backlog", "2048", "--keep-alive", "30", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited; see /tmp/climate-bench-gunicorn.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(1.5)  # let every worker finish booting
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


# --- a tiny HTTP/1.1 keep-alive client ------------------------------------------------------------

class Conn:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None):
        """(status, headers dict, body bytes); reconnects once if the server closed the connection."""
        for attempt in (1, 2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                return await asyncio.wait_for(self._once(method, path, form), REQUEST_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise

    async def _once(self, method, path, form):
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: keep-alive",
                "User-Agent: climate-bench"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        headers, length, close = {}, None, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = value
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(chunks)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, headers, data

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except Exception:
                pass
        self.reader = self.writer = None


def token(body: bytes) -> str:
    m = TOKEN_RE.search(body)
    if not m:
        raise RuntimeError("no CSRF token on the page")
    return m.group(1).decode()


async def respondent(port: int, code: str, pages, post_latencies: list, all_latencies: list, sent: dict):
    conn = Conn(port)

    async def timed(method, path, form=None, bucket=None):
        t0 = time.perf_counter()
        status, headers, body = await conn.request(method, path, form)
        elapsed = time.perf_counter() - t0
        all_latencies.append(elapsed)
        if bucket is not None:
            bucket.append(elapsed)
        return status, headers, body

    try:
        status, headers, _ = await timed("GET", f"/s/{code}")
        assert status == 302 and headers["location"].endswith("/consent"), (status, headers)
        _, _, body = await timed("GET", f"/s/{code}/consent")
        status, headers, _ = await timed("POST", f"/s/{code}/consent", [("csrf_token", token(body)), ("choice", "yes")])
        assert status == 302, status
        for number, items in enumerate(pages, start=1):
            status, _, body = await timed("GET", f"/s/{code}/p/{number}")
            assert status == 200, (status, number)
            form = [("csrf_token", token(body)), ("action", "next")]
            for item_id, values, multiple in items:
                value = answer_for(code, item_id, values, multiple, number)
                if value is not None:
                    form.append((item_id, str(value)))
                    sent[(code, item_id)] = value
            status, _, _ = await timed("POST", f"/s/{code}/p/{number}", form, post_latencies)
            assert status == 302, (status, number)
        _, _, body = await timed("GET", f"/s/{code}/review")
        status, headers, _ = await timed("POST", f"/s/{code}/submit", [("csrf_token", token(body))])
        assert status == 302 and headers["location"].endswith("/s/thanks"), status
        return True
    finally:
        await conn.close()


async def static_client(port: int, n_requests: int, latencies: list):
    conn = Conn(port)
    try:
        for _ in range(n_requests):
            t0 = time.perf_counter()
            status, _, _ = await conn.request("GET", "/static/climate.css")
            latencies.append(time.perf_counter() - t0)
            assert status == 200
    finally:
        await conn.close()


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def run_level(port, n, codes, pages, requests_per_respondent):
    base_lat: list[float] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(static_client(port, requests_per_respondent, base_lat) for _ in range(n)))
    base_secs = time.perf_counter() - t0
    post_lat: list[float] = []
    all_lat: list[float] = []
    sent: dict = {}
    t0 = time.perf_counter()
    results = await asyncio.gather(*(respondent(port, c, pages, post_lat, all_lat, sent) for c in codes),
                                   return_exceptions=True)
    secs = time.perf_counter() - t0
    failures = [r for r in results if r is not True]
    return {
        "n": n, "secs": secs, "page_posts": len(post_lat), "posts_per_s": len(post_lat) / secs,
        "requests_per_s": len(all_lat) / secs, "p50": pct(post_lat, 50), "p95": pct(post_lat, 95),
        "all_p50": pct(all_lat, 50), "all_p95": pct(all_lat, 95),
        "base_per_s": len(base_lat) / base_secs, "base_p50": pct(base_lat, 50), "base_p95": pct(base_lat, 95),
        "failures": failures, "sent": sent,
    }


def verify(administration_id: int, sent: dict, n_respondents: int) -> str:
    """SQL proof: every respondent submitted exactly once, every posted answer stored exactly once."""
    import psycopg
    with psycopg.connect(dbname=DB_NAME, **PG) as conn:
        responses, submitted = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'submitted') FROM response WHERE administration_id = %s",
            (administration_id,)).fetchone()
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT a.response_id, a.item_id FROM answer a JOIN response r ON r.id = a.response_id "
            "WHERE r.administration_id = %s GROUP BY 1, 2 HAVING count(*) > 1) d", (administration_id,)).fetchone()[0]
        rows = conn.execute(
            "SELECT c.code, a.item_id, a.value FROM answer a JOIN response r ON r.id = a.response_id "
            "JOIN access_code c ON c.id = r.access_code_id WHERE r.administration_id = %s", (administration_id,)).fetchall()
        codes_submitted = conn.execute(
            "SELECT count(*) FROM access_code WHERE administration_id = %s AND status = 'submitted'",
            (administration_id,)).fetchone()[0]
    stored = {(c, i): v for c, i, v in rows}
    ok = (responses == submitted == codes_submitted == n_respondents and dupes == 0 and len(rows) == len(stored)
          and stored == sent)
    report = (f"responses {responses}, submitted {submitted}, codes used {codes_submitted}, expected {n_respondents}; "
              f"answers stored {len(rows)}, answers posted {len(sent)}, duplicates {dupes}, "
              f"values equal to posted: {stored == sent}")
    if not ok:
        raise SystemExit("VERIFY FAILED: " + report)
    return "OK: " + report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="50,200,500")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(describe())
    ensure_database()
    warmup = 2 * args.workers
    admin_id, codes, pages = seed(warmup + sum(levels))
    n_items = sum(len(p) for p in pages)
    requests_per_respondent = 3 + 2 * len(pages) + 2
    print(f"administration {admin_id}: {len(pages)} pages, {n_items} items; "
          f"{requests_per_respondent} requests per respondent; gunicorn -w {args.workers} -k gthread --threads {args.threads}")
    port = free_port()
    proc = start_gunicorn(port, args.workers, args.threads)
    sent_all: dict = {}
    rows = []
    try:
        # Warm-up (not reported, but verified): every worker imports, connects and parses the instrument.
        result = asyncio.run(run_level(port, warmup, codes[:warmup], pages, 10))
        sent_all.update(result["sent"])
        rows.append(result)
        start = warmup
        for n in levels:
            result = asyncio.run(run_level(port, n, codes[start:start + n], pages, requests_per_respondent))
            start += n
            sent_all.update(result["sent"])
            rows.append(result)
            if result["failures"]:
                print(f"  {len(result['failures'])} respondents failed, first: {result['failures'][0]!r}")
            print(f"N={n:>4}: {result['page_posts']} page posts in {result['secs']:.1f}s = {result['posts_per_s']:.0f}/s "
                  f"(all requests {result['requests_per_s']:.0f}/s); page post p50 {result['p50'] * 1000:.0f} ms, "
                  f"p95 {result['p95'] * 1000:.0f} ms | baseline static file {result['base_per_s']:.0f}/s, "
                  f"p50 {result['base_p50'] * 1000:.0f} ms, p95 {result['base_p95'] * 1000:.0f} ms | "
                  f"survey requests/s as share of baseline: {result['requests_per_s'] / result['base_per_s']:.2f}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    print("verify:", verify(admin_id, sent_all, sum(r["n"] - len(r["failures"]) for r in rows)))
    if any(r["failures"] for r in rows):
        raise SystemExit("some respondents failed")


if __name__ == "__main__":
    main()
