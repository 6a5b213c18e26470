"""Tests for surveys.scales: the TCC-anchored transform, levels, domain scores."""
import numpy as np
import pytest

from surveys.domain import DOMAINS, SCALED_TOPICS, TOPIC_DOMAIN
from surveys.scales import (
    ScaleTransform,
    domain_scores,
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
    s = np.array([np.nan, 100, 299.999999, 300.0, 350, 400.0, 400.000001, 500])
    assert performance_levels(s).tolist() == [-1, 0, 0, 1, 1, 1, 2, 2]


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
