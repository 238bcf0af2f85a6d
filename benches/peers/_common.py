"""Shared pieces of the peer benchmarks: timing, data, command line and output.

Every peer script times its benchmarks the same way (see `measure`), loads the same
batches as baldwin's criterion benches (`digits_batch`, `xor_batch`) and writes the
same JSON shape, so run_all.py can put them into one table.
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# Sizes shared by the benchmarks (baldwin's benches/kernels.rs and benches/strategies.rs).
DIGITS_SIZES = (64, 64, 10)
XOR_SIZES = (2, 16, 1)
POPULATION = 256
DIGITS_DIM = 64 * 64 + 64 + 64 * 10 + 10  # 4,810 genes of a 64-64-10 MLP
ADAM_LR = 1e-4  # baldwin's adam_step bench uses Adam::new(1e-4)

# Throughput units by benchmark group.
UNITS = {
    "adam_step": "examples/s",
    "population_forward": "individual·examples/s",
    "es_generation": "individuals/s",
    "es_generation_fitness": "individual·examples/s",
}


# ----------------------------------------------------------------------------- data


def digits_train():
    """(inputs [n, 64] float32 in [0, 1], labels [n] int32) of baldwin's digits train split.

    baldwin embeds data/digits.csv (scikit-learn's load_digits, 1,797 images, pixels 0..16
    divided by 16) and puts every fourth row (i % 4 == 3) into the test split. This reads
    the same file; without it, scikit-learn's load_digits with the same split; without
    scikit-learn, random data of the same shape.
    """
    csv = REPO / "data" / "digits.csv"
    if csv.exists():
        raw = np.loadtxt(csv, delimiter=",", dtype=np.int64)
        pixels, labels = raw[:, :64], raw[:, 64]
    else:
        try:
            from sklearn.datasets import load_digits

            d = load_digits()
            pixels, labels = d.data, d.target
        except ImportError:
            rng = np.random.default_rng(0)
            pixels = rng.integers(0, 17, size=(1797, 64))
            labels = rng.integers(0, 10, size=1797)
    train = np.arange(len(labels)) % 4 != 3
    return (pixels[train] / 16.0).astype(np.float32), labels[train].astype(np.int32)


def digits_batch(batch):
    """The first `batch` training images and labels, as baldwin's benches gather them."""
    x, y = digits_train()
    idx = np.arange(batch) % len(y)
    return np.ascontiguousarray(x[idx]), np.ascontiguousarray(y[idx])


def xor_batch():
    """The four XOR rows: inputs [4, 2], targets [4, 1]."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return x, y


def init_mlp(sizes, rng):
    """Glorot-uniform weights [in, out] and zero biases, float32, as a list of (W, b)."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)
        layers.append((w, np.zeros(fan_out, dtype=np.float32)))
    return layers


def init_population(sizes, population, rng):
    """A stack of `population` MLPs: list of (W [P, in, out], b [P, out]), float32."""
    nets = [init_mlp(sizes, rng) for _ in range(population)]
    return [
        (np.stack([n[i][0] for n in nets]), np.stack([n[i][1] for n in nets]))
        for i in range(len(sizes) - 1)
    ]


def fixed_fitness():
    """The fixed fitness vector of baldwin's es_generation bench: (i * 7919) % 256."""
    return ((np.arange(POPULATION) * 7919) % 256).astype(np.float32)


# ----------------------------------------------------------------------------- timing


class Timing:
    """How long to warm up and how many samples to take (see `measure`)."""

    def __init__(self, quick):
        self.quick = quick
        self.samples = 10 if quick else 30
        self.sample_seconds = 0.005 if quick else 0.05
        self.warmup_seconds = 0.05 if quick else 0.5


