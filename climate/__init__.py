"""The school climate survey platform: a Flask application built by `create_app`."""
import logging
import os
import re
from pathlib import Path

from flask import Flask, request, session

from surveys.guidance import GuidanceError, default_guidance
from surveys.instruments import InstrumentError, load_instruments

from .accounts import auth_bp, district_bp
from .administer import bp as administer_bp
from .commands import register as register_commands
from .config import REPO_ROOT, ConfigError, load_config
from .errors import register as register_errors
from .exports import bp as exports_bp
from .extensions import babel, csrf, db, login_manager, migrate
from .improve import bp as improve_bp
from .labels import register as register_labels
from .main import bp as main_bp
from .models import User
from .reports import bp as reports_bp
from .research import bp as research_bp
from .respond import bp as respond_bp

__all__ = ["create_app", "ConfigError"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides settings read from the environment (tests use it)."""
    instance_path = os.environ.get("CLIMATE_INSTANCE_PATH") or str(REPO_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    register_extensions(app)
    create_embedded_database(app)
    register_instruments(app)
    register_labels(app)
    register_blueprints(app)
    register_security(app)
    register_errors(app)
    register_commands(app)
    register_logging(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = "strong"
    babel.init_app(app, locale_selector=select_locale)

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()


def create_embedded_database(app: Flask) -> None:
    """On first run with the embedded default (no DATABASE_URL), build the SQLite database from the
    migrations so a new user needs no set-up step. A configured database is left to
    `climate db upgrade`."""
    if app.config.get("TESTING") or os.environ.get("DATABASE_URL"):
        return
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    default = f"sqlite:///{Path(app.instance_path) / 'climate.sqlite'}"
    if url != default or (Path(app.instance_path) / "climate.sqlite").exists():
        return
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)


def select_locale() -> str:
    """Respondent pages follow the language the respondent chose; staff pages are English."""
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in ("en", "es") else "en"


def register_instruments(app: Flask) -> None:
    """Load and validate the questionnaires once; an invalid file stops the app with the reason."""
    directory = Path(app.config["INSTRUMENTS_DIR"])
    stamp = (str(directory), tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.yaml"))))
    if stamp not in _INSTRUMENT_CACHE:
        try:
            _INSTRUMENT_CACHE[stamp] = load_instruments(directory)
        except InstrumentError as exc:
            raise ConfigError(f"The questionnaires in {directory} are invalid:\n{exc}") from None
    app.extensions["instruments"] = _INSTRUMENT_CACHE[stamp]
    try:
        default_guidance()
    except GuidanceError as exc:
        raise ConfigError(f"The improvement guidance files are invalid:\n{exc}") from None


# Parsed questionnaires by folder and file times: tests and CLI calls build many apps.
_INSTRUMENT_CACHE: dict = {}


def register_blueprints(app: Flask) -> None:
    for blueprint in (main_bp, auth_bp, district_bp, respond_bp, administer_bp, reports_bp, improve_bp, exports_bp,
                      research_bp):
        app.register_blueprint(blueprint)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def register_security(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Survey links carry access codes: never pass a URL on to another site.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


class _RedactCodes(logging.Filter):
    """Keep access codes out of request logs so no log line ties a client to a response."""
    PATTERN = re.compile(r"/(s|o)/[A-Za-z0-9-]+")

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub(r"/\1/<redacted>", record.msg)
        if record.args:
            record.args = tuple(self.PATTERN.sub(r"/\1/<redacted>", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def register_logging(app: Flask) -> None:
    logging.getLogger("werkzeug").addFilter(_RedactCodes())
