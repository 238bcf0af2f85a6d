#!/usr/bin/env python3
"""Whether two runs.csv files hold the same rows, wall-time columns aside.

Usage: same-runs.py A/runs.csv B/runs.csv. Exits 1, naming the first difference, if
they differ; columns whose name starts with `wall` are left out (they time the machine).
"""
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        keep = [i for i, name in enumerate(header) if not name.startswith("wall")]
        return [[header[i] for i in keep]] + [[r[i] for i in keep] for r in reader]


a, b = rows(sys.argv[1]), rows(sys.argv[2])
if len(a) != len(b):
    sys.exit(f"{sys.argv[1]}: {len(a)} lines, {sys.argv[2]}: {len(b)}")
for n, (x, y) in enumerate(zip(a, b)):
    if x != y:
        sys.exit(f"line {n + 1} differs:\n  {x}\n  {y}")
print(f"identical: {len(a) - 1} rows ({', '.join(a[0])})")
