"""Benchmark: WLE scoring of 1,000,000 respondents x 10 items with fixed thresholds (5%
missing), against a plain np.copyto of the same int8 data, measured in the same run.

Run from the repository root:  .venv/bin/python bench/bench_scoring.py
Smoke mode (tiny sizes, a few seconds; what CI runs):  python bench/bench_scoring.py --smoke
"""
import argparse
import os
import sys
import time

import numpy as np

from machine import describe  # noqa: E402 (bench/ is on the path)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from surveys.rasch import category_probabilities, clear_cache, estimate_theta  # noqa: E402

N, K, REPEATS = 1_000_000, 10, 9
SMOKE_N, SMOKE_REPEATS = 20_000, 2


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the benchmark runs")
    args = parser.parse_args(argv)
    n, repeats = (SMOKE_N, SMOKE_REPEATS) if args.smoke else (N, REPEATS)
    print(describe())
    rng = np.random.default_rng(12345)
    d = np.sort(rng.normal(0, 1, (K, 3)), axis=1)
    theta = rng.normal(0, 1.2, n)
    x = np.empty((n, K), np.int8)
    for lo in range(0, n, 100_000):  # simulate in chunks to bound memory
        p = category_probabilities(theta[lo:lo + 100_000], d)
        u = rng.random((p.shape[0], K, 1))
        x[lo:lo + 100_000] = (p.cumsum(2) < u).sum(2)
    x[rng.random((n, K)) < 0.05] = -1
    dst = np.empty_like(x)

    est = estimate_theta(x, d)  # warm-up, and a sanity check
    assert np.isfinite(est.theta).mean() > 0.95
    copy_med, copy_min = median_time(lambda: np.copyto(dst, x), repeats)

    def cold():
        clear_cache()  # solve every (mask, raw score) pattern again
        estimate_theta(x, d)

    cold_med, cold_min = median_time(cold, repeats)
    warm_med, warm_min = median_time(lambda: estimate_theta(x, d), repeats)
    copy_med2, _ = median_time(lambda: np.copyto(dst, x), repeats)
    print(f"data: {n:,} respondents x {K} items, int8, 5% missing; {repeats} repeats, median (min)")
    print(f"np.copyto              : {copy_med * 1e3:8.2f} ms ({copy_min * 1e3:.2f}); "
          f"again after: {copy_med2 * 1e3:.2f} ms")
    print(f"estimate_theta wle cold: {cold_med * 1e3:8.2f} ms ({cold_min * 1e3:.2f})  "
          f"ratio {cold_med / copy_med:.1f}x  (patterns solved in the call)")
    print(f"estimate_theta wle warm: {warm_med * 1e3:8.2f} ms ({warm_min * 1e3:.2f})  "
          f"ratio {warm_med / copy_med:.1f}x  (same thresholds scored before: table cached)")
    print("target: within 10x of the copy")
    for method in ("mle", "eap"):
        def run(method=method):
            clear_cache()
            estimate_theta(x, d, method=method)
        m, _ = median_time(run, min(5, repeats))
        print(f"estimate_theta {method} cold: {m * 1e3:8.2f} ms  ratio {m / copy_med:.1f}x")


if __name__ == "__main__":
    main()
