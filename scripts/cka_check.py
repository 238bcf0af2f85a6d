#!/usr/bin/env python3
"""Recompute linear CKA from the activations `baldwin analyze DIR` exported, with numpy
alone, and compare with DIR/analysis/cka.csv.

    python3 scripts/cka_check.py DIR [--tolerance 1e-3]

Linear CKA (Kornblith et al. 2019, eq. 3 in feature space): centre each column, then
||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F). Prints the largest difference; exits 1 if it
exceeds the tolerance, 0 otherwise, and 0 with a note when numpy is not installed.
"""

import csv
import math
import sys
from pathlib import Path


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    tolerance = 1e-3
    if "--tolerance" in args:
        i = args.index("--tolerance")
        tolerance = float(args[i + 1])
        del args[i : i + 2]
    try:
        import numpy as np
    except ImportError:
        print("numpy is not installed: check skipped")
        return 0
    analysis = Path(args[0]) / "analysis"
    cache = {}

    def activations(run, layer):
        key = (run, layer)
        if key not in cache:
            path = analysis / "activations" / f"{run}.{layer}.csv"
            x = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype=np.float64)
            cache[key] = x - x.mean(axis=0)
        return cache[key]

    def linear_cka(x, y):
        cross = np.linalg.norm(y.T @ x) ** 2
        return cross / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))

    worst, pairs = 0.0, 0
    with open(analysis / "cka.csv", newline="") as f:
        for row in csv.DictReader(f):
            ours = float(row["cka"])
            theirs = linear_cka(
                activations(row["run_a"], row["layer"]),
                activations(row["run_b"], row["layer"]),
            )
            if math.isnan(ours) and math.isnan(theirs):
                continue
            worst = max(worst, abs(ours - theirs))
            pairs += 1
    print(f"{pairs} pairs: largest |baldwin - numpy| linear CKA = {worst:.3g}")
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
