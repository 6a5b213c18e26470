"""The app's own commands for the `climate` CLI (beside Flask's and Flask-Migrate's)."""
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.domain import RESPONDENT_GROUPS


def register(app):
    for command in (demo, score, calibrate, calibrations, set_reference, process_closed, codebook):
        app.cli.add_command(command)
    from .scoring import register_close_watch
    register_close_watch(app)


def _administration(ref):
    from .administrations import AdministrationError, find_administration
    try:
        return find_administration(ref)
    except AdministrationError as exc:
        raise click.ClickException(str(exc)) from None


def upgrade_database() -> None:
    """Bring the database schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@click.command()
@click.option("--serve/--no-serve", default=True, help="Serve the app after seeding (default) or only seed.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def demo(serve, port):
    """Set up the database, seed a demo district, and serve the app on 127.0.0.1."""
    from .demo import seed_demo

    upgrade_database()
    lines = seed_demo(echo=click.echo)
    click.echo("")
    for line in lines:
        click.echo(line)
    if serve:
        click.echo(f"\nServing on http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        app = current_app._get_current_object()
        # The demo is plain http on loopback, where a Secure cookie would not be sent back.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
        from werkzeug.serving import run_simple

        # Flask ignores app.run() inside a CLI command, so serve with werkzeug directly.
        run_simple("127.0.0.1", port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.command()
@click.argument("administration")
@with_appcontext
def score(administration):
    """Score ADMINISTRATION (id or name) and store person scores and group results."""
    from .scoring import score_administration

    admin = _administration(administration)
    started = time.perf_counter()
    click.echo(f"Scoring {admin.name!r} ...")
    run = score_administration(admin, progress=click.echo)
    click.echo(f"Scored {run.n_scored:,} respondents of {admin.name!r} in {time.perf_counter() - started:.1f} s "
               f"(scoring run {run.id}; groups smaller than {run.min_n} are suppressed).")


@click.command()
@click.argument("administration")
@click.option("--reference", is_flag=True, help="Also make the new calibrations the reference ones.")
@with_appcontext
def calibrate(administration, reference):
    """Calibrate item thresholds from ADMINISTRATION's submitted answers (linked to the reference)."""
    from .extensions import db
    from .scoring import ScoringError, calibrate_administration

    admin = _administration(administration)
    notes = []
    try:
        made = calibrate_administration(admin, make_reference=reference, notes=notes)
    except ScoringError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for note in notes:
        click.echo(f"Skipped {note}")
    for row in made:
        topics = row.statistics.get("topics", {})
        worst = max((max(i["infit"], i["outfit"]) for t in topics.values() for i in t["items"].values()), default=0)
        click.echo(f"Calibration {row.id}: {row.label}; {len(row.thresholds)} items; largest fit mean square "
                   f"{worst:.2f}{'; now the reference' if row.is_reference else ''}")
    if not reference:
        click.echo("Reports keep using the reference calibrations; `climate set-reference ID` switches.")


@click.command()
@with_appcontext
def calibrations():
    """List calibrations (which one each respondent group scores with)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Calibration

    rows = db.session.scalars(select(Calibration).order_by(Calibration.respondent_group, Calibration.id)).all()
    if not rows:
        click.echo("No calibrations yet: the first scoring uses the thresholds shipped with each instrument.")
    for row in rows:
        flags = ", ".join(f for f, on in (("reference", row.is_reference), ("provisional", row.provisional)) if on)
        click.echo(f"{row.id:>4}  {row.respondent_group:24} {row.instrument_version:8} {row.label}"
                   f"{f'  [{flags}]' if flags else ''}")


@click.command("set-reference")
@click.argument("calibration_id", type=int)
@with_appcontext
def set_reference(calibration_id):
    """Make CALIBRATION_ID the reference for its group (rescore administrations to apply it)."""
    from .extensions import db
    from .models import Calibration
    from .scoring import make_reference_calibration

    row = db.session.get(Calibration, calibration_id)
    if row is None:
        raise click.ClickException(f"There is no calibration {calibration_id}; `climate calibrations` lists them.")
    make_reference_calibration(row)
    db.session.commit()
    click.echo(f"Calibration {row.id} is now the reference for {row.respondent_group} {row.instrument_version}.")


@click.command("process-closed")
@with_appcontext
def process_closed():
    """Close out and score administrations whose window has closed (for cron; the app also does
    this by itself soon after closing)."""
    from .scoring import process_closed as run

    done = run(trigger="close")
    click.echo(f"Processed {len(done)} closed administration(s)." if done else "Nothing to process.")


@click.command()
@click.option("--group", required=True, type=click.Choice(RESPONDENT_GROUPS))
@click.option("--format", "fmt", default="md", type=click.Choice(["csv", "md"]), show_default=True)
@click.option("--no-sro", is_flag=True, help="Leave out the SRO module's items.")
@with_appcontext
def codebook(group, fmt, no_sro):
    """Print the codebook of a questionnaire: variables, both languages, topic, value labels."""
    from surveys.codebook import codebook as rows, codebook_csv, codebook_markdown

    table = rows(current_app.extensions["instruments"][group], sro=not no_sro)
    click.echo(codebook_csv(table) if fmt == "csv" else codebook_markdown(table), nl=False)
