"""Configuration read from the environment, with safe defaults for a new install."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is wrong; the message says what and how to fix it."""


def _flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    """A numeric setting from the environment; anything else stops the app with one sentence."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value}.")
    return value


def public_base_url() -> str | None:
    """PUBLIC_BASE_URL: the address survey links are built from (never the request's Host header)."""
    url = (os.environ.get("PUBLIC_BASE_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL {url!r} is not a web address like https://survey.example.org.")
    return url.rstrip("/")


def _instance_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"The instance folder {path} cannot be written ({exc.strerror}); "
            "fix its permissions or point CLIMATE_INSTANCE_PATH at a writable folder."
        ) from None
    return path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    keyfile = instance / "secret_key"
    if keyfile.exists():
        return keyfile.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'climate.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {url!r} is not a database URL; use e.g. "
            "postgresql://user:password@host:5432/dbname, or unset it to use SQLite in the instance folder."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL uses {parsed.get_backend_name()!r}; this platform runs on SQLite or PostgreSQL."
        )
    return url


def load_config(instance_path: str) -> dict:
    """The settings the app needs, from the environment."""
    instance = _instance_folder(Path(instance_path))
    url = database_url(instance)
    config = {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        # PostgreSQL: no pre-ping round trip on every checkout; connections are recycled instead
        # (DATABASE_PRE_PING=1 behind a network that drops idle connections). One connection per
        # gunicorn thread (CLIMATE_THREADS, as gunicorn.conf.py), plus a few for the threads that are
        # not requests (a job worker and its lease heartbeat, concurrent imports): see bench/README-load.md.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": _flag("DATABASE_PRE_PING", False), "pool_recycle": 1800,
                                      "pool_size": _whole_number("CLIMATE_THREADS", 4, 1, 64), "max_overflow": 4},
        # Static files may be cached for an hour (nginx serves them compressed in the deploy layout).
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Form tokens expire: a student may sit on one page for a whole class period, staff less long.
        # Flask-WTF checks the longer limit; climate.register_security applies the staff one.
        "CSRF_TIME_LIMIT_RESPONDENT": _whole_number("CSRF_TIME_LIMIT_RESPONDENT", 2 * 3600, 600, 12 * 3600),
        "CSRF_TIME_LIMIT_STAFF": _whole_number("CSRF_TIME_LIMIT_STAFF", 3600, 300, 12 * 3600),
        # Proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are trusted.
        "TRUSTED_PROXIES": _whole_number("TRUSTED_PROXIES", 0, 0, 5),
        "PUBLIC_BASE_URL": public_base_url(),
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "SUPPRESSION_MIN": _whole_number("SUPPRESSION_MIN", 10, 1, 1000),
        "SIGNIN_MAX_FAILURES": 5,
        "SIGNIN_BLOCK_SECONDS": 15 * 60,
        # A whole school may share one public address: allow a classroom's typos, not guessing.
        "CODE_MAX_FAILURES": 30,
        "CODE_BLOCK_SECONDS": 10 * 60,
        "OPEN_LINK_MAX_CODES": 60,
        "OPEN_LINK_WINDOW_SECONDS": 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(REPO_ROOT / "climate" / "translations"),
        "INSTRUMENTS_DIR": os.environ.get("CLIMATE_INSTRUMENTS_DIR") or str(REPO_ROOT / "instruments"),
    }
    if url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    if config["SUPPRESSION_MIN"] < 5:
        raise ConfigError("SUPPRESSION_MIN must be at least 5: smaller groups could identify respondents.")
    config["WTF_CSRF_TIME_LIMIT"] = max(config["CSRF_TIME_LIMIT_RESPONDENT"], config["CSRF_TIME_LIMIT_STAFF"])
    return config
