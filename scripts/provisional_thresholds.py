#!/usr/bin/env python3
"""Provisional partial-credit-model thresholds for the scaled items of the questionnaires.

Our items are our own wording, so no calibration sample exists yet. Until one does, every
scaled item gets thresholds made by a fixed, documented rule so that scoring works and gives
sensible numbers. The rule (logits, on the favourable coding 0..3 used by
surveys.instruments, threshold k = step from code k-1 to code k):

* A typical respondent sits at theta = 0.
* Item location: delta = -0.5 + U(-0.5, +0.5), i.e. between 0 and 1 logit below the typical
  respondent, so most answers are "agree" or "strongly agree" (as in real climate surveys).
* Steps around the location: delta + (-1.5, 0.0, +1.5), each plus a small jitter U(-0.15, +0.15).
* Rounded to 2 decimals; ordering is guaranteed (the steps are 1.5 apart, the jitter < 0.3).
* The random draws are seeded by SEED and the item id (SHA-256), so an item's thresholds never
  depend on the other items: adding an item does not change the others, and the output is
  identical on every run and platform.

With theta = 0 and delta = -0.5 the category probabilities are about 4% / 30% / 49% / 18%
(strongly disagree .. strongly agree), i.e. about two thirds favourable.

Usage:
    python scripts/provisional_thresholds.py instruments/student.yaml ...   # rewrite in place
    python scripts/provisional_thresholds.py --print instruments/student.yaml
    python scripts/provisional_thresholds.py --check instruments/*.yaml     # exit 1 if stale

Only the ``thresholds:`` lines of scaled items are rewritten; every other line is untouched.
A scaled item must already have a ``thresholds:`` line (write ``thresholds: []``).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
from pathlib import Path

import yaml

SEED = "edscls-style-provisional-2026.1"
LOCATION_CENTRE = -0.5
LOCATION_SPREAD = 0.5
STEPS = (-1.5, 0.0, 1.5)
JITTER = 0.15

_ID_LINE = re.compile(r"^\s*-\s+id:\s*[\"']?([A-Za-z0-9_]+)[\"']?\s*$")
_THR_LINE = re.compile(r"^(\s*)thresholds:.*$")


def provisional_thresholds(item_id: str, seed: str = SEED) -> tuple[float, float, float]:
    """The provisional thresholds of one item: deterministic in (seed, item_id)."""
    digest = hashlib.sha256(f"{seed}:{item_id}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    delta = LOCATION_CENTRE + rng.uniform(-LOCATION_SPREAD, LOCATION_SPREAD)
    out = tuple(round(delta + s + rng.uniform(-JITTER, JITTER), 2) for s in STEPS)
    assert out[0] < out[1] < out[2]
    return out  # type: ignore[return-value]


def format_thresholds(thr) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in thr) + "]"


def scaled_ids(text: str) -> set[str]:
    data = yaml.safe_load(text) or {}
    items = list(data.get("items") or [])
    sro = data.get("sro") or {}
    items += list(sro.get("items") or [])
    return {it["id"] for it in items if isinstance(it, dict) and it.get("scaled")}


def rewrite(text: str, seed: str = SEED) -> tuple[str, list[str]]:
    """Return (new text, list of problems). Rewrites only thresholds lines of scaled items."""
    wanted = scaled_ids(text)
    done: set[str] = set()
    current = None
    out = []
    for line in text.splitlines(keepends=True):
        m = _ID_LINE.match(line)
        if m:
            current = m.group(1)
        t = _THR_LINE.match(line)
        if t and current in wanted:
            end = "\n" if line.endswith("\n") else ""
            line = f"{t.group(1)}thresholds: {format_thresholds(provisional_thresholds(current, seed))}{end}"
            done.add(current)
        out.append(line)
    problems = [f"scaled item {i} has no 'thresholds:' line" for i in sorted(wanted - done)]
    return "".join(out), problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--print", action="store_true", help="print 'ID: [t1, t2, t3]' lines, change nothing")
    ap.add_argument("--check", action="store_true", help="exit 1 if any file is not up to date")
    ap.add_argument("--seed", default=SEED)
    args = ap.parse_args(argv)
    status = 0
    for path in args.files:
        text = path.read_text(encoding="utf-8")
        if args.print:
            for iid in sorted(scaled_ids(text)):
                print(f"{iid}: {format_thresholds(provisional_thresholds(iid, args.seed))}")
            continue
        new, problems = rewrite(text, args.seed)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
            status = 1
        if args.check:
            if new != text:
                print(f"{path}: thresholds are not the provisional ones", file=sys.stderr)
                status = 1
        elif new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: thresholds rewritten")
    return status


if __name__ == "__main__":
    sys.exit(main())
