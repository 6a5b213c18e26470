"""Error pages that say what went wrong for the user and leak nothing about the system."""
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is no page at this address.",
    405: "This page cannot be used that way.",
    413: "What was sent is too large. Nothing was saved.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
}
TITLES = {400: "Bad request", 403: "Not allowed", 404: "Page not found", 405: "Not allowed",
          413: "Too large", 429: "Please wait", 500: "Server error"}


def _page(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, title=TITLES.get(code, "Error"),
                           message=message or MESSAGES.get(code, "")), code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        db.session.rollback()
        return _page(400, "This form has expired or was not sent from this site, so nothing was saved. "
                          "Go back, reload the page and try again.")

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

    @app.errorhandler(Exception)
    def server_error(exc):
        db.session.rollback()
        app.logger.error("Unhandled error on %s %s", request.method, request.endpoint, exc_info=exc)
        return _page(500)
