"""`climate demo` (set up, seed a demo district, serve) and `climate simulate` (fill an administration
with simulated respondents). The demo's data are in demo_data.py; simulation is climate.simulate."""
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from ..models import Response
from ..simulate import SimulationError, allocate, cells_for, simulate_administration
from .demo_data import DISTRICT, seed_demo
from .params import SCHOOL, administration_argument, district_option, school_in


def upgrade_database() -> None:
    """Bring the database schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def cedar_report_lines() -> list[str]:
    """Where Cedar Middle's school report (its summary on top) and its family pages are."""
    from ..administer.codes import public_base_url
    from ..models import District, School

    cedar = db.session.scalar(select(School).join(District).where(District.name == DISTRICT,
                                                                  School.name == "Cedar Middle"))
    if cedar is None:
        return []
    base = f"{public_base_url()}/reports/schools/{cedar.id}"
    return ["", "Cedar Middle, as its principal sees it:",
            f"  school report (summary at the top): {base}",
            f"  results for families: {base}/family  (Spanish: {base}/family?lang=es)",
            f"  one-page summary for families: {base}/family/summary  (Spanish: {base}/family/summary?lang=es)"]


@click.command()
@click.option("--serve/--no-serve", default=True, help="Serve the app after seeding (default) or only seed.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def demo(serve, port):
    """Set up the database, seed a demo district, and serve the app on 127.0.0.1."""
    app = current_app._get_current_object()
    if not app.config.get("PUBLIC_BASE_URL"):
        # Every link the demo prints or shows points at the port it actually serves.
        app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    upgrade_database()
    lines = seed_demo(echo=click.echo) + cedar_report_lines()
    click.echo("")
    for line in lines:
        click.echo(line)
    if serve:
        click.echo(f"\nServing on http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        # The demo is plain http on loopback, where a Secure cookie would not be sent back.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
        from werkzeug.serving import run_simple

        # Flask ignores app.run() inside a CLI command, so serve with werkzeug directly.
        run_simple("127.0.0.1", port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.command("simulate")
@administration_argument()
@click.option("--respondents", required=True, type=click.IntRange(1, 1_000_000),
              help="How many simulated responses to add, split over schools and groups by enrollment.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same answers).")
@click.option("--school", "schools", multiple=True, type=SCHOOL, help="Only these schools (name, id or NCES id; repeatable).")
@click.option("--replace", is_flag=True, help="Delete this administration's earlier simulated responses first.")
@district_option("The district, when administration names clash.")
@with_appcontext
def simulate_command(administration, respondents, seed, schools, replace, district):
    """Fill an administration with simulated respondents (Rasch model, marked as simulated)."""
    chosen = [school_in(administration, s) for s in schools] or None
    try:
        cells = cells_for(administration, chosen)
    except SimulationError as exc:
        raise click.ClickException(str(exc)) from None
    counts = allocate(respondents, {(s.id, g): s.enrollment(g) for s, g in cells})
    started = time.perf_counter()
    result = simulate_administration(administration, counts, seed, replace=replace, progress=click.echo)
    seconds = time.perf_counter() - started
    total = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.administration_id == administration.id, Response.simulated.is_(True)))
    if result["deleted"]:
        click.echo(f"Deleted {result['deleted']:,} earlier simulated responses (--replace).")
    click.echo(f"Added {result['respondents']:,} simulated respondents ({result['answers']:,} answers, "
               f"{result['opted_out']:,} opted-out codes) to {administration.name!r} in {seconds:.1f} s.")
    click.echo(f"{administration.name!r} now has {total:,} simulated responses"
               + ("." if replace else "; running simulate again adds more, --replace starts over."))


COMMANDS = [demo, simulate_command]
