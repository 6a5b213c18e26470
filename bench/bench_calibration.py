"""Benchmark: calibration of 20,000 respondents x 10 items (5% missing) by our MML-EM Rasch
PCM vs girth's pcm_mml on the same data, measured in the same run.

girth fits a *generalized* PCM (a free slope per item, population fixed at N(0, 1)), so its
difficulties are on a different metric.  Its model is
    P(X = x) ∝ exp(sum_{j<=x} a_i (theta_g - beta_ij)),  theta_g ~ N(0, 1)
and a Rasch PCM with theta = mu + sigma * theta_g has a_i = sigma and
a_i * beta_ij = delta_ij - mu.  We therefore convert girth's estimates to logit step
parameters as a_i * beta_ij, then centre them (mean 0), the identification our calibration
uses, and compare both with the centred true thresholds.

Run from the repository root:  .venv/bin/python bench/bench_calibration.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench_scoring import machine  # noqa: E402
from surveys.calibration import calibrate  # noqa: E402
from surveys.rasch import category_probabilities  # noqa: E402

N, K = 20_000, 10


def main():
    import girth
    from girth import pcm_mml
    from girth.utilities import INVALID_RESPONSE

    print(machine())
    from importlib.metadata import version
    print(f"girth {version('girth')}")
    rng = np.random.default_rng(2024)
    b = rng.normal(0, 0.7, K)
    d = b[:, None] + np.array([-1.3, 0.0, 1.2])[None, :] + rng.normal(0, 0.25, (K, 3))
    theta = rng.normal(0.3, 1.1, N)
    p = category_probabilities(theta, d)
    x = (p.cumsum(2) < rng.random((N, K, 1))).sum(2).astype(np.int8)
    x[rng.random((N, K)) < 0.05] = -1
    truth = d - d.mean()

    calibrate(x)  # warm-up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        cal = calibrate(x)
        times.append(time.perf_counter() - t0)
    ours = float(np.median(times))
    rmse_ours = float(np.sqrt(np.mean((cal.thresholds - truth) ** 2)))

    gx = x.T.astype(np.int64)
    gx[gx < 0] = INVALID_RESPONSE
    t0 = time.perf_counter()
    res = pcm_mml(gx)
    theirs = time.perf_counter() - t0
    a = np.asarray(res["Discrimination"])
    beta = np.asarray(res["Difficulty"])
    g = a[:, None] * beta
    g -= g.mean()
    rmse_girth = float(np.sqrt(np.mean((g - truth) ** 2)))

    print(f"data: {N:,} x {K}, 5% missing, true population N(0.3, 1.1^2)")
    print(f"ours  calibrate : {ours:8.3f} s (median of 5)  iterations {cal.iterations}  "
          f"threshold RMSE {rmse_ours:.4f} logits")
    print(f"girth pcm_mml   : {theirs:8.3f} s (1 run)  slopes {a.min():.2f}..{a.max():.2f}  "
          f"threshold RMSE {rmse_girth:.4f} logits (a_i * beta_ij, centred)")
    print(f"speed ratio girth/ours: {theirs / ours:.1f}x  target >= 20x")


if __name__ == "__main__":
    main()
