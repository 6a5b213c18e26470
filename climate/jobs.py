"""Background jobs (today: scoring an administration) in a small table with leases, so that scoring
never gets stuck: a job is queued, claimed by one worker, heartbeated while it runs, and retried
with a backoff when it fails; a job whose worker died is taken over when its lease expires.

A table rather than a job library: procrastinate needs PostgreSQL, huey and rq need Redis (or
SQLite only), and this platform runs on SQLite and PostgreSQL without a broker.

Claims and finishes are conditional UPDATEs (on state, lease and owner): on PostgreSQL the row
lock makes a second claimant re-read the row and match nothing; SQLite serialises writers. A run's
results are committed in the same transaction as its job's "done", and only if the worker still
holds the lease, so an administration is scored once per job even when a lease was taken over."""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update

from .extensions import db
from .models import Administration, Job, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_MINUTES = (1, 5)   # the wait after the 1st and the 2nd failed attempt
LEASE_SECONDS = 300
POLL_SECONDS = 10


class LeaseLost(RuntimeError):
    """Another worker took the job over (this worker's lease expired); its work is discarded."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next attempt after `attempts` failed ones."""
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


# --- queueing ----------------------------------------------------------------------------------

def enqueue_scoring(administration_id: int, trigger: str = "manual") -> Job:
    """Queue a scoring job for an administration, unless one is already queued or running (the
    caller commits)."""
    pending = db.session.scalar(select(Job).where(
        Job.administration_id == administration_id, Job.kind == "score",
        Job.state.in_(("queued", "running"))).order_by(Job.id.desc()).limit(1))
    if pending is not None:
        return pending
    job = Job(kind="score", administration_id=administration_id, trigger=trigger, state="queued",
              run_after=utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def enqueue_closed(now: dt.datetime | None = None, trigger: str = "close") -> list[int]:
    """Queue a scoring job for every administration whose window has closed and that has no job
    yet. The administration is marked with a conditional UPDATE in the same transaction as its
    job, so two processes never both queue it and a crash leaves neither half done."""
    now = now or utcnow()
    due = db.session.scalars(select(Administration.id).where(
        Administration.closes_at <= now, Administration.closed_processed_at.is_(None))).all()
    queued = []
    for admin_id in due:
        claimed = db.session.execute(update(Administration).where(
            Administration.id == admin_id, Administration.closed_processed_at.is_(None))
            .values(closed_processed_at=now)).rowcount
        if claimed:
            queued.append(enqueue_scoring(admin_id, trigger).id)
        db.session.commit()
    return queued


# --- claiming, heartbeats, finishing ---------------------------------------------------------------

def _claimable(now: dt.datetime):
    return or_(and_(Job.state == "queued", Job.run_after <= now),
               and_(Job.state == "running", Job.lease_until < now, Job.attempts < MAX_ATTEMPTS))


def _fail_abandoned(now: dt.datetime) -> None:
    """Jobs whose worker died on their last attempt are failed (not taken over forever)."""
    db.session.execute(update(Job).where(
        Job.state == "running", Job.lease_until < now, Job.attempts >= MAX_ATTEMPTS).values(
        state="failed", lease_until=None, worker=None, finished_at=now,
        error=f"The worker running this job stopped {MAX_ATTEMPTS} times before it finished."))
    db.session.commit()


def claim(worker: str, lease_seconds: float = LEASE_SECONDS) -> Job | None:
    """Claim the next due job (queued and due, or running with an expired lease), or None."""
    now = utcnow()
    _fail_abandoned(now)
    candidates = db.session.scalars(select(Job.id).where(_claimable(now)).order_by(Job.run_after, Job.id).limit(10)).all()
    for job_id in candidates:
        taken = db.session.execute(update(Job).where(Job.id == job_id, _claimable(now)).values(
            state="running", worker=worker, lease_until=now + dt.timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1, started_at=now, error=None, progress_done=0)).rowcount
        db.session.commit()
        if taken:
            return db.session.get(Job, job_id)
    return None


class Heartbeat:
    """Renews a job's lease every third of the lease, on a connection of its own, while it runs."""

    def __init__(self, engine, job_id: int, worker: str, lease_seconds: float):
        self.engine, self.job_id, self.worker, self.lease = engine, job_id, worker, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job_id}")

    def _run(self):
        while not self._stop.wait(self.lease / 3):
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id, Job.worker == self.worker,
                                                   Job.state == "running")
                                 .values(lease_until=utcnow() + dt.timedelta(seconds=self.lease)))
            except Exception:  # a missed beat is retried at the next one
                log.warning("Could not renew the lease of job %s", self.job_id, exc_info=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _owned(job_id: int, worker: str):
    return and_(Job.id == job_id, Job.worker == worker, Job.state == "running")


def _record_failure(job_id: int, worker: str, message: str, retry: bool) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    now = utcnow()
    again = retry and job.attempts < MAX_ATTEMPTS
    db.session.execute(update(Job).where(_owned(job_id, worker)).values(
        state="queued" if again else "failed", error=message[:4000], lease_until=None, worker=None,
        run_after=now + backoff(job.attempts) if again else job.run_after, finished_at=None if again else now))
    db.session.commit()


# --- running ---------------------------------------------------------------------------------

def execute(job: Job, worker: str, lease_seconds: float = LEASE_SECONDS, retry: bool = True, echo=None) -> str:
    """Run a claimed job to its end; returns its state afterwards ("done", "queued" for a retry,
    "failed", or "lost" when another worker took it over). echo, if given, gets progress lines."""
    from .respond.progress import close_out
    from .scoring import score_administration

    job_id, trigger = job.id, job.trigger
    engine = db.engine
    step_delay = float(current_app.config.get("JOB_STEP_DELAY_SECONDS", 0))
    administration = db.session.get(Administration, job.administration_id)

    def progress(done, total, line):
        with engine.begin() as conn:
            conn.execute(update(Job).where(_owned(job_id, worker)).values(progress_done=done, progress_total=total))
        if echo and line:
            echo(line)
        if step_delay:
            time.sleep(step_delay)

    def finish(run_id: int) -> None:
        done = db.session.execute(update(Job).where(_owned(job_id, worker)).values(
            state="done", scoring_run_id=run_id, lease_until=None, finished_at=utcnow(), error=None)).rowcount
        if not done:
            raise LeaseLost(f"Job {job_id} was taken over by another worker.")

    with Heartbeat(engine, job_id, worker, lease_seconds):
        try:
            progress(0, len(administration.groups), None)
            if administration.state() == "closed":
                close_out(administration)
            score_administration(administration, trigger=trigger, progress=progress, finish=finish)
        except LeaseLost:
            db.session.rollback()
            log.warning("Job %s was taken over by another worker; this worker's results were discarded.", job_id)
            return "lost"
        except Exception as exc:
            db.session.rollback()
            log.exception("Scoring job %s failed", job_id)
            from .scoring import ScoringError
            message = str(exc) if isinstance(exc, ScoringError) else f"{type(exc).__name__}: {exc}"
            _record_failure(job_id, worker, message, retry)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    return job.state if job is not None else "failed"


def score_now(administration: Administration, trigger: str = "manual", echo=None) -> Job:
    """Score an administration in this process at once, recorded as a job (for `climate score`)."""
    worker, now = worker_name(), utcnow()
    job = Job(kind="score", administration_id=administration.id, trigger=trigger, state="running", worker=worker,
              attempts=1, run_after=now, started_at=now, lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
    db.session.add(job)
    db.session.commit()
    execute(job, worker, retry=False, echo=echo)
    return db.session.get(Job, job.id)


def run_due(worker: str | None = None, lease_seconds: float = LEASE_SECONDS, stop: threading.Event | None = None,
            echo=None) -> list[Job]:
    """Queue the jobs of closed administrations, then run every due job until none is left."""
    worker = worker or worker_name()
    enqueue_closed()
    ran = []
    while not (stop and stop.is_set()):
        job = claim(worker, lease_seconds)
        if job is None:
            break
        execute(job, worker, lease_seconds, echo=echo)
        ran.append(db.session.get(Job, job.id))
    return ran


def run_worker(stop: threading.Event, lease_seconds: float = LEASE_SECONDS, poll_seconds: float = POLL_SECONDS,
               echo=None) -> None:
    """Run jobs until `stop` is set, looking for new ones every poll_seconds."""
    worker = worker_name()
    while not stop.is_set():
        try:
            run_due(worker, lease_seconds, stop, echo)
        except Exception:  # e.g. the database restarting: try again at the next poll
            db.session.rollback()
            log.exception("The job worker could not reach the database")
        db.session.remove()
        stop.wait(poll_seconds)


# --- jobs in the web process (the embedded demo) -----------------------------------------------

def runs_jobs_in_process(app: Flask) -> bool:
    """Whether the web process runs jobs itself: RUN_JOBS_IN_PROCESS (setting or environment), by
    default only with the embedded SQLite database (production runs `climate worker`)."""
    if "RUN_JOBS_IN_PROCESS" in app.config:
        return bool(app.config["RUN_JOBS_IN_PROCESS"])
    flag = os.environ.get("RUN_JOBS_IN_PROCESS")
    if flag is not None:
        return flag.strip().lower() in ("1", "true", "yes", "on")
    embedded = f"sqlite:///{Path(app.instance_path) / 'climate.sqlite'}"
    return (not app.config.get("TESTING") and not os.environ.get("DATABASE_URL")
            and app.config["SQLALCHEMY_DATABASE_URI"] == embedded)


_in_process_lock = threading.Lock()


def start_in_process_worker(app: Flask) -> None:
    """Start the app's worker thread (once per app and process), running jobs in an app context of
    its own; app.extensions["job_worker"] holds (pid, stop event, thread)."""
    with _in_process_lock:
        running = app.extensions.get("job_worker")
        if running is not None and running[0] == os.getpid():
            return
        stop = threading.Event()

        def work():
            with app.app_context():
                run_worker(stop, poll_seconds=app.config.get("JOB_POLL_SECONDS", POLL_SECONDS))
        thread = threading.Thread(target=work, daemon=True, name="climate-jobs")
        app.extensions["job_worker"] = (os.getpid(), stop, thread)
        thread.start()


_last_check = {"at": 0.0}
_check_lock = threading.Lock()


def register_close_watch(app: Flask) -> None:
    """Queue the scoring of administrations soon after they close: at most once a minute per
    process, a request checks for closed administrations without a job and queues one (it never
    scores in the web worker). With jobs in process, the first request starts the worker thread."""
    @app.before_request
    def _watch():
        if runs_jobs_in_process(app):
            start_in_process_worker(app)
        if not app.config.get("SCORE_ON_CLOSE", True):
            return
        now = time.monotonic()
        with _check_lock:
            if now - _last_check["at"] < app.config.get("CLOSE_CHECK_SECONDS", 60):
                return
            _last_check["at"] = now
        if db.session.scalar(select(Administration.id).where(
                Administration.closes_at <= utcnow(), Administration.closed_processed_at.is_(None)).limit(1)) is None:
            return
        enqueue_closed()
