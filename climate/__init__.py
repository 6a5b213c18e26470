"""The school climate survey platform: a Flask application built by `create_app`."""
import logging
import os
import re
from pathlib import Path

from flask import Flask, abort, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from wtforms import ValidationError

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
from .labels import LANGUAGES, current_language
from .labels import register as register_labels
from .main import bp as main_bp
from .models import User
from .reports import bp as reports_bp
from .research import bp as research_bp
from .respond import bp as respond_bp

__all__ = ["create_app", "ConfigError", "SessionCookies"]


def create_app(config: dict | None = None, create_database: bool = True) -> Flask:
    """Build the app. `config` overrides settings read from the environment (tests use it).
    `create_database=False` leaves a missing embedded database alone (the `climate` command
    creates it only when a command runs, not for --help)."""
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
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    # Every <int:...> rule: an id no database column can hold is no page (a 404, not a 500).
    app.url_map.converters["int"] = DatabaseId
    app.session_interface = SessionCookies()
    register_extensions(app)
    if create_database:
        create_embedded_database(app)
    register_instruments(app)
    register_labels(app)
    register_blueprints(app)
    register_security(app)
    register_errors(app)
    register_commands(app)
    register_logging(app)
    return app


class DatabaseId(IntegerConverter):
    """An int URL part that fits a 32-bit signed integer column (PostgreSQL's INTEGER)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its signing serializer built once per set of keys
    rather than on every request (the keys, salt and signature are Flask's own)."""

    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}  # a changed key replaces the old one
        return serializer


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.session_protection = "strong"
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(lambda: {"current_lang": current_language()})

    @login_manager.user_loader
    def load_user(session_id):
        # "<id>.<session version>": signing out or changing the password bumps the version,
        # which ends every session of the account (any copy of the cookie, on every worker).
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.session_version == int(version) else None

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
    """The language of this request: `?lang=` (a printable page in the other language, a respondent's
    switch) or the one chosen for the session with the switch in the page header; English by default."""
    if not has_request_context():
        return "en"  # commands and jobs write English
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in LANGUAGES else "en"



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


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_WHOLE_NUMBER = re.compile(r"\s*[+-]?(\d+)\s*")


def _beyond_integer_column(value: str) -> bool:
    """Whether `value` is a whole number no INTEGER column (32-bit signed) can hold."""
    m = _WHOLE_NUMBER.fullmatch(value)
    digits = m.group(1).lstrip("0") if m else ""
    return len(digits) > 10 or (digits != "" and int(digits) > 2**31 - 1)


def _csrf_exempt(app: Flask) -> bool:
    """Whether this request's view checks its own CSRF token (marked with @csrf.exempt)."""
    view = app.view_functions.get(request.endpoint) if request.endpoint else None
    return view is not None and f"{view.__module__}.{view.__name__}" in csrf._exempt_views

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def register_security(app: Flask) -> None:
    @app.before_request
    def refuse_unstorable_input():
        # No text the platform stores or looks up may hold a NUL (PostgreSQL refuses it outright).
        values = [request.path]
        # Without a query string or a body's content type there is nothing more to read.
        if request.query_string or request.environ.get("CONTENT_TYPE"):
            # A CSRF-exempt view (the import upload) reads its own body, after setting its size limit.
            for multi in (request.args,) if _csrf_exempt(app) else (request.args, request.form, request.files):
                for key, items in multi.lists():
                    values.append(key)
                    values.extend(getattr(v, "filename", v) or "" for v in items)
        if any("\x00" in v for v in values if isinstance(v, str)):
            abort(400, _("What was sent contains a NUL character (\\0), which no form or address here "
                         "accepts. Nothing was saved."))
        # Pages read ids from the query string too (?administration=3): none is beyond an INTEGER column.
        if any(_beyond_integer_column(v) for v in request.args.values()):
            abort(404, _("There is no record with that number."))

    @app.before_request
    def staff_csrf_time_limit():
        # Flask-WTF has already checked the token against the longer, respondent limit; a staff
        # form's token lives a shorter time.
        cfg = app.config
        if (not cfg.get("WTF_CSRF_ENABLED", True) or request.method not in cfg.get("WTF_CSRF_METHODS", _UNSAFE)
                or request.blueprint == "respond" or request.endpoint is None or _csrf_exempt(app)):
            return
        token = request.form.get(cfg.get("WTF_CSRF_FIELD_NAME", "csrf_token")) or request.headers.get("X-CSRFToken")
        try:
            validate_csrf(token, time_limit=cfg["CSRF_TIME_LIMIT_STAFF"])
        except ValidationError as exc:
            raise CSRFError(exc.args[0]) from None

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
    """Keep access codes and open-link tokens out of request logs so no log line ties a client to a
    response: every survey path segment after /s/ or /o/ (wherever it appears) and
    every query string are replaced."""
    SURVEY_PATH = re.compile(r"/([so])/[^/\s?#\"']+")
    QUERY = re.compile(r"\?[^\s\"']*")

    @classmethod
    def redact(cls, text: str) -> str:
        return cls.QUERY.sub("?<redacted>", cls.SURVEY_PATH.sub(r"/\1/<redacted>", text))

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log formats with a mapping
            record.args = {k: self.redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in args)
        return True


def register_logging(app: Flask) -> None:
    logging.getLogger("werkzeug").addFilter(_RedactCodes())
