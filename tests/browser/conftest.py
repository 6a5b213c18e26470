"""Reusable browser fixtures: one headless Chromium per test session, the app served on a free
loopback port, pages at desktop or phone size, and an axe-core check against WCAG 2.1 AA.

    def test_report_page(live_url, new_page, assert_accessible):
        page = new_page("phone")
        page.goto(live_url + "/reports/...")
        assert_accessible(page, "school report")

Tests skip with a clear reason when /usr/bin/chromium is absent, unless CLIMATE_REQUIRE_BROWSER=1
(as in CI), when they fail instead. Mark browser tests with @pytest.mark.browser."""
import os
import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 667}}


def _browser_or_skip():
    if os.path.exists(CHROMIUM):
        return
    reason = f"{CHROMIUM} is not installed (apt-get install chromium); browser and accessibility tests need it"
    if os.environ.get("CLIMATE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " and CLIMATE_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (starting one costs about a second)."""
    _browser_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page("desktop" | "phone", locale=None) -> a Playwright page in a fresh context (own cookies)."""
    contexts = []

    def _new(size="desktop", **options):
        context = browser.new_context(viewport=VIEWPORTS[size], **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def live_url(app):
    """The test app (same database as the `app` fixture, CSRF on as in production) served by
    werkzeug in a thread on a free loopback port. Works on SQLite and PostgreSQL."""
    yield from _serve(app)


@pytest.fixture
def demo_live_url(demo_app):
    """The same, for the app on a copy of the seeded demo (`demo_app`)."""
    yield from _serve(demo_app)


def _serve(app):
    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def axe_violations(page, tags=WCAG_TAGS) -> list[dict]:
    """axe-core's violations on the page for the given rule tags (WCAG 2.1 A and AA by default)."""
    from axe_playwright_python.sync_playwright import Axe
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]})
    return result.response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible():
    """assert_accessible(page, label): fail with a readable list when axe finds any violation."""
    def _check(page, label=""):
        violations = axe_violations(page)
        assert not violations, f"axe found {len(violations)} violation(s) on {label or page.url}:\n{describe(violations)}"
    return _check
