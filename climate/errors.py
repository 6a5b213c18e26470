"""Error pages that say what went wrong for the user and leak nothing about the system."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("There is no page at this address."),
    405: _l("This page cannot be used that way."),
    413: _l("What was sent is too large. Nothing was saved."),
    429: _l("Too many attempts. Please wait a few minutes and try again."),
    503: _l("The service is not available just now. Please try again in a minute."),
    500: _l("Something went wrong on our side. Please go back and try again; answers saved on earlier pages are kept."),
}
TITLES = {400: _l("Bad request"), 403: _l("Not allowed"), 404: _l("Page not found"), 405: _l("Not allowed"),
          413: _l("Too large"), 429: _l("Please wait"), 500: _l("Server error"), 503: _l("Not available")}


def _page(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, title=TITLES.get(code, _l("Error")),
                           message=message or MESSAGES.get(code, "")), code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        db.session.rollback()
        if "expired" in (exc.description or ""):
            minutes = app.config["CSRF_TIME_LIMIT_STAFF"] // 60
            return _page(400, _("This form was open longer than %(n)s minutes, so it has expired and nothing "
                                "was saved. Go back, reload the page and try again.", n=minutes))
        return _page(400, _("This form has expired or was not sent from this site, so nothing was saved. "
                            "Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        db.session.rollback()
        code = exc.code or 500
        # Our own aborts carry a message written for the user; werkzeug's defaults do not.
        custom = exc.description if exc.description != type(exc).description else None
        response = _page(code if code in TITLES else 400 if code < 500 else 500, custom)
        if code == 429 and getattr(exc, "retry_after", None):
            page, status = response
            return page, status, {"Retry-After": str(exc.retry_after)}
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(ProgrammingError)
    def database_error(exc):
        db.session.rollback()
        text = str(getattr(exc, "orig", exc))
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            app.logger.error("The database has no tables: run `climate db upgrade`")
            return _page(503, _("The platform is not set up yet: its administrator needs to run "
                                "`climate db upgrade`."))
        app.logger.error("Database error on %s %s", request.method, request.endpoint, exc_info=exc)
        return _page(503, _("The database cannot be reached just now. Please go back and try again in a "
                            "minute; answers saved on earlier pages are kept."))

    @app.errorhandler(Exception)
    def server_error(exc):
        db.session.rollback()
        app.logger.error("Unhandled error on %s %s", request.method, request.endpoint, exc_info=exc)
        return _page(500)
