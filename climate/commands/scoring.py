"""`climate score`, `calibrate`, `calibrations`, `set-reference` and `process-closed`: scoring runs
and the calibrations they use (the work is climate.scoring and climate.research.calibrations)."""
import time

import click
from flask.cli import with_appcontext

from .params import administration_argument


@click.command()
@administration_argument()
@with_appcontext
def score(administration):
    """Score ADMINISTRATION (id or name) and store person scores and group results."""
    from ..jobs import score_now

    started = time.perf_counter()
    click.echo(f"Scoring {administration.name!r} ...")
    job = score_now(administration, echo=click.echo)
    if job.state != "done":
        raise click.ClickException(f"Scoring failed (job {job.id}): {job.error}")
    run = job.scoring_run
    if run.published_at is None:
        raise click.ClickException(f"The results of scoring run {run.id} were not published. {run.audit_message}")
    click.echo(f"Scored {run.n_scored:,} respondents of {administration.name!r} in {time.perf_counter() - started:.1f} s "
               f"(scoring run {run.id}, published as results revision {run.revision}; small groups are hidden "
               f"under the disclosure policy, N = {run.min_n}).")


@click.command()
@administration_argument()
@click.option("--reference", is_flag=True, help="Also make the new calibrations the reference ones.")
@with_appcontext
def calibrate(administration, reference):
    """Calibrate item thresholds from ADMINISTRATION's submitted answers (linked to the reference)."""
    from ..extensions import db
    from ..research.calibrations import calibrate_administration
    from ..scoring import ScoringError

    notes = []
    try:
        made = calibrate_administration(administration, make_reference=reference, notes=notes)
    except ScoringError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for note in notes:
        click.echo(f"Skipped {note}")
    for row in made:
        topics = row.statistics.get("topics", {})
        worst = max((v for t in topics.values() for i in t["items"].values() for v in (i["infit"], i["outfit"])
                     if v is not None), default=0)
        click.echo(f"Calibration {row.id}: {row.label}; {len(row.thresholds)} items; largest fit mean square "
                   f"{worst:.2f}{'; now the reference' if row.is_reference else ''}")
        for topic, stats in topics.items():
            for note in stats.get("notes", []):
                click.echo(f"  {topic}: {note['message']}")
    if not reference:
        click.echo("Reports keep using the reference calibrations; `climate set-reference ID` switches.")


@click.command()
@with_appcontext
def calibrations():
    """List calibrations (which one each respondent group scores with)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Calibration

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
    from ..extensions import db
    from ..models import Calibration
    from ..research.calibrations import make_reference_calibration

    row = db.session.get(Calibration, calibration_id)
    if row is None:
        raise click.ClickException(f"There is no calibration {calibration_id}; `climate calibrations` lists them.")
    make_reference_calibration(row)
    db.session.commit()
    click.echo(f"Calibration {row.id} is now the reference for {row.respondent_group} {row.instrument_version}.")


@click.command("process-closed")
@with_appcontext
def process_closed():
    """Queue the scoring of administrations whose window has closed and run the due jobs now
    (`climate worker --once` does the same)."""
    from ..scoring import process_closed as run

    done = run(trigger="close")
    click.echo(f"Processed {len(done)} closed administration(s)." if done else "Nothing to process.")


COMMANDS = [score, calibrate, calibrations, set_reference, process_closed]
