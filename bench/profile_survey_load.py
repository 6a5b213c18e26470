"""Where a respondent request's time goes, and which SQL statements it sends (issue 13).

    python bench/profile_survey_load.py [--requests 300]     # PostgreSQL climate_load, or DATABASE_URL

In one process against PostgreSQL (no HTTP server, so only the app's own cost): for GET /s, a page
view (GET /s/p/<n>: the signed session names the response) and a page save (POST), it
1. lists the SQL statements of one request, counted by a `before_cursor_execute` listener, and the
   pool checkouts (each would cost a pre-ping round trip with DATABASE_PRE_PING=1);
2. measures CPU and wall time per request without a profiler;
3. profiles --requests requests with cProfile and splits their time by part: the libraries by
   file (SQLAlchemy ORM, SQLAlchemy Core, psycopg with the PostgreSQL waits, Jinja, WTForms and
   CSRF, ...) and the app's own steps by cumulative time (state read, page model, save guard,
   upsert, render, CSRF, session).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_survey_load import (DEFAULT_PG, ROOT, answers_for, ensure_postgres, page_items,  # noqa: E402
                               seed, token)
from machine import describe  # noqa: E402

LIBRARIES = [  # (part, path fragment), first match wins
    ("SQLAlchemy ORM", "/sqlalchemy/orm/"),
    ("SQLAlchemy Core/engine/pool", "/sqlalchemy/"),
    ("psycopg (incl. waiting on PostgreSQL)", "/psycopg"),
    ("Jinja (compile cache, runtime)", "/jinja2/"),
    ("templates (rendered template code)", str(ROOT / "templates")),
    ("WTForms / Flask-WTF", "/wtforms/"),
    ("WTForms / Flask-WTF", "/flask_wtf/"),
    ("itsdangerous (session and CSRF signing)", "/itsdangerous/"),
    ("Babel / Flask-Babel", "/babel/"),
    ("Babel / Flask-Babel", "/flask_babel/"),
    ("Flask", "/flask/"),
    ("Werkzeug (request, response, routing)", "/werkzeug/"),
    ("app: climate/", str(ROOT / "climate")),
    ("app: surveys/", str(ROOT / "surveys")),
]
STEPS = [  # (step, file fragment, function name): cumulative time
    ("code-entry throttle claim (throttle.claim; entry only)", "climate/throttle.py", "claim"),
    ("respondent state + answers, one SELECT (progress.state)", "climate/respond/progress.py", "state"),
    ("one hot-path statement on the psycopg connection (hot_sql.first)", "climate/respond/hot_sql.py", "first"),
    ("page model lookup (model.survey_model)", "climate/respond/model.py", "survey_model"),
    ("one-statement page save, PostgreSQL (progress.save_pinned)", "climate/respond/progress.py", "save_pinned"),
    ("two-step save: guard UPDATE ... RETURNING (progress.lock_for_save)", "climate/respond/progress.py",
     "lock_for_save"),
    ("two-step save: page write + commit (progress.store_page)", "climate/respond/progress.py", "store_page"),
    ("posted form: build, tamper check, validate (forms.PageForm)", "climate/respond/forms.py", "tampered"),
    ("page view build: cached skeleton + item fragments (display.render_page)", "climate/respond/display.py",
     "render_page"),
    ("item fragment (model.ItemModel.html)", "climate/respond/model.py", "html"),
    ("render_template (Jinja)", "flask/templating.py", "render_template"),
    ("CSRF validate (flask_wtf.csrf.protect)", "flask_wtf/csrf.py", "protect"),
    ("CSRF token for the page (generate_csrf)", "flask_wtf/csrf.py", "generate_csrf"),
    ("session cookie read (open_session)", "flask/sessions.py", "open_session"),
    ("session cookie write (save_session)", "flask/sessions.py", "save_session"),
    ("locale (flask_babel get_locale/refresh)", "flask_babel/__init__.py", "get_locale"),
    ("commit", "sqlalchemy/orm/scoping.py", "commit"),
]


def part_of(filename: str) -> str:
    for part, fragment in LIBRARIES:
        if fragment in filename:
            return part
    return "Python stdlib and other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="also list the N functions with the most own time")
    args = parser.parse_args()
    print(describe())
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    os.environ.update(DATABASE_URL=os.environ.get("DATABASE_URL") or DEFAULT_PG, SESSION_COOKIE_SECURE="false",
                      SECRET_KEY="load-bench-secret-key-not-for-production",
                      CLIMATE_INSTANCE_PATH="/tmp/climate-load-profile-instance")
    ensure_postgres(os.environ["DATABASE_URL"], dict(os.environ))
    admin_id, codes, _ = seed(4)
    from sqlalchemy import event

    from climate import create_app
    from climate.extensions import db

    app = create_app()
    client = app.test_client()
    code = codes[0]
    body = client.get(f"/s/{code}", follow_redirects=True).data
    resp = client.post("/s/consent", data={"csrf_token": token(body), "choice": "yes"}, follow_redirects=True)
    pages = []
    path = resp.request.path
    while re.match(r"^/s/p/\d+$", path):
        body = resp.data
        pages.append((path, page_items(body)))
        form = {"csrf_token": token(body), "action": "next", **{k: str(v) for k, v in
                                                               answers_for(code, page_items(body)).items()}}
        resp = client.post(path, data=form, follow_redirects=True)
        path = resp.request.path
    csrf = token(resp.data)
    print(f"administration {admin_id}: {len(pages)} pages; profiling respondent pages of one code\n")

    def view(i):
        r = client.get(pages[i % len(pages)][0])
        assert r.status_code == 200, r.status_code

    def save(i):
        path, items = pages[i % len(pages)]
        r = client.post(path, data={"csrf_token": csrf, "action": "next",
                                    **{k: str(v) for k, v in answers_for(code, items).items()}})
        assert r.status_code == 302, r.status_code

    def code_form(i):
        r = client.get("/s")
        assert r.status_code == 200

    statements: list[str] = []
    pings = [0]
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    event.listen(engine, "checkout", lambda *a: pings.__setitem__(0, pings[0] + 1))

    for name, run in (("GET /s", code_form), ("page view", view), ("page save", save)):
        for i in range(30):
            run(i)
        statements.clear()
        pings[0] = 0
        run(3)
        print(f"## {name}: {len(statements)} statements, {pings[0]} pool checkout(s) per request")
        for s in statements:
            print("   ", " ".join(s.split())[:220])
        n = args.requests
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(n):
            run(i)
        cpu, wall = (time.process_time() - c0) / n * 1000, (time.perf_counter() - w0) / n * 1000
        print(f"   unprofiled: {cpu:.2f} ms CPU, {wall:.2f} ms wall per request ({n} requests)")
        profile = cProfile.Profile()
        profile.enable()
        for i in range(n):
            run(i)
        profile.disable()
        stats = pstats.Stats(profile).stats
        total = sum(tt for (_, _, tt, _, _) in stats.values())
        parts: dict[str, float] = {}
        for (filename, _, _), (_, _, tt, _, _) in stats.items():
            parts[part_of(filename)] = parts.get(part_of(filename), 0.0) + tt
        print(f"   profiled: {total / n * 1000:.2f} ms per request; own time by part:")
        for part, tt in sorted(parts.items(), key=lambda kv: -kv[1]):
            if tt / total >= 0.01:
                print(f"     {tt / total:5.1%}  {part}")
        if args.top:
            print(f"   the {args.top} functions with the most own time (ms per request, calls per request):")
            ranked = sorted(stats.items(), key=lambda kv: -kv[1][2])[:args.top]
            for (filename, line, fn), (_, calls, tt, _, _) in ranked:
                where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
                print(f"     {tt / n * 1000:6.3f} ms  {calls / n:6.1f}x  {fn} ({where}:{line})")
        print("   cumulative time of the steps (they overlap: a step includes its ORM and SQL time):")
        for label, fragment, func in STEPS:
            ct = sum(v[3] for (f, _, fn), v in stats.items() if fn == func and f.endswith(fragment))
            if ct / total >= 0.005:
                print(f"     {ct / total:5.1%}  {ct / n * 1000:6.2f} ms  {label}")
        print()


if __name__ == "__main__":
    main()
