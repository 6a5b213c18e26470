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
Smoke mode (tiny sizes, a few seconds; what CI runs):  python bench/bench_calibration.py --smoke
"""
import argparse
import os
import sys
import time

import numpy as np

from machine import describe  # noqa: E402 (bench/ is on the path)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from surveys.calibration import calibrate  # noqa: E402
from surveys.rasch import category_probabilities  # noqa: E402

N, K, REPEATS = 20_000, 10, 5
SMOKE_N, SMOKE_K, SMOKE_REPEATS = 500, 5, 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the benchmark runs")
    args = parser.parse_args(argv)
    n, k, repeats = (SMOKE_N, SMOKE_K, SMOKE_REPEATS) if args.smoke else (N, K, REPEATS)
    from girth import pcm_mml
    from girth.utilities import INVALID_RESPONSE

    print(describe())
    from importlib.metadata import version
    print(f"girth {version('girth')}")
    rng = np.random.default_rng(2024)
    b = rng.normal(0, 0.7, k)
    d = b[:, None] + np.array([-1.3, 0.0, 1.2])[None, :] + rng.normal(0, 0.25, (k, 3))
    theta = rng.normal(0.3, 1.1, n)
    p = category_probabilities(theta, d)
    x = (p.cumsum(2) < rng.random((n, k, 1))).sum(2).astype(np.int8)
    x[rng.random((n, k)) < 0.05] = -1
    truth = d - d.mean()

    calibrate(x)  # warm-up
    times = []
    for _ in range(repeats):
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

    print(f"data: {n:,} x {k}, 5% missing, true population N(0.3, 1.1^2)")
    print(f"ours  calibrate : {ours:8.3f} s (median of {repeats})  iterations {cal.iterations}  "
          f"threshold RMSE {rmse_ours:.4f} logits")
    print(f"girth pcm_mml   : {theirs:8.3f} s (1 run)  slopes {a.min():.2f}..{a.max():.2f}  "
          f"threshold RMSE {rmse_girth:.4f} logits (a_i * beta_ij, centred)")
    print(f"speed ratio girth/ours: {theirs / ours:.1f}x  target >= 20x")


if __name__ == "__main__":
    main()
