"""Tests for surveys.scales: the TCC-anchored transform, levels, domain scores."""
import numpy as np
import pytest

from surveys.domain import PUBLISHED_DECIMALS, DOMAINS, SCALED_TOPICS, TOPIC_DOMAIN
from surveys.scales import (
    ScaleTransform,
    domain_scores,
    level_name,
    performance_levels,
    tcc,
    to_scale,
    topic_transform,
)

D = np.array([[-1.5, -0.2, 1.0], [-0.8, 0.3, 1.9], [-2.0, -0.5, 0.4], [-1.0, 0.9, 0.5]])


def test_cuts_land_on_tcc_crossings():
    t = topic_transform(D)
    assert abs(tcc(t.theta_300, D)[0] - 1.5) < 1e-12
    assert abs(tcc(t.theta_400, D)[0] - 2.5) < 1e-12
    s = t.scale(np.array([t.theta_300, t.theta_400]))
    assert np.allclose(s, [300.0, 400.0], atol=1e-9, rtol=0)
    assert t.slope > 0
    # mean expected item score at a scale score of 300 is 1.5
    assert abs(tcc(t.theta(300.0), D)[0] - 1.5) < 1e-10


def test_scale_is_linear_trimmed_and_keeps_nan():
    t = topic_transform(D)
    th = np.array([t.theta_300 - 1, t.theta_300, t.theta_300 + 1, np.nan, -50, 50])
    s = to_scale(th, t)
    assert np.isclose(s[2] - s[1], s[1] - s[0])
    assert np.isnan(s[3])
    assert s[4] == 0.0 and s[5] == 600.0


def test_round_trip_dict():
    t = topic_transform(D)
    assert ScaleTransform.from_dict(t.to_dict()) == t


def test_levels_at_boundaries():
    s = np.array([np.nan, 100, 299.4, 299.5, 300.0, 350, 400.0, 400.5, 400.6, 500])
    assert performance_levels(s).tolist() == [-1, 0, 0, 1, 1, 1, 1, 1, 2, 2]


def test_levels_are_decided_on_the_published_score():
    """A score is published in whole points; its level is the level of what the reader sees."""
    s = np.array([400.00000000000006, 400.4, 400.5, np.nextafter(400.5, 500), 299.49, 299.5,
                  np.nextafter(299.5, 0), 300 - 1e-13])
    # published:  400                   400    400    401                        299     300
    #             299                    300
    assert performance_levels(s).tolist() == [1, 1, 1, 2, 0, 1, 0, 1]
    assert performance_levels(s.reshape(8, 1)).shape == (8, 1)
    assert level_name(400.00000000000006) == "favorable"
    assert level_name(399.6) == "favorable"
    assert level_name(401.0) == "most_favorable"
    assert level_name(299.4) == "least_favorable"
    assert level_name(None) is None and level_name(float("nan")) is None


def test_level_matches_the_level_of_the_printed_score():
    rng = np.random.default_rng(3)
    near = np.concatenate([cut + rng.uniform(-1.0, 1.0, 4000) for cut in (300.0, 400.0)])
    near = np.concatenate([near, [np.nextafter(c + d, t) for c in (300.0, 400.0) for d in (-0.5, 0.5)
                                  for t in (-np.inf, np.inf)], [299.5, 300.5, 399.5, 400.5]])
    printed = np.array([float(f"{x:.{PUBLISHED_DECIMALS}f}") for x in near])
    expected = np.where(printed < 300, 0, np.where(printed <= 400, 1, 2))
    np.testing.assert_array_equal(performance_levels(near), expected)


def test_export_level_codes_follow_the_published_score():
    from surveys.exports import performance_level_codes
    s = np.array([299.5, 400.5, np.nextafter(400.5, 500), np.nan])
    np.testing.assert_array_equal(performance_level_codes(s), [2.0, 2.0, 3.0, np.nan])


def test_easier_items_put_the_cut_lower():
    t1 = topic_transform(D)
    t2 = topic_transform(D - 0.5)
    assert np.isclose(t2.theta_300, t1.theta_300 - 0.5)
    assert np.isclose(t2.slope, t1.slope)


def test_domain_scores_rule():
    topics = list(SCALED_TOPICS["student"])
    n = 3
    s = np.full((n, len(topics)), np.nan)
    eng = [topics.index(t) for t in topics if TOPIC_DOMAIN[t] == "engagement"]  # 3 topics
    s[0, eng] = [300, 330, 360]
    s[1, eng[:2]] = [300, 400]  # 2 of 3 >= ceil(3/2) = 2
    s[2, eng[:1]] = [300]  # 1 of 3: too few
    out = domain_scores(s, topics, "student")
    assert out.shape == (3, len(DOMAINS))
    assert out[0, 0] == 330 and out[1, 0] == 350 and np.isnan(out[2, 0])
    assert np.all(np.isnan(out[:, 1:]))
    # parents have no scaled topics
    assert np.all(np.isnan(domain_scores(s, topics, "parent")))
    # physical_health is not scaled for students and is ignored if passed in
    s2 = np.full((1, 1), 400.0)
    assert np.all(np.isnan(domain_scores(s2, ["physical_health"], "student")))
    with pytest.raises(ValueError):
        domain_scores(s, topics[:-1], "student")
