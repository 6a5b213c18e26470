"""The analyst's script of docs/scoring.md ("Reproducing a school's number"), shipped as a test.

From the two files an analyst can download, the response CSV (`climate export --format csv`, or the
exports page) and the thresholds CSV of the calibration that scored the run (the calibrations
page), it reproduces a school's published topic mean with numpy alone: nothing is imported from
surveys/ or climate/ for the computation."""
import csv
import io
import math

import numpy as np
import pytest

from climate.results import current_run
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from tests.conftest import PASSWORD

PUBLISHED_DECIMALS = 0  # docs/scoring.md: published group means are whole scale points


# --- the analyst's script, written from docs/scoring.md -------------------------------------------

def read_thresholds(text):
    """The thresholds CSV -> ({topic: [(item, reverse, thresholds)]}, {topic: transform})."""
    items, transforms = {}, {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["row"] == "item":
            steps = [float(row[f"threshold_{j}"]) for j in (1, 2, 3) if row[f"threshold_{j}"] != ""]
            items.setdefault(row["topic"], []).append((row["item"], row["reverse"] == "1", steps))
        else:
            transforms[row["topic"]] = {k: float(row[k]) for k in (
                "theta_300", "theta_400", "slope", "intercept", "trim_low", "trim_high")}
    return items, transforms


def item_codes(rows, items):
    """Response rows -> codes (n, k): answer 1..4 -> 0..3, counting down for reversed items; -1 = blank."""
    codes = np.full((len(rows), len(items)), -1, dtype=np.int64)
    for n, row in enumerate(rows):
        for i, (item, reverse, _steps) in enumerate(items):
            if row[item] != "":
                value = int(row[item])
                codes[n, i] = 4 - value if reverse else value - 1
    return codes


def moments(theta, steps):
    """Mean, variance, third and fourth cumulants of one item's score at theta (PCM)."""
    psi = np.concatenate([[0.0], np.cumsum(theta - np.asarray(steps))])
    p = np.exp(psi - psi.max())
    p /= p.sum()
    x = np.arange(len(p))
    mean = p @ x
    dev = x - mean
    var, third, fourth = p @ dev**2, p @ dev**3, p @ dev**4
    return mean, var, third, fourth - 3 * var**2


def wle(codes, steps_of):
    """Warm's WLE of one respondent by Newton-Raphson: the root of r - E + J / (2 I) = 0, where
    E' = I, I' = J and J' = K (the fourth cumulant), so f' = -I + (K I - J^2) / (2 I^2)."""
    answered = [i for i, c in enumerate(codes) if c >= 0]
    r = sum(codes[i] for i in answered)
    theta = 0.0
    for _ in range(100):
        e = i_ = j = k = 0.0
        for i in answered:
            m = moments(theta, steps_of[i])
            e, i_, j, k = e + m[0], i_ + m[1], j + m[2], k + m[3]
        f = r - e + j / (2 * i_)
        slope = -i_ + (k * i_ - j * j) / (2 * i_ * i_)
        step = max(-1.0, min(1.0, -f / slope))
        theta += step
        if abs(step) < 1e-12:
            break
    return theta


def school_topic_mean(rows, school, items, transform):
    """The school's published topic mean: submitted rows of the school, the minimum-answered rule,
    WLE, the linear transform trimmed to [trim_low, trim_high], the mean, clamped to [100, 500]."""
    mine = [r for r in rows if r["SCHOOL"] == school and r["STATUS"] == "submitted"]
    codes = item_codes(mine, items)
    k = len(items)
    need = min(k, max(3, math.ceil(k / 2)))
    steps_of = [steps for _item, _reverse, steps in items]
    scores = []
    for person in codes:
        if (person >= 0).sum() < need:
            continue  # not scored (NaN): left out of the mean
        theta = wle(person, steps_of)
        scale = transform["intercept"] + transform["slope"] * theta
        scores.append(min(max(scale, transform["trim_low"]), transform["trim_high"]))
    mean = min(max(float(np.mean(scores)), 100.0), 500.0)
    return round(mean, PUBLISHED_DECIMALS), len(scores)


# --- the test: the app's files in, the published number out ------------------------------------

def test_the_fischer_molenaar_example_of_the_docs():
    steps = [[-1.5], [-0.75], [0.0], [0.75], [1.5]]
    got = [round(wle(np.array([1] * r + [0] * (5 - r)), steps), 2) for r in range(6)]
    assert got == [-2.95, -1.45, -0.46, 0.46, 1.45, 2.95]


def test_the_worked_example_of_the_docs():
    items = [("Q1", False, [-2.0, -0.8, 0.6]), ("Q2", False, [-1.5, -0.3, 1.1]), ("Q3", False, [-2.4, -1.0, 0.3])]
    transform = {"intercept": 337.45534139243136, "slope": 55.609925638194014, "trim_low": 0.0, "trim_high": 600.0}
    rows = [dict(zip(("SCHOOL", "STATUS", "Q1", "Q2", "Q3"), ("S", "submitted") + answers))
            for answers in (("3", "4", "2"), ("4", "4", "3"), ("2", "", "3"), ("1", "1", "1"))]
    steps = [s for _i, _r, s in items]
    thetas = [round(wle(c, steps), 5) for c in item_codes(rows, items)[[0, 1, 3]]]
    assert thetas == [0.03906, 1.30086, -3.89776]
    assert school_topic_mean(rows, "S", items, transform) == (290.0, 3)


def reproduce(client, administration_id: int, school: str) -> int:
    """Download the three files as district staff would and reproduce every reported topic mean
    of `school` from the response file and the thresholds alone; returns how many were checked."""
    run = current_run(administration_id)
    calibration_id = run.calibrations["student"]
    responses = client.get(f"/exports/administrations/{administration_id}/student/restricted/responses.csv")
    thresholds = client.get(f"/research/calibrations/{calibration_id}/thresholds.csv")
    results = client.get(f"/exports/administrations/{administration_id}/results.csv?group=student")
    assert responses.status_code == thresholds.status_code == results.status_code == 200
    assert current_run(administration_id).id == run.id
    rows = list(csv.DictReader(io.StringIO(responses.get_data(as_text=True))))
    items, transforms = read_thresholds(thresholds.get_data(as_text=True))
    published = {(r["school"], r["measure"]): r for r in csv.DictReader(io.StringIO(results.get_data(as_text=True)))
                 if r["measure_kind"] == "topic" and r["subgroup"] == ""}
    checked = 0
    for topic in items:
        cell = published[(school, topic)]
        if cell["status"] != "reported":
            continue
        mean, n = school_topic_mean(rows, school, items[topic], transforms[topic])
        assert n == int(cell["n"]), topic
        assert f"{mean:.{PUBLISHED_DECIMALS}f}" == f"{float(cell['mean']):.{PUBLISHED_DECIMALS}f}", topic
        checked += 1
    print(f"reproduced {checked} topic means of {school}; e.g. {topic}: published "
          f"{float(cell['mean']):.0f}, reproduced {mean:.0f} (n = {n})")
    return checked


def test_an_analyst_reproduces_a_school_topic_mean(client, auth, world, administration):
    simulate_administration(administration, {(world.school_a.id, "student"): 60,
                                             (world.school_b.id, "student"): 40}, seed=5)
    score_administration(administration)
    auth.sign_in("staff1@d1.example")
    assert reproduce(client, administration.id, "School A") >= 3


def test_an_analyst_reproduces_a_demo_school_topic_mean(demo_app, demo_client, demo_auth):
    """The issue's case: Cedar Middle in the demo's Spring 2026, every reported student topic."""
    from sqlalchemy import select

    from climate.commands.demo_data import STAFF_EMAIL
    from climate.extensions import db
    from climate.models import Administration, User
    client, auth = demo_client, demo_auth
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    staff.set_password(PASSWORD)
    db.session.commit()
    administration_id = db.session.scalar(select(Administration.id).where(Administration.name == "Spring 2026"))
    auth.sign_in(STAFF_EMAIL)
    assert reproduce(client, administration_id, "Cedar Middle") >= 10


@pytest.mark.parametrize("theta", [-2.0, 0.3, 1.7])
def test_the_wle_derivative_used_by_the_script(theta):
    """The script's Newton step relies on E' = I, I' = J, J' = K: check them by differences."""
    steps, h = [-1.2, 0.1, 0.9], 1e-5
    lo, mid, hi = moments(theta - h, steps), moments(theta, steps), moments(theta + h, steps)
    for n in range(3):
        assert (hi[n] - lo[n]) / (2 * h) == pytest.approx(mid[n + 1], rel=1e-6)
