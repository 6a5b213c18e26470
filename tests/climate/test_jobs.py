"""Scoring as a job: queued on close (never scored in the web worker), claimed once, retried with a
backoff after a failure, and taken over by the next worker when its worker is killed mid-job.
Runs on SQLite, and on PostgreSQL when DATABASE_URL points at one."""
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from climate.extensions import db
from climate.jobs import MAX_ATTEMPTS, claim, enqueue_closed, enqueue_scoring, run_due
from climate.models import AdministrationGroup, Job, ScoringRun, utcnow
from climate.results import current_run
from climate.simulate import simulate_administration
from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(administration, world):
    simulate_administration(administration, {(world.school_a.id, "student"): 40, (world.school_b.id, "student"): 40,
                                             (world.school_a.id, "instructional_staff"): 12,
                                             (world.school_a.id, "parent"): 12}, seed=5)
    db.session.commit()
    return administration


def runs(administration_id):
    return db.session.scalar(select(func.count()).select_from(ScoringRun)
                             .where(ScoringRun.administration_id == administration_id))


def close(administration):
    administration.opens_at, administration.closes_at = dt.datetime(2000, 1, 1), dt.datetime(2000, 1, 2)
    db.session.commit()


def worker(*args, timeout=None, **popen):
    """`climate worker ARGS` in a process of its own, on the test's database."""
    env = dict(os.environ, DATABASE_URL=db.engine.url.render_as_string(hide_password=False))
    command = [sys.executable, "-c", "import sys; from climate.cli import main; main(sys.argv[1:])", "worker", *args]
    if timeout:
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)