def measure(fn, timing, sync=None, steps_per_call=1):
    """Median seconds per step of `fn`, after warm-up.

    `fn()` runs one call (for scan-style benchmarks, `steps_per_call` steps). Each sample
    runs `fn` k times back to back, k chosen so that a sample lasts about
    `timing.sample_seconds` (at least one call), and then `sync(last_result)` (JAX:
    block_until_ready) before the clock stops. The result is the median over
    `timing.samples` samples of sample time / (k * steps_per_call).
    """
    sync = sync or (lambda r: r)

    # Warm-up: at least 3 calls and `warmup_seconds` (JIT compilation happens in the first).
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < timing.warmup_seconds:
        sync(fn())
        calls += 1

    # Calibrate calls per sample from the warm-up's last few calls.
    t0 = time.perf_counter()
    for _ in range(3):
        r = fn()
    sync(r)
    per_call = (time.perf_counter() - t0) / 3
    k = max(1, math.ceil(timing.sample_seconds / max(per_call, 1e-9)))

    samples = []
    for _ in range(timing.samples):
        t0 = time.perf_counter()
        for _ in range(k):
            r = fn()
        sync(r)
        samples.append((time.perf_counter() - t0) / (k * steps_per_call))
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "samples": len(samples),
        "calls_per_sample": k,
        "steps_per_call": steps_per_call,
    }


def items_per_call(bench_id):
    """Elements per call, as baldwin's criterion Throughput::Elements for the same ID."""
    table = {
        "adam_step/64-64-10/b32": 32,
        "adam_step/64-64-10/b256": 256,
        "adam_step/2-16-1/b4": 4,
        "population_forward/64-64-10/p256_b256": 256 * 256,
        "population_forward/2-16-1/p1024_b4": 1024 * 4,
        "es_generation_fitness/openai_es/digits_p256_b256": 256 * 256,
    }
    if bench_id.startswith("es_generation/"):
        return POPULATION
    return table[bench_id]


# ----------------------------------------------------------------------------- running


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="few short samples (smoke test)")
    p.add_argument("--json", metavar="PATH", help="write results as JSON to PATH")
    p.add_argument("--only", metavar="SUBSTR", help="run only benchmark IDs containing SUBSTR")
    return p.parse_args()


class Runner:
    """Runs a peer's benchmarks, prints one line each and collects the results."""

    def __init__(self, peer_info, args):
        self.args = args
        self.timing = Timing(args.quick)
        self.info = dict(peer_info)
        self.info.update(
            python=sys.version.split()[0],
            platform=platform.platform(),
            cpu_count=os.cpu_count(),
            quick=args.quick,
            openblas_env={k: os.environ[k] for k in os.environ if k.startswith("OPENBLAS")},
            thread_env={
                k: os.environ[k]
                for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
                if k in os.environ
            },
        )
        self.results = []

    def wanted(self, bench_id):
        return not self.args.only or self.args.only in bench_id

    def run(self, bench_id, peer, fn, sync=None, steps_per_call=1, note=None):
        """Time `fn` and record it as `peer` on `bench_id`."""
        if not self.wanted(bench_id):
            return
        m = measure(fn, self.timing, sync=sync, steps_per_call=steps_per_call)
        items = items_per_call(bench_id)
        m.update(
            id=bench_id,
            peer=peer,
            throughput=items / m["median_s"],
            unit=UNITS[bench_id.split("/")[0]],
        )
        if note:
            m["note"] = note
        self.results.append(m)
        print(
            f"{bench_id:52s} {peer:18s} {fmt_seconds(m['median_s']):>10s}  "
            f"{fmt_rate(m['throughput'])} {m['unit']}",
            flush=True,
        )

    def finish(self, skipped=None):
        out = {"peer_info": self.info, "results": self.results}
        if skipped:
            out["skipped"] = skipped
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(out, indent=2))


def skip(args, peer, reason):
    """Record that a peer could not run (missing package) and exit successfully."""
    print(f"SKIP {peer}: {reason}", flush=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"peer_info": {"peer": peer}, "results": [], "skipped": reason}, indent=2)
        )
    sys.exit(0)


def fmt_seconds(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_rate(r):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if r >= scale:
            return f"{r / scale:.3g} {unit}"
    return f"{r:.3g}"


def blas_info():
    """numpy's BLAS and its thread count (threadpoolctl when installed, else show_config)."""
    info = {}
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("user_api", "internal_api", "version", "num_threads",
                                   "threading_layer", "architecture", "filepath")}
            for p in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        info["numpy_blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception as e:  # older numpy: show_config has no mode
        info["numpy_blas"] = f"unavailable ({e})"
    return info
