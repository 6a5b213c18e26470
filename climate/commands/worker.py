"""`climate worker`: runs background jobs (scoring closed administrations, "Score again") until
stopped, or with --once what is due and exits (for cron). The work is climate.jobs."""
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command()
@click.option("--once", is_flag=True, help="Run the jobs that are due, then exit (for cron).")
@click.option("--lease-seconds", default=300, show_default=True, type=click.FloatRange(min=1),
              help="How long a running job stays claimed without a heartbeat before another worker may take it over.")
@click.option("--poll-seconds", default=10, show_default=True, type=click.FloatRange(min=0.1),
              help="How often to look for new jobs.")
@click.option("--step-delay", default=0, type=click.FloatRange(min=0), hidden=True,
              help="Pause after each respondent group (tests use it to stop a worker mid-job).")
@with_appcontext
def worker(once, lease_seconds, poll_seconds, step_delay):
    """Run background jobs (scoring) until stopped; with --once, run what is due and exit."""
    from ..jobs import run_due, run_worker

    current_app.config["JOB_STEP_DELAY_SECONDS"] = step_delay
    if once:
        ran = run_due(lease_seconds=lease_seconds, echo=click.echo)
        for job in ran:
            click.echo(f"Job {job.id} (scoring administration {job.administration_id}): {job.state}"
                       f"{': ' + job.error if job.error else ''}")
        if not ran:
            click.echo("No jobs were due.")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Running jobs until stopped (Ctrl-C or SIGTERM) ...")
    run_worker(stop, lease_seconds=lease_seconds, poll_seconds=poll_seconds, echo=click.echo)


COMMANDS = [worker]