def test_a_worker_killed_mid_job_leaves_a_job_the_next_worker_scores_once(filled, client, auth, world):
    admin_id = filled.id
    auth.sign_in(world.staff1.email)
    job_id = enqueue_scoring(admin_id).id
    db.session.commit()
    first = worker("--lease-seconds", "2", "--poll-seconds", "0.2", "--step-delay", "3")
    try:
        deadline = time.monotonic() + 60
        while True:
            db.session.commit()
            job = db.session.get(Job, job_id)
            db.session.refresh(job)
            if job.state == "running" and job.progress_done >= 1:
                break
            assert first.poll() is None, first.stdout.read().decode()
            assert time.monotonic() < deadline, "the first worker never got going"
            time.sleep(0.1)
        assert job.progress_total == 3
        page = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
        assert "Scoring is running: 1 of 3 respondent groups done." in page and "Score again" not in page
        leased = job.lease_until
        time.sleep(1.5)  # the worker heartbeats its 2-second lease every 2/3 s
        db.session.commit()
        db.session.refresh(job)
        assert job.lease_until > leased and job.state == "running"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    db.session.commit()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.state == "running" and job.attempts == 1 and runs(admin_id) == 0  # claimed, unscored
    while utcnow() <= job.lease_until:  # the killed worker's heartbeats have stopped
        time.sleep(0.2)
    result = worker("--once", "--lease-seconds", "30", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    db.session.commit()
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2 and job.error is None, job.error
    assert runs(admin_id) == 1
    assert current_run(admin_id).id == job.scoring_run_id and current_run(admin_id).n_scored > 0


def test_a_job_is_claimed_by_one_worker_only(filled, app):
    job_id = enqueue_scoring(filled.id).id
    db.session.commit()
    claimed, barrier = [], threading.Barrier(4)

    def take(i):
        with app.app_context():
            barrier.wait(timeout=30)
            job = claim(f"worker-{i}", 60)
            claimed.append(job.id if job else None)
            db.session.remove()
    threads = [threading.Thread(target=take, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(claimed, key=str) == [job_id, None, None, None]
    # a live lease is not taken over; the job's own worker still holds it
    assert claim("another", 60) is None


def test_a_failed_job_retries_with_a_backoff_then_fails_and_shows_why(filled, client, auth, world):
    admin_id = filled.id
    group = db.session.get(AdministrationGroup, (admin_id, "student"))
    snapshot, group.instrument = group.instrument, {"group": "student"}  # a damaged questionnaire snapshot
    db.session.commit()
    job_id = enqueue_scoring(admin_id).id
    db.session.commit()
    [ran] = run_due()
    job = db.session.get(Job, job_id)
    assert job.state == "queued" and job.attempts == 1 and job.error
    assert dt.timedelta(seconds=50) < job.run_after - utcnow() <= dt.timedelta(minutes=1)
    assert run_due() == []  # not due before its backoff
    waits = []
    for attempt in range(2, MAX_ATTEMPTS + 1):
        job.run_after = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        before = utcnow()
        run_due()
        db.session.refresh(job)
        waits.append(job.run_after - before)
    assert job.state == "failed" and job.attempts == MAX_ATTEMPTS and runs(admin_id) == 0
    assert dt.timedelta(minutes=5) <= waits[0] < dt.timedelta(minutes=5, seconds=30)

    auth.sign_in(world.staff1.email)
    page = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    assert "Scoring failed" in page and job.error.split(":")[0] in page and "Score again" in page
    group = db.session.get(AdministrationGroup, (admin_id, "student"))
    group.instrument = snapshot
    db.session.commit()
    response = client.post(f"/administrations/{admin_id}/score")
    assert response.status_code == 302
    queued = db.session.scalars(select(Job).where(Job.administration_id == admin_id).order_by(Job.id)).all()
    assert [j.state for j in queued] == ["failed", "queued"]
    assert "Scoring is queued" in client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    [done] = run_due()
    assert done.state == "done" and runs(admin_id) == 1
    page = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    assert "Scored " in page and "Scoring failed" not in page


def test_score_again_needs_the_csrf_token(csrf_app, world, administration):
    admin_id = administration.id
    client = csrf_app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    client.post("/auth/sign-in", data={"email": world.staff1.email, "password": PASSWORD,
                                       "csrf_token": token.group(1) or token.group(2)})
    page = client.get(f"/administrations/{admin_id}").get_data(as_text=True)
    assert 'id="scoring"' in page and "Not scored yet" in page and "Score again" in page
    assert client.post(f"/administrations/{admin_id}/score").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    token = re.search(r'/score">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/administrations/{admin_id}/score", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.administration_id == admin_id)) == 1


def test_closing_only_queues_in_the_web_worker(filled, client, app):
    app.config["CLOSE_CHECK_SECONDS"] = 0
    admin_id = filled.id
    close(filled)
    client.get("/")
    [job] = db.session.scalars(select(Job).where(Job.administration_id == admin_id)).all()
    assert job.state == "queued" and job.trigger == "close" and runs(admin_id) == 0
    assert enqueue_closed() == []  # queued once only
    [done] = run_due()
    assert done.state == "done" and current_run(admin_id).trigger == "close"


def test_score_command_scores_at_once_and_records_a_done_job(filled, runner):
    result = runner.invoke(args=["score", str(filled.id)])
    assert result.exit_code == 0, result.output
    [job] = db.session.scalars(select(Job).where(Job.administration_id == filled.id)).all()
    assert job.state == "done" and job.trigger == "manual" and job.scoring_run_id == current_run(filled.id).id
    assert job.progress_done == job.progress_total == 3
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "No jobs were due" in result.output


def test_the_demo_runs_jobs_in_its_own_process(filled, client, app):
    app.config.update(RUN_JOBS_IN_PROCESS=True, JOB_POLL_SECONDS=0.1, CLOSE_CHECK_SECONDS=0)
    admin_id = filled.id
    close(filled)
    client.get("/")  # the first request starts the worker thread and queues the closed administration
    _, stop, thread = app.extensions["job_worker"]
    try:
        deadline = time.monotonic() + 60
        while current_run(admin_id) is None:
            assert time.monotonic() < deadline, "the in-process worker never scored the administration"
            time.sleep(0.2)
            db.session.commit()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert current_run(admin_id).trigger == "close" and runs(admin_id) == 1


def test_jobs_run_in_process_only_with_the_embedded_database(app):
    from climate.jobs import runs_jobs_in_process
    assert not runs_jobs_in_process(app)  # tests, and any DATABASE_URL: `climate worker` runs them
    app.config["RUN_JOBS_IN_PROCESS"] = True
    assert runs_jobs_in_process(app)
