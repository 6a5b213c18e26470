"""The application factory, configuration and security settings."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from climate import ConfigError
from climate.config import database_url, load_config


def test_testing_config_overrides_environment(app):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is False


def test_production_defaults_are_safe(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'climate.sqlite'}"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert load_config(str(tmp_path))["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("url", ["not a url", "mysql://u:p@host/db", "://nothing"])
def test_bad_database_url_says_what_is_wrong(tmp_path, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        database_url(tmp_path)


def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/x")
    assert database_url(tmp_path).startswith("postgresql+psycopg://")


def test_unwritable_instance_folder_is_a_clear_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root ignores permission bits; use a path under a file instead
        target = tmp_path / "file"
        target.write_text("x")
        path = target / "instance"
    else:
        path = locked / "instance"
    with pytest.raises(ConfigError, match="instance folder .* cannot be written"):
        load_config(str(path))


def test_suppression_minimum_cannot_go_below_five(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPRESSION_MIN", "3")
    with pytest.raises(ConfigError, match="at least 5"):
        load_config(str(tmp_path))


def test_security_headers_on_every_page(client):
    response = client.get("/auth/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script(client):
    html = client.get("/auth/sign-in").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_not_found_page_leaks_nothing(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "There is no page at this address" in body
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_server_error_page_leaks_nothing(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "Something went wrong" in body


def test_wsgi_module_builds_the_app():
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.name)"],
                            cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "climate"


def test_first_run_builds_the_embedded_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["CLIMATE_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "from climate import create_app; create_app()"],
                            cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import sqlite3
    with sqlite3.connect(tmp_path / "climate.sqlite") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    assert {"school", "response", "group_result", "alembic_version"} <= tables


def test_a_database_without_tables_gets_a_clear_page(tmp_path):
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    response = app.test_client().post("/auth/sign-in", data={"email": "a@b.example", "password": "x"})
    assert response.status_code == 503
    assert "climate db upgrade" in response.get_data(as_text=True)
