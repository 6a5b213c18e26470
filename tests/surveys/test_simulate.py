"""surveys.simulate: PCM draws, the raw coding, background answers, whole questionnaires."""
import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import surveys.simulate as sim
from surveys.instruments import load_instruments
from surveys.rasch import category_probabilities, estimate_theta


@pytest.fixture(scope="module")
def instruments():
    return load_instruments()


def test_draws_match_the_model_probabilities():
    rng = np.random.default_rng(3)
    thresholds = np.array([[-2.0, -0.5, 1.0], [-1.0, 0.0, 1.0]])
    theta = np.full(40000, 0.3)
    codes = sim.simulate_responses(thresholds, theta, rng, missing=0.0)
    assert codes.dtype == np.int8 and codes.shape == (40000, 2)
    expected = category_probabilities([0.3], thresholds)[0]          # (2, 4)
    observed = np.stack([np.bincount(codes[:, i], minlength=4) / 40000 for i in range(2)])
    assert np.abs(observed - expected).max() < 0.01


def test_missing_share_and_codes_range():
    rng = np.random.default_rng(4)
    codes = sim.simulate_responses(np.tile([-1.0, 0.0, 1.0], (20, 1)), rng.normal(size=5000), rng, missing=0.03)
    assert set(np.unique(codes)) <= {-1, 0, 1, 2, 3}
    assert 0.025 < (codes == -1).mean() < 0.035


def test_higher_theta_gives_higher_codes_and_theta_is_recovered():
    rng = np.random.default_rng(5)
    thresholds = np.array([[-2.0, -0.6, 0.8]] * 8) + np.linspace(-0.5, 0.5, 8)[:, None]
    theta = np.repeat([-1.0, 0.0, 1.5], 3000)
    codes = sim.simulate_responses(thresholds, theta, rng, missing=0.0)
    means = codes.reshape(3, 3000, 8).mean(axis=(1, 2))
    assert means[0] < means[1] < means[2]
    est = estimate_theta(codes, thresholds, method="eap", prior_sd=1.0)
    # EAP shrinks towards 0; the ordering and rough location survive
    group_means = np.nanmean(est.theta.reshape(3, 3000), axis=1)
    assert group_means[0] < -0.5 and abs(group_means[1]) < 0.2 and group_means[2] > 1.0


def test_same_seed_same_draws():
    thresholds = np.array([[-1.0, 0.0, 1.0]] * 5)
    theta = np.linspace(-2, 2, 100)
    a = sim.simulate_responses(thresholds, theta, np.random.default_rng(9))
    b = sim.simulate_responses(thresholds, theta, np.random.default_rng(9))
    assert np.array_equal(a, b)


def test_codes_to_raw_inverts_score_codes(instruments):
    student = instruments["student"]
    items = [it for it in student.items]
    reverse = [it for it in items if it.favourable_first != items[0].favourable_first]
    assert reverse, "the questionnaire has items of both directions"
    rng = np.random.default_rng(1)
    codes = rng.integers(-1, 4, size=(200, len(items))).astype(np.int8)
    raw = sim.codes_to_raw(codes, [it.favourable_first for it in items])
    assert raw.min() >= 0 and raw.max() <= 4
    assert np.array_equal((raw == 0), (codes == -1))
    back = student.score_codes([it.id for it in items], raw)
    assert np.array_equal(back, codes)
    for it, c, r in zip(items[:20], codes[0], raw[0]):
        if c >= 0:
            assert it.score_code(int(r)) == c


def test_background_answers_are_valid_and_grades_follow_the_school(instruments):
    rng = np.random.default_rng(2)
    student = instruments["student"]
    answers = sim.simulate_instrument(student, 3000, rng, grades=range(6, 9))
    grade = answers.column("S_GRADE")
    answered = grade[grade > 0]
    assert set(np.unique(answered)) <= {6, 7, 8, 13, 99}
    assert np.isin(answered, [6, 7, 8]).mean() > 0.9
    for b in student.background:
        col = answers.column(b.id)
        assert all(b.is_valid(int(v)) for v in np.unique(col[col > 0])), b.id
    race = answers.column("S_RACE")
    assert ((race > 0) & (race != 32) & (race & (race - 1) != 0)).any()  # some chose two races
    elementary = sim.simulate_instrument(student, 500, rng, grades=range(0, 6)).column("S_GRADE")
    assert set(np.unique(elementary[elementary > 0])) <= {5, 13, 99}


@pytest.mark.parametrize("group", ["student", "instructional_staff", "noninstructional_staff", "parent"])
def test_every_questionnaire_can_be_simulated(instruments, group):
    instrument = instruments[group]
    answers = sim.simulate_instrument(instrument, 300, np.random.default_rng(0), sro=bool(instrument.sro_items))
    assert answers.raw.shape == (300, len(answers.item_ids))
    for item_id in answers.item_ids:
        item = instrument.item(item_id)
        col = answers.column(item_id)
        values = np.unique(col[col > 0])
        if hasattr(item, "is_valid"):
            assert all(item.is_valid(int(v)) for v in values)
        else:
            assert set(values) <= {1, 2, 3, 4}
    core = [i for i in answers.item_ids if not hasattr(instrument.item(i), "is_valid")]
    assert set(core) >= {it.id for it in instrument.items}
    if instrument.sro_items:
        assert {it.id for it in instrument.sro_items} <= set(answers.item_ids)


def test_school_and_topic_shifts_move_the_answers(instruments):
    student = instruments["student"]
    low = sim.simulate_instrument(student, 2000, np.random.default_rng(1), school_shift=-0.8)
    high = sim.simulate_instrument(student, 2000, np.random.default_rng(1), school_shift=0.8,
                                   topic_shift={"bullying": -3.0})
    ids = [it.id for it in student.items if it.topic == "relationships"]
    bully = [it.id for it in student.items if it.topic == "bullying"]

    def mean_code(answers, item_ids):
        raw = np.stack([answers.column(i) for i in item_ids], axis=1)
        codes = student.score_codes(item_ids, raw).astype(float)
        codes[codes < 0] = np.nan
        return np.nanmean(codes)
    assert mean_code(high, ids) > mean_code(low, ids) + 0.5
    assert mean_code(high, bully) < mean_code(low, bully)


def test_subgroup_differences_are_built_in(instruments):
    student = instruments["student"]
    answers = sim.simulate_instrument(student, 20000, np.random.default_rng(8), grades=range(6, 9))
    sex = answers.column("S_SEX")
    ids = [it.id for it in student.items if it.topic == "emotional_safety"]
    codes = student.score_codes(ids, np.stack([answers.column(i) for i in ids], axis=1)).astype(float)
    codes[codes < 0] = np.nan
    per_person = np.nanmean(codes, axis=1)
    assert np.nanmean(per_person[sex == 1]) < np.nanmean(per_person[sex == 2]) - 0.1


def test_no_python_loop_over_respondents():
    """The module loops only over items, topics and questionnaire parts, never over people."""
    tree = ast.parse(Path(inspect.getfile(sim)).read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            source = ast.unparse(node.iter)
            assert not any(word in source for word in ("range(n", "theta", "codes", "raw", "rng")), source
