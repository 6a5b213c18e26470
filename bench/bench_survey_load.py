"""Load benchmark of the respondent pages: gunicorn (+ nginx with --two-hosts) and PostgreSQL on loopback.

    python bench/bench_survey_load.py                       # baselines + steps 1000,2000,5000,7500,10000
    python bench/bench_survey_load.py --steps 1000,2000 --workers 4 --threads 4 --worker-class gthread
    python bench/bench_survey_load.py --steps ""            # baselines only (server configurations)
    python bench/bench_survey_load.py --two-hosts           # two app processes behind nginx
    python bench/bench_survey_load.py --smoke               # CI: seconds, SQLite unless DATABASE_URL

One run measures (issue 13):
1. baselines, same run, same client: requests/s and server CPU per request of the static CSS file,
   of GET /s (the code form), of a survey page view (GET /s/p/<n>, the session names the response) and of a page save (POST),
   with the ratios save / GET /s and view / GET /s (targets 2x and 1.5x). Server CPU is the gunicorn
   workers' utime+stime from /proc (plus the PostgreSQL backends' of this database), read before and
   after a fixed number of requests: the load generator shares the cores, so CPU per request is the
   stable figure, requests/s the noisy one;
2. think-time capacity steps: N respondents arrive spread over the first think interval (--ramp) and
   walk the whole student survey (open the code, consent, every page GET + POST, review, submit) with
   --think seconds (uniform) between pages; after the ramp and --settle (one think interval, so the
   consents are done) a fixed --window is measured: saves/s, views/s, p50/p95/p99 of views and
   saves, errors, whether p95 < 300 ms held, server CPU per request, and the generator's own CPU share and event-loop lag (if the generator saturates, the
   step says so: its latencies are then the client's, not the server's). At the window's end the
   respondents stop; --finish of them complete the survey at once, so every step submits some;
3. the exactly-once SQL check over everything the run posted: every answer of every page save that
   got its redirect is stored exactly once with the posted value, no other answer exists, every
   respondent who consented has one response, every one who submitted is submitted once;
4. that no access code appears in the gunicorn (and nginx) logs.

Every loop is bounded in count and time and all traffic goes to 127.0.0.1. The client is asyncio
with a minimal HTTP/1.1 parser. A page visit opens one connection for the POST and the redirected
GET and closes it: after 10-30 s of reading, a browser's keep-alive connection has been closed by
the server (gunicorn's keep-alive is seconds; nginx's 75 s would keep some), so each page visit
costs a TCP connect, as it does for students behind a school's NAT. Baselines use keep-alive
connections (back-to-back requests, like a browser fetching a page's assets).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://climate:climate@127.0.0.1:5432/climate_load"
TOKEN_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
INPUT_RE = re.compile(rb'<input type="(radio|checkbox)"[^>]*name="([^"]+)" value="(\d+)"')
CODE_RE = re.compile(r"[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{2}")
REQUEST_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- database -----------------------------------------------------------------------------------

def cli(args: list[str], env: dict) -> None:
    """`climate ARGS` with this checkout's code (cwd is the repository root)."""
    subprocess.run([sys.executable, "-c", "import sys; from climate.cli import main; main(sys.argv[1:])", *args],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def ensure_postgres(url: str, env: dict) -> None:
    """Create the database if missing (the user needs CREATEDB) and migrate it."""
    import psycopg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{u.database}"')
            print(f"created database {u.database}")
    cli(["db", "upgrade"], env)


def seed(n_codes: int) -> tuple[int, list[str], str]:
    """A fresh administration (student questionnaire, SRO module, one custom item) and n_codes access
    codes; returns (administration id, codes, the database URL the app resolved)."""
    from climate import create_app
    from climate.administer.service import create_administration
    from climate.codes import issue_codes
    from climate.extensions import db
    from climate.models import District, School

    app = create_app()
    with app.app_context():
        district = db.session.query(District).filter_by(name="Load District").one_or_none()
        if district is None:
            district = District(name="Load District", timezone="UTC")
            db.session.add(district)
            db.session.flush()
            db.session.add(School(district_id=district.id, name="Load School", level="high", grade_low=9,
                                  grade_high=12, enrollment_student=50000))
            db.session.flush()
        school = db.session.query(School).filter_by(district_id=district.id).first()
        now = dt.datetime.utcnow()
        admin = create_administration(
            district, f"Load test {now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}", now - dt.timedelta(days=1),
            now + dt.timedelta(days=1), [school], ["student"], sro_module=True,
            custom_items={"student": [{"text": {"en": "Bus?", "es": "¿Autobús?"},
                                       "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]}]})
        db.session.flush()
        codes: list[str] = []
        while len(codes) < n_codes:  # batches keep the collision check's IN list small
            codes += [c.code for c in issue_codes(admin.id, school.id, "student", min(5000, n_codes - len(codes)))]
            db.session.flush()
        db.session.commit()
        return admin.id, codes, app.config["SQLALCHEMY_DATABASE_URI"]


# --- servers ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path) -> None:
    """Wait until the process listens on the port; stop it and exit if it does not."""
    try:
        _wait_for_port(port, proc, what, log)
    except SystemExit:
        stop(proc)
        raise


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port} within 60 s; see {log}")


@dataclass
class Server:
    """A gunicorn or nginx master process; its workers are its children."""
    port: int
    proc: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            return [int(p) for p in text.split()]
        except OSError:
            return []


def start_gunicorn(args, env: dict, log: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}"]
    for flag, value in (("--workers", args.workers), ("--threads", args.threads),
                        ("--worker-class", args.worker_class), ("--keep-alive", args.keep_alive)):
        if value is not None:
            cmd += [flag, str(value)]
    out = open(log, "w")
    proc = subprocess.Popen([*cmd, "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    wait_for_port(port, proc, "gunicorn", log)
    deadline = time.monotonic() + 60
    server = Server(port, proc, log)
    want = args.workers or int(env.get("WEB_CONCURRENCY", "4"))
    while len(server.workers()) < want and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the workers import the app after forking
    return server


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def nginx_conf(app_ports: list[int], port: int, workdir: Path) -> str:
    """deploy/nginx-two-apps.conf with this run's ports and paths (loopback only)."""
    text = (ROOT / "deploy" / "nginx-two-apps.conf").read_text()
    servers = iter(app_ports)
    text = re.sub(r"server 127\.0\.0\.1:800[12]", lambda m: f"server 127.0.0.1:{next(servers)}", text)
    text = text.replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{port}")
    text = text.replace("/srv/climate/climate/static/", f"{ROOT}/climate/static/")
    text = re.sub(r"^pid .*;$", f"pid {workdir}/nginx.pid;", text, flags=re.M)
    text = re.sub(r"^(\s*)(error|access)_log /[^\s;]+", rf"\1\2_log {workdir}/\2.log", text, flags=re.M)
    temp = "".join(f"    {name}_temp_path {workdir}/{name};\n" for name in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return text.replace("http {\n", "http {\n" + temp, 1)


def start_nginx(app_ports: list[int], workdir: Path) -> tuple[int, subprocess.Popen]:
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_conf(app_ports, port, workdir))
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                            stdout=open(workdir / "stdout.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(port, proc, "nginx", workdir / "error.log")
    return port, proc


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def machine_cpu() -> tuple[int, int, int]:
    """(busy, steal, total) jiffies of the whole machine, all cores (/proc/stat's first line)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return user + nice + system + irq + softirq, steal, user + nice + system + idle + iowait + irq + softirq + steal


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full (TcpExt
    ListenOverflows, all sockets, since boot): a dropped connect is retried after 1 s, then 3 s."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:])).get("ListenOverflows", 0))


class CpuMeter:
    """Server CPU seconds: gunicorn workers, and the PostgreSQL backends of the bench database."""

    def __init__(self, servers: list[Server], url: str, proxy: Server | None = None):
        self.servers, self.url, self.proxy = servers, url, proxy

    def _pg_pids(self) -> list[int]:
        if not self.url.startswith("postgresql"):
            return []
        import psycopg
        from sqlalchemy.engine import make_url
        u = make_url(self.url)
        with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                             dbname=u.database) as conn:
            return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                               "AND pid <> pg_backend_pid()")]

    def read(self) -> tuple[float, dict[int, float], float]:
        app = cpu_seconds([p for s in self.servers for p in s.workers()])
        proxy = cpu_seconds(self.proxy.workers()) if self.proxy else 0.0
        return app, {pid: cpu_seconds([pid]) for pid in self._pg_pids()}, proxy

    @staticmethod
    def delta(before, after) -> tuple[float, float, float]:
        """(app, PostgreSQL, nginx) CPU seconds between two reads; backends that exist in both
        reads count fully, backends opened in between from zero."""
        pg = sum(after[1][p] - before[1].get(p, 0.0) for p in after[1])
        return after[0] - before[0], pg, after[2] - before[2]


# --- a minimal HTTP/1.1 client ------------------------------------------------------------------

class Conn:
    """One TCP connection; responses are read by Content-Length or chunks."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, cookies: dict, form: list | None, headers=()):
        for attempt in (1, 2):
            fresh = self.writer is None
            try:
                if fresh:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                return await self._once(method, path, cookies, form, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if fresh or attempt == 2:  # a reused keep-alive connection may have been closed by the server
                    raise

    async def _once(self, method, path, cookies, form, extra):
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "User-Agent: climate-load", *extra]
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if form is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers, length, close = {}, None, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
                continue
            headers[name] = value
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.lower() == "close":
                close = True
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
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


def kind_of(method: str, path: str) -> str:
    if "/p/" in path:
        return "save" if method == "POST" else "view"
    return "other"


class Recorder:
    """Latencies per kind of the requests that start inside the measured window."""

    def __init__(self):
        self.window = (0.0, float("inf"))
        self.latencies: dict[str, list[float]] = {"view": [], "save": [], "other": []}
        self.errors: list[str] = []
        self.upstreams: dict[str, set] = {}

    def add(self, kind: str, started: float, elapsed: float):
        if self.window[0] <= started < self.window[1]:
            self.latencies[kind].append(elapsed)


class Browser:
    """One respondent's browser: a cookie jar, and either one keep-alive connection or one
    connection per page visit (the POST and the GET it redirects to)."""

    def __init__(self, port: int, rec: Recorder, keep_alive: bool, code: str = "-"):
        self.port, self.rec, self.keep_alive, self.code = port, rec, keep_alive, code
        self.cookies: dict[str, str] = {}
        self.conn = Conn(port)

    async def request(self, method, path, form=None):
        started = time.perf_counter()
        status, headers, body = await asyncio.wait_for(self.conn.request(method, path, self.cookies, form),
                                                       REQUEST_TIMEOUT)
        self.rec.add(kind_of(method, path), started, time.perf_counter() - started)
        if "x-upstream" in headers:
            self.rec.upstreams.setdefault(self.code, set()).add(headers["x-upstream"])
        return status, headers, body

    async def visit(self, method, path, form=None):
        """A request and, for a redirect, the GET of its target; [(status, path, body), ...]."""
        try:
            status, headers, body = await self.request(method, path, form)
            out = [(status, path, body)]
            if status in (302, 303) and "location" in headers:
                target = urlsplit(headers["location"])
                path = target.path + (f"?{target.query}" if target.query else "")
                status, headers, body = await self.request("GET", path)
                out.append((status, path, body))
            return out
        finally:
            if not self.keep_alive:
                await self.conn.close()

    async def close(self):
        await self.conn.close()


def token(body: bytes) -> str:
    m = TOKEN_RE.search(body)
    if not m:
        raise RuntimeError("no CSRF token on the page")
    return m.group(1).decode()


def page_items(body: bytes) -> dict[str, tuple[str, list[int]]]:
    """item id -> (radio|checkbox, values) of the questions on a page."""
    items: dict[str, tuple[str, list[int]]] = {}
    for kind, name, value in INPUT_RE.findall(body):
        items.setdefault(name.decode(), (kind.decode(), []))[1].append(int(value))
    return items


def answers_for(code: str, items: dict) -> dict[str, int]:
    """A deterministic answer per code and item; about 8% of items skipped. A checkbox item gets
    one box that is not the last ("prefer not to say" must stand alone)."""
    out = {}
    for item_id, (kind, values) in items.items():
        h = zlib.crc32(f"{code}:{item_id}".encode()) % 100
        if h < 8:
            continue
        out[item_id] = values[h % (len(values) - 1)] if kind == "checkbox" else values[h % len(values)]
    return out


class Ledger:
    """What the server confirmed, to prove exactly-once storage afterwards."""

    def __init__(self):
        self.pages: dict[tuple[str, int], dict[str, int]] = {}  # (code, page) -> answers of its last confirmed save
        self.page_items: dict[int, list[str]] = {}
        self.uncertain: set[tuple[str, int]] = set()  # a save whose outcome the client never saw
        self.consented: set[str] = set()
        self.submitted: set[str] = set()
        self.unconfirmed: set[str] = set()  # codes whose consent or submit reply the client never saw


class Stopped(Exception):
    pass


class WalkError(Exception):
    pass


def expect(cond: bool, what: str):
    if not cond:
        raise WalkError(what)


PAGE_PATH = re.compile(r"^/s/p/(\d+)$")


async def save(browser: Browser, ledger: Ledger, code: str, path: str, body: bytes):
    """POST a page's answers from its HTML; returns the visit (the POST and its redirected GET)."""
    number = int(PAGE_PATH.match(path).group(1))
    items = page_items(body)
    ledger.page_items.setdefault(number, list(items))
    answers = answers_for(code, items)
    form = [("csrf_token", token(body)), ("action", "next"), *((k, str(v)) for k, v in answers.items())]
    ledger.uncertain.add((code, number))
    out = await browser.visit("POST", path, form)
    expect(out[0][0] == 302, f"save of page {number}: status {out[0][0]}")
    ledger.pages[(code, number)] = answers
    ledger.uncertain.discard((code, number))
    return out


async def walk(browser: Browser, code: str, ledger: Ledger, think):
    """The whole student survey: open the code, consent, every page, review, submit."""
    out = await browser.visit("GET", f"/s/{code}")
    status, path, body = out[-1]
    expect(status == 200 and path.endswith("/consent"), f"open: {status} {path}")
    await think()
    ledger.unconfirmed.add(code)
    out = await browser.visit("POST", path, [("csrf_token", token(body)), ("choice", "yes")])
    expect(out[0][0] == 302, f"consent: status {out[0][0]}")
    ledger.consented.add(code)
    ledger.unconfirmed.discard(code)
    status, path, body = out[-1]
    while PAGE_PATH.match(path):
        expect(status == 200, f"view {path}: status {status}")
        await think()
        status, path, body = (await save(browser, ledger, code, path, body))[-1]
    expect(status == 200 and path.endswith("/review"), f"after the last page: {status} {path}")
    await think()
    ledger.unconfirmed.add(code)
    out = await browser.visit("POST", "/s/submit", [("csrf_token", token(body))])
    expect(out[0][0] == 302 and out[-1][1].startswith("/s/thanks") and out[-1][0] == 200,
           f"submit: {[(s, p) for s, p, _ in out]}")
    ledger.submitted.add(code)
    ledger.unconfirmed.discard(code)


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def ms(x: float) -> str:
    return "-" if x != x else f"{x * 1000:.0f} ms"


# --- baselines ----------------------------------------------------------------------------------

async def consent_pool(port: int, codes: list[str], ledger: Ledger, rec: Recorder) -> list[tuple[Browser, str, str]]:
    """Respondents who consented, each with a keep-alive browser and its CSRF token; the first also
    walks every page once, so the page structure is known."""
    pool = []
    for i, code in enumerate(codes):
        b = Browser(port, rec, keep_alive=True, code=code)
        out = await b.visit("GET", f"/s/{code}")
        out = await b.visit("POST", out[-1][1], [("csrf_token", token(out[-1][2])), ("choice", "yes")])
        ledger.consented.add(code)
        status, path, body = out[-1]
        expect(status == 200 and PAGE_PATH.match(path) is not None, f"pool consent: {status} {path}")
        if i == 0:
            while PAGE_PATH.match(path):
                status, path, body = (await save(b, ledger, code, path, body))[-1]
        pool.append((b, code, token(body)))
    return pool


async def measure(name: str, n: int, concurrency: int, make, meter: CpuMeter, into: dict | None = None):
    """n requests from `concurrency` keep-alive clients; make(client index, request index) is a
    coroutine doing one request and returning its status. Sums go into `into` (a row built up
    over several rounds) when given; the row is returned."""
    counter = iter(range(n))
    row = into if into is not None else {"name": name, "n": 0, "wall": 0.0, "client_cpu": 0.0, "app": 0.0,
                                         "pg": 0.0, "proxy": 0.0, "latencies": [], "statuses": {}, "loads": []}

    async def client(c):
        for i in counter:
            t0 = time.perf_counter()
            status = await make(c, i)
            row["latencies"].append(time.perf_counter() - t0)
            row["statuses"][status] = row["statuses"].get(status, 0) + 1

    before, cpu0, t0 = meter.read(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(concurrency)))
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    app, pg, proxy = CpuMeter.delta(before, meter.read())
    row["n"] += n
    row["wall"] += wall
    row["client_cpu"] += client_cpu
    row["app"] += app
    row["pg"] += pg
    row["proxy"] += proxy
    row["loads"].append(os.getloadavg()[0])
    m = row["n"]
    row.update(rps=m / row["wall"], app_ms=row["app"] / m * 1000, pg_ms=row["pg"] / m * 1000,
               proxy_ms=row["proxy"] / m * 1000, p50=pct(row["latencies"], 50), p95=pct(row["latencies"], 95),
               client_share=row["client_cpu"] / row["wall"], load=sum(row["loads"]) / len(row["loads"]))
    return row


BASELINE_ROUNDS = 5


async def baselines(port: int, codes: list[str], ledger: Ledger, meter: CpuMeter, n: int, concurrency: int):
    rec = Recorder()
    pool = await consent_pool(port, codes, ledger, rec)
    pages = sorted(ledger.page_items)
    plain = [Browser(port, rec, keep_alive=True) for _ in range(concurrency)]
    page_cache: dict[int, bytes] = {}
    for number in pages:
        page_cache[number] = (await pool[0][0].visit("GET", f"/s/p/{number}"))[0][2]

    async def static(c, i):
        return (await plain[c].request("GET", "/static/climate.css"))[0]

    async def code_form(c, i):
        return (await plain[c].request("GET", "/s"))[0]

    async def view(c, i):
        b, code, _ = pool[c % len(pool)]
        return (await b.request("GET", f"/s/p/{pages[i % len(pages)]}"))[0]

    async def post(c, i):
        b, code, tok = pool[c % len(pool)]
        number = pages[i % len(pages)]
        answers = answers_for(code, page_items(page_cache[number]))
        ledger.uncertain.add((code, number))
        status = (await b.request("POST", f"/s/p/{number}",
                                  [("csrf_token", tok), ("action", "next"), *((k, str(v)) for k, v in answers.items())]))[0]
        if status == 302:
            ledger.pages[(code, number)] = answers
            ledger.uncertain.discard((code, number))
        return status

    for name, make in (("warm-up", view), ("warm-up", post), ("warm-up", code_form)):
        await measure(name, 20 * concurrency, concurrency, make, meter)
    # The kinds take turns, in BASELINE_ROUNDS rounds (alternating order), so a change in what
    # else runs on the machine falls on every kind alike instead of on the one measured then.
    kinds = (("static CSS", static, 200), ("GET /s", code_form, 200), ("page view", view, 200),
             ("page save", post, 302))
    rows = {name: None for name, _, _ in kinds}
    share = max(1, n // BASELINE_ROUNDS)
    for r in range(BASELINE_ROUNDS):
        for name, make, _ in (kinds if r % 2 == 0 else kinds[::-1]):
            rows[name] = await measure(name, share, concurrency, make, meter, rows[name])
    for name, _, ok in kinds:
        bad = {s: k for s, k in rows[name]["statuses"].items() if s != ok}
        if bad:
            rec.errors.append(f"{name}: unexpected statuses {bad}")
    rows = list(rows.values())
    for b in [p[0] for p in pool] + plain:
        await b.close()
    return rows, rec.errors


def print_baselines(rows):
    by = {r["name"]: r for r in rows}
    print(f"\nBaselines ({rows[0]['n']} requests each in {BASELINE_ROUNDS} interleaved rounds, keep-alive clients; "
          "load avg: the mean over the rounds):")
    print("| request | requests/s | p50 | p95 | app CPU/request | PostgreSQL CPU/request | nginx CPU/request "
          "| generator CPU share | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['rps']:.0f} | {ms(r['p50'])} | {ms(r['p95'])} | {r['app_ms']:.2f} ms | "
              f"{r['pg_ms']:.2f} ms | {r['proxy_ms']:.2f} ms | {r['client_share']:.0%} | {r['load']:.1f} |")
    form = by["GET /s"]
    for name, target in (("page save", 2.0), ("page view", 1.5)):
        r = by[name]
        cpu = (r["app_ms"] + r["pg_ms"]) / (form["app_ms"] + form["pg_ms"])
        thr = form["rps"] / r["rps"]
        print(f"{name} / GET /s: server CPU {cpu:.1f}x (app only {r['app_ms'] / form['app_ms']:.1f}x), "
              f"requests/s {thr:.1f}x; target (server CPU) at most {target}x: {'met' if cpu <= target else 'NOT met'}")
    static = by["static CSS"]
    print(f"GET /s / static CSS: requests/s {static['rps'] / form['rps']:.1f}x, app CPU "
          + (f"{form['app_ms'] / static['app_ms']:.1f}x" if static["app_ms"] > 0 else "n/a (static from nginx)"))


# --- think-time steps ---------------------------------------------------------------------------

async def lag_monitor(samples: list[float], until: float):
    """Event-loop lag: how late a 50 ms sleep wakes up (the generator's own saturation)."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        t = loop.time()
        await asyncio.sleep(0.05)
        samples.append(loop.time() - t - 0.05)


async def run_step(port: int, codes: list[str], ledger: Ledger, meter: CpuMeter, think: tuple[float, float],
                   ramp: float, settle: float, window: float | None, n_finish: int, keep_alive: bool, seed_: int):
    """N respondents arriving over `ramp` s; measured from ramp + settle for `window` s. Window None
    walks everyone to the end with no measurement window (smoke, two-hosts)."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed_)
    rec = Recorder()
    t0 = loop.time()
    perf0 = time.perf_counter()
    start = ramp + settle
    stop_at = t0 + start + window if window is not None else float("inf")
    rec.window = (perf0 + start, perf0 + start + window) if window is not None else (perf0, float("inf"))
    finish_go = asyncio.Event()
    finishers = set(codes[:n_finish])
    done = {"submitted": 0, "stopped": 0}

    async def respondent(code: str, arrive: float):
        fast = False

        async def pause():
            nonlocal fast
            if fast:
                return
            delay = rng.uniform(*think)
            if loop.time() + delay >= stop_at:
                if code not in finishers:
                    raise Stopped
                await finish_go.wait()
                fast = True
                return
            await asyncio.sleep(delay)

        await asyncio.sleep(max(0.0, arrive - loop.time()))
        browser = Browser(port, rec, keep_alive, code)
        try:
            await walk(browser, code, ledger, pause)
            done["submitted"] += 1
        except Stopped:
            done["stopped"] += 1
        except Exception as exc:  # every failure is counted and reported, none ends the step
            rec.errors.append(f"{code[:4]}…: {type(exc).__name__}: {exc}"[:200])
        finally:
            await browser.close()

    lag: list[float] = []
    overflows0 = listen_overflows()
    tasks = [asyncio.create_task(respondent(c, t0 + rng.uniform(0, ramp))) for c in codes]
    if window is None:
        await asyncio.wait_for(asyncio.gather(*tasks), 600)
        return rec, done, None
    monitor = asyncio.create_task(lag_monitor(lag, stop_at))
    await asyncio.sleep(start)
    before, cpu0, w0, m0 = meter.read(), time.process_time(), time.perf_counter(), machine_cpu()
    await asyncio.sleep(window)
    app, pg, proxy = CpuMeter.delta(before, meter.read())
    busy, steal, jiffies = (b - a for a, b in zip(m0, machine_cpu()))
    client_share = (time.process_time() - cpu0) / (time.perf_counter() - w0)
    await monitor
    finish_go.set()
    finished, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT * 2 + 120)
    for t in pending:
        t.cancel()
    if pending:
        rec.errors.append(f"{len(pending)} respondents still busy 2 minutes after the window")
    n_req = {k: len(v) for k, v in rec.latencies.items()}
    total = sum(n_req.values())
    stats = {"app_ms": app / max(total, 1) * 1000, "pg_ms": pg / max(total, 1) * 1000,
             "proxy_ms": proxy / max(total, 1) * 1000,
             "client_share": client_share, "busy": busy / max(jiffies, 1), "steal": steal / max(jiffies, 1),
             "server_cores": (app + pg + proxy) / window, "overflows": listen_overflows() - overflows0, "lag_p99": pct(lag, 99), "lag_max": max(lag) if lag else float("nan")}
    return rec, done, stats


def print_step(n: int, think, window: float, rec: Recorder, done: dict, stats: dict, load: str):
    v, s = rec.latencies["view"], rec.latencies["save"]
    p95 = max(pct(v, 95), pct(s, 95))
    nginx = f" + nginx {stats['proxy_ms']:.1f} ms" if stats["proxy_ms"] else ""
    offered = n / (sum(think) / 2)  # page visits (a POST and its redirected GET) per second
    # The generator is the bottleneck when it uses most of a core; a late event loop with a small
    # CPU share means the machine as a whole is overloaded (other processes), which the load avg shows.
    flag = (" GENERATOR SATURATED: latencies are partly the client's" if stats["client_share"] > 0.85
            else " (loop late: machine overloaded)" if stats["lag_p99"] > 0.05 else "")
    print(f"| {n:,} | {len(s) / window:.1f} (visits offered {offered:.0f}) | {len(v) / window:.1f} | "
          f"{ms(pct(v, 50))} / {ms(pct(v, 95))} / {ms(pct(v, 99))} | {ms(pct(s, 50))} / {ms(pct(s, 95))} / {ms(pct(s, 99))} | "
          f"{len(rec.errors)} | {'yes' if p95 < 0.3 and not rec.errors else 'NO'} | "
          f"{stats['app_ms']:.1f} + {stats['pg_ms']:.1f} ms{nginx} | {stats['client_share']:.0%}, lag p99 {ms(stats['lag_p99'])}"
          f"{flag} | {stats['server_cores']:.2f} cores; machine {stats['busy']:.0%} busy, steal {stats['steal']:.0%}; "
          f"{stats['overflows']} connects dropped by a full listen queue "
          f"| {done['submitted']} | {load} |", flush=True)
    for e in rec.errors[:5]:
        print("    error:", e)


STEP_HEADER = ("| respondents | saves/s | views/s | view p50 / p95 / p99 | save p50 / p95 / p99 | errors | p95 < 300 ms "
               "| server CPU/request (app + PostgreSQL) | generator CPU, loop lag | server CPU in all; whole machine "
               "(all cores) | submitted | load avg (1/5/15 min) |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|")


# --- verification -------------------------------------------------------------------------------

def verify(url: str, administration_id: int, ledger: Ledger) -> tuple[bool, str]:
    """SQL proof of exactly-once storage of everything the server confirmed."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.code, a.item_id, a.value FROM answer a JOIN response r ON r.id = a.response_id "
            "JOIN access_code c ON c.id = r.access_code_id WHERE r.administration_id = :a"), {"a": administration_id}).all()
        responses = conn.execute(text(
            "SELECT c.code, r.status, c.status FROM response r JOIN access_code c ON c.id = r.access_code_id "
            "WHERE r.administration_id = :a"), {"a": administration_id}).all()
        per_code = conn.execute(text(
            "SELECT count(*) FROM (SELECT access_code_id FROM response WHERE administration_id = :a "
            "GROUP BY access_code_id HAVING count(*) > 1) d"), {"a": administration_id}).scalar()
    engine.dispose()
    stored: dict[tuple[str, str], int] = {}
    duplicates = 0
    for code, item, value in rows:
        duplicates += (code, item) in stored
        stored[(code, item)] = value
    item_page = {item: page for page, items in ledger.page_items.items() for item in items}
    expected = {(code, item): value for (code, _), answers in ledger.pages.items() for item, value in answers.items()}
    wrong = sum(1 for key, value in expected.items() if stored.get(key) != value
                and (key[0], item_page.get(key[1])) not in ledger.uncertain)
    extra = sum(1 for (code, item) in stored if (code, item) not in expected
                and (code, item_page.get(item)) not in ledger.uncertain)
    status = {code: (r_status, c_status) for code, r_status, c_status in responses}
    sure = set(status) - ledger.unconfirmed
    bad_response = (sure != ledger.consented - ledger.unconfirmed
                    or any((status[c] == ("submitted", "submitted")) != (c in ledger.submitted) for c in sure)
                    or any(s not in (("submitted", "submitted"), ("in_progress", "started")) for s in status.values()))
    ok = not (wrong or extra or duplicates or per_code or bad_response)
    report = (f"{len(expected)} answers confirmed by the server, {len(rows)} stored, {duplicates} duplicates, "
              f"{wrong} missing or different, {extra} not posted ({len(ledger.uncertain)} page saves unconfirmed, "
              f"left out); {len(status)} responses for {len(ledger.consented)} consents "
              f"({len(ledger.unconfirmed)} consents or submits unconfirmed, left out), "
              f"{sum(1 for s in status.values() if s == ('submitted', 'submitted'))} submitted for "
              f"{len(ledger.submitted)} submits, {per_code} codes with more than one response")
    return ok, ("OK: " if ok else "FAILED: ") + report


def leaked_codes(paths: list[Path], codes: list[str]) -> int:
    wanted = set(codes)
    found = 0
    for path in paths:
        if path.exists():
            found += sum(1 for c in CODE_RE.findall(path.read_text(errors="replace")) if c in wanted)
    return found


# --- two hosts ----------------------------------------------------------------------------------

def print_two_hosts(rec: Recorder, codes: list[str], servers: list[Server]):
    both = sum(1 for c in codes if len(rec.upstreams.get(c, ())) >= 2)
    seen = sorted(set().union(*rec.upstreams.values())) if rec.upstreams else []
    print(f"two hosts: upstreams seen {seen} (app ports {[s.port for s in servers]}); "
          f"{both} of {len(codes)} respondents were served by both app processes during their survey")
    return both == len(codes) and len(seen) == 2


async def check_static(port: int) -> tuple[bool, str]:
    conn = Conn(port)
    status, headers, body = await conn.request("GET", "/static/climate.css", {}, None, ["Accept-Encoding: gzip"])
    await conn.close()
    ok = (status == 200 and headers.get("content-encoding") == "gzip" and "max-age" in headers.get("cache-control", "")
          and "x-upstream" not in headers)
    return ok, (f"static from nginx: {status}, Content-Encoding {headers.get('content-encoding')}, "
                f"Cache-Control {headers.get('cache-control')}, {len(body)} bytes sent")


# --- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default=None,
                        help="respondents at once per step, comma-separated (default 1000,2000,5000,7500,10000; "
                             "none with --two-hosts or --smoke); empty for baselines only")
    parser.add_argument("--think", default="10,30", help="seconds between pages, uniform: MIN,MAX")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which arrivals spread (default MAX think)")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds after the ramp before measuring (default MAX think: consents are done)")
    parser.add_argument("--window", type=float, default=60.0, help="measured seconds per step after ramp + settle")
    parser.add_argument("--finish", type=int, default=20, help="respondents per step who submit after the window")
    parser.add_argument("--baseline-requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive clients in the baselines")
    parser.add_argument("--keep-alive-clients", action="store_true",
                        help="in steps, one keep-alive connection per respondent instead of one per page visit")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--worker-class")
    parser.add_argument("--keep-alive", type=int)
    parser.add_argument("--two-hosts", action="store_true", help="two gunicorn processes behind nginx")
    parser.add_argument("--smoke", action="store_true", help="a few respondents, no think time, seconds")
    args = parser.parse_args()
    if args.steps is None:
        args.steps = "" if args.smoke or args.two_hosts else "1000,2000,5000,7500,10000"
    steps = [int(x) for x in args.steps.split(",") if x.strip()]
    think = tuple(float(x) for x in args.think.split(","))
    ramp = think[1] if args.ramp is None else args.ramp
    settle = think[1] if args.settle is None else args.settle
    if args.smoke:
        steps, args.baseline_requests, args.concurrency = [], 100, 4

    print(describe())
    print(load_average())
    workdir = Path(tempfile.mkdtemp(prefix="climate-load-"))
    env = dict(os.environ, SESSION_COOKIE_SECURE="false", PYTHONPATH=str(ROOT),
               SECRET_KEY=os.environ.get("SECRET_KEY", "load-bench-secret-key-not-for-production"),
               CLIMATE_INSTANCE_PATH=str(workdir / "instance"))
    if not args.smoke or os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or DEFAULT_PG
        ensure_postgres(env["DATABASE_URL"], env)
    os.environ.update(env)
    smoke_n = 6
    n_codes = args.concurrency + sum(steps) + (smoke_n if args.smoke or args.two_hosts else 0)
    admin_id, codes, url = seed(n_codes)
    import climate
    print(f"code under test: {Path(climate.__file__).parent}; database {url.split('@')[-1]}; "
          f"administration {admin_id}, {n_codes} codes; logs in {workdir}")

    n_servers = 2 if args.two_hosts else 1
    if args.two_hosts and args.workers is None:
        args.workers = 2
    servers: list[Server] = []
    nginx = None
    ledger = Ledger()
    failures: list[str] = []
    try:
        for i in range(n_servers):
            servers.append(start_gunicorn(args, env, workdir / f"gunicorn-{i + 1}.log"))
        port = servers[0].port
        if args.two_hosts:
            (workdir / "nginx").mkdir()
            port, nginx = start_nginx([s.port for s in servers], workdir / "nginx")
        meter = CpuMeter(servers, url, Server(port, nginx, workdir / "nginx" / "error.log") if nginx else None)
        print(f"gunicorn x{n_servers}: {' '.join(servers[0].proc.args[3:-1])} "
              f"({len(servers[0].workers())} workers each){'; nginx on ' + str(port) if nginx else ''}")
        next_code = 0

        def take(n):
            nonlocal next_code
            next_code += n
            return codes[next_code - n:next_code]

        rows, errors = asyncio.run(baselines(port, take(args.concurrency), ledger, meter, args.baseline_requests,
                                             args.concurrency))
        failures += errors
        print_baselines(rows)
        if args.smoke or args.two_hosts:
            group = take(smoke_n)
            rec, done, _ = asyncio.run(run_step(port, group, ledger, meter, (0, 0), 0, 0, None, 0, keep_alive=False,
                                                seed_=1))
            failures += rec.errors
            print(f"\n{smoke_n} respondents walked the survey with no think time, one connection per page visit: "
                  f"{done['submitted']} submitted, {len(rec.errors)} errors; save p95 {ms(pct(rec.latencies['save'], 95))}")
            if args.two_hosts:
                if not print_two_hosts(rec, group, servers):
                    failures.append("a respondent was not served by both app processes")
                ok, text = asyncio.run(check_static(port))
                print(text)
                if not ok:
                    failures.append("static files from nginx lack gzip or cache headers")
        if steps:
            print(f"\nThink-time steps: {think[0]:.0f}-{think[1]:.0f} s between pages, arrivals over {ramp:.0f} s, "
                  f"{settle:.0f} s to settle, then {args.window:.0f} s measured; "
                  f"{'keep-alive connection per respondent' if args.keep_alive_clients else 'one connection per page visit'}")
            print(STEP_HEADER)
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft[1], soft[1]))
        for i, n in enumerate(steps):
            rec, done, stats = asyncio.run(run_step(port, take(n), ledger, meter, think, ramp, settle, args.window,
                                                    args.finish, args.keep_alive_clients, seed_=100 + i))
            failures += rec.errors
            print_step(n, think, args.window, rec, done, stats, " ".join(f"{x:.1f}" for x in os.getloadavg()))
            time.sleep(5)
    finally:
        if nginx is not None:
            stop(nginx)
        for s in servers:
            stop(s.proc)
    ok, text = verify(url, admin_id, ledger)
    print("\nexactly-once:", text)
    if not ok:
        failures.append("exactly-once check failed")
    logs = [s.log for s in servers] + ([workdir / "nginx" / "access.log", workdir / "nginx" / "error.log"] if nginx else [])
    leaks = leaked_codes(logs, codes)
    print(f"access codes in the server logs: {leaks}")
    if leaks:
        failures.append(f"{leaks} access codes in the logs")
    if failures:
        print(f"FAILED: {len(failures)} problems, first: {failures[0]}")
        sys.exit(1)
    if args.smoke:
        shutil.rmtree(workdir, ignore_errors=True)
    print("OK")


if __name__ == "__main__":
    main()
