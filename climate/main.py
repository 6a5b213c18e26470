"""The front door: where each kind of visitor starts, and the language switch in every page header."""
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .labels import LANGUAGES

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/dashboard.html")


@bp.route("/language/<lang>")
def language(lang: str):
    """Show pages in `lang` for the rest of the session and go back to the page the switch was on.
    A plain link, so it works without JavaScript; only a path on this site is a place to go back to."""
    if lang not in LANGUAGES:
        abort(404, _("There is no such language here."))
    session["lang"] = lang
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return redirect(url_for("main.home"))
    # a ?lang= left in the address would outvote the choice just made
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return redirect(urlunsplit(("", "", parts.path, query, "")))
