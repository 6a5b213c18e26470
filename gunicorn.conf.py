"""gunicorn settings for the documented deployment: `python -m gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting can be changed on the command line (it wins over this file) or with the environment
variables below. The defaults come from bench/bench_survey_load.py on a 2-core machine (see
bench/README-load.md): a few processes with a few threads each, so a thread waiting on PostgreSQL
does not hold a core.

Access and error logs never contain a survey request's path, query string, client address, user
agent or referrer (issue 12: no access code or open-link token in any log): a path under /s/ or /o/
has its code or token replaced (/s/.../p/3, /o/...), and nothing else about the client is logged.
"""
import logging
import os
import re
import time

from gunicorn.glogging import Logger

bind = os.environ.get("CLIMATE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = os.environ.get("CLIMATE_WORKER_CLASS", "gthread")
threads = int(os.environ.get("CLIMATE_THREADS", "4"))
# Longer than nginx's upstream keepalive_timeout (4 s in deploy/nginx-two-apps.conf), so nginx
# always closes an idle upstream connection first and never sends a request on one gunicorn is closing.
keepalive = int(os.environ.get("CLIMATE_KEEPALIVE", "5"))
# gthread: idle keep-alive connections a worker holds; a browser opens a new one after 10-30 s
# of reading, so this bounds open sockets rather than respondents.
worker_connections = 1000
backlog = 2048
timeout = 60
graceful_timeout = 30
accesslog = os.environ.get("CLIMATE_ACCESS_LOG", "-")
errorlog = os.environ.get("CLIMATE_ERROR_LOG", "-")
access_log_format = '%(t)s %(m)s %(U)s %(s)s %(B)s %(M)sms'

_SECRET_PATH = re.compile(r"/([so])/[^\s/?\"']+")


def redact(text: str) -> str:
    """A log text with the code or token of every survey path replaced: /s/K7QM-4TXD-9R/p/3 -> /s/.../p/3"""
    return _SECRET_PATH.sub(r"/\1/...", text)


class _RedactFilter(logging.Filter):
    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger with survey paths redacted and no client-identifying atom.

    The access line is formatted from the few atoms it may show: gunicorn's own `atoms()` builds
    an atom for every request header, response header and environ variable of every request (a
    tenth of a survey page's CPU), which this logger would only drop again."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_RedactFilter())

    def atoms(self, resp, req, environ, request_time):
        status = resp.status
        path = redact(environ.get("PATH_INFO") or "")
        method, protocol = environ.get("REQUEST_METHOD"), environ.get("SERVER_PROTOCOL")
        sent = getattr(resp, "sent", None)
        seconds, micro = request_time.seconds, request_time.microseconds
        # Header atoms ({name}i / {name}o) and environ atoms ({name}e) are never made: cookies and
        # forwarded addresses stay out.
        return {"h": "-", "l": "-", "u": "-", "t": _log_time(), "r": f"{method} {path} {protocol}",
                "s": status.split(None, 1)[0] if isinstance(status, str) else status, "m": method, "U": path,
                "q": "", "H": protocol, "b": "-" if sent is None else str(sent), "B": sent, "f": "-", "a": "-",
                "T": seconds, "D": seconds * 1000000 + micro, "M": seconds * 1000 + micro // 1000,
                "L": f"{seconds}.{micro:06d}", "p": f"<{os.getpid()}>"}


_log_clock: list = [None, ""]


def _log_time() -> str:
    """gunicorn's `[%d/%b/%Y:%H:%M:%S %z]`, formatted once per second."""
    second = int(time.time())
    if _log_clock[0] != second:
        _log_clock[:] = [second, time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(second))]
    return _log_clock[1]


logger_class = RedactingLogger


def post_worker_init(worker):
    # Flask logs an unhandled exception as "Exception on <path> [METHOD]".
    logging.getLogger("climate").addFilter(_RedactFilter())
