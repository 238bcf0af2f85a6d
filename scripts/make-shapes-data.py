#!/usr/bin/env python3
"""Write data/shapes-train.csv and data/shapes-test.csv: a small synthetic data set for
the README's "Your own data" example (experiments/csv-example.toml).

Three kinds of object (`round`, `long`, `flat`) measured three ways on very different
scales (millimetres and grams), so that `standardize = true` matters. Each kind is a
Gaussian around its own centre; the kinds overlap a little, so accuracy stays below 1.
Generated, not collected: no licence attaches to it. Standard library only; the fixed
seed makes the files identical on every run:

    python3 scripts/make-shapes-data.py
"""

import random
from pathlib import Path

# kind: (length mm, width mm, mass g) centres and spreads.
KINDS = {
    "round": ((45.0, 40.0, 250.0), (9.0, 8.0, 70.0)),
    "long": ((65.0, 28.0, 230.0), (10.0, 7.0, 70.0)),
    "flat": ((55.0, 45.0, 160.0), (9.0, 8.0, 60.0)),
}


def write(path: Path, rows_per_kind: int, rng: random.Random) -> None:
    lines = ["length_mm,width_mm,mass_g,kind"]
    for i in range(rows_per_kind):
        for kind, (centre, spread) in KINDS.items():
            values = [rng.gauss(c, s) for c, s in zip(centre, spread)]
            lines.append(",".join(f"{v:.1f}" for v in values) + f",{kind}")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    data = Path(__file__).resolve().parent.parent / "data"
    rng = random.Random(18)
    write(data / "shapes-train.csv", 50, rng)
    write(data / "shapes-test.csv", 20, rng)


if __name__ == "__main__":
    main()
