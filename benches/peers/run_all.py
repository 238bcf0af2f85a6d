"""Run every peer benchmark, print one Markdown table, write benches/peers/results.json.

    python3 benches/peers/run_all.py [--quick] [--only SUBSTR] [--skip PEER ...] [--no-baldwin]

Each peer script runs as its own subprocess with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
removed from the environment (this machine's environment may set them for old OpenBLAS
builds; they slow current numpy/scipy-openblas), i.e. like
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 numpy_bench.py`. Nothing else is set:
thread counts are each library's defaults, and are recorded in results.json.

A peer whose package is missing is reported as skipped. When baldwin's own criterion
results exist (target/criterion/<id>/new/estimates.json from `cargo bench`), their medians
are added as the "baldwin" rows; this script never runs cargo.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, fmt_rate, fmt_seconds, items_per_call, UNITS

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "numpy": "numpy_bench.py",
    "jax": "jax_bench.py",
    "torch": "torch_bench.py",
    "evosax": "evosax_bench.py",
}
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Table order: baldwin's criterion IDs.
IDS = [
    "adam_step/64-64-10/b32",
    "adam_step/64-64-10/b256",
    "adam_step/2-16-1/b4",
    "population_forward/64-64-10/p256_b256",
    "population_forward/2-16-1/p1024_b4",
    "es_generation/openai_es/d4810_p256",
    "es_generation/snes/d4810_p256",
    "es_generation/sep_cma_es/d4810_p256",
    "es_generation/ga/d4810_p256",
    "es_generation/cma_es/d100_p256",
    "es_generation_fitness/openai_es/digits_p256_b256",
]
PEER_ORDER = ["baldwin", "numpy", "jax (jit)", "jax (scan)", "torch", "evosax (jit)", "evosax (scan)"]


def peer_env():
    env = dict(os.environ)
    for k in UNSET:
        env.pop(k, None)
    return env


def run_peer(name, script, args):
    """Run one peer script; return its JSON (or a 'skipped'/'failed' record)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(HERE / script), "--json", str(out)]
        if args.quick:
            cmd.append("--quick")
        if args.only:
            cmd += ["--only", args.only]
        print(f"\n## {name}: {' '.join(cmd[1:])}", flush=True)
        proc = subprocess.run(cmd, cwd=HERE, env=peer_env())
        if proc.returncode != 0 or not out.exists():
            return {"peer_info": {"peer": name}, "results": [],
                    "failed": f"exit code {proc.returncode}"}
        return json.loads(out.read_text())


def baldwin_rows(only):
    """Medians of baldwin's existing criterion results (never runs cargo)."""
    rows = []
    for bench_id in IDS:
        if only and only not in bench_id:
            continue
        f = REPO / "target" / "criterion" / bench_id / "new" / "estimates.json"
        if not f.exists():
            continue
        median = json.loads(f.read_text())["median"]["point_estimate"] * 1e-9
        rows.append({
            "id": bench_id,
            "peer": "baldwin",
            "median_s": median,
            "throughput": items_per_call(bench_id) / median,
            "unit": UNITS[bench_id.split("/")[0]],
            "source": str(f.relative_to(REPO)),
            "measured_at": datetime.datetime.fromtimestamp(f.stat().st_mtime).isoformat(timespec="seconds"),
        })
    return rows


def machine_info():
    info = {"platform": platform.platform(), "python": sys.version.split()[0], "cpu_count": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["loadavg_at_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def markdown_table(rows):
    def key(r):
        id_rank = IDS.index(r["id"]) if r["id"] in IDS else len(IDS)
        peer_rank = PEER_ORDER.index(r["peer"]) if r["peer"] in PEER_ORDER else len(PEER_ORDER)
        return id_rank, peer_rank

    lines = ["| benchmark | peer | median | throughput |", "| --- | --- | ---: | ---: |"]
    for r in sorted(rows, key=key):
        lines.append(f"| `{r['id']}` | {r['peer']} | {fmt_seconds(r['median_s'])} | "
                     f"{fmt_rate(r['throughput'])} {r['unit']} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="few short samples (smoke test)")
    p.add_argument("--only", metavar="SUBSTR", help="run only benchmark IDs containing SUBSTR")
    p.add_argument("--skip", nargs="*", default=[], choices=list(SCRIPTS), help="peers not to run")
    p.add_argument("--no-baldwin", action="store_true", help="leave out target/criterion results")
    p.add_argument("--out", default=str(HERE / "results.json"), help="where to write the JSON")
    args = p.parse_args()

    started = datetime.datetime.now().isoformat(timespec="seconds")
    machine = machine_info()
    peers, rows = {}, []
    for name, script in SCRIPTS.items():
        if name in args.skip:
            continue
        res = run_peer(name, script, args)
        peers[name] = {k: v for k, v in res.items() if k != "results"}
        rows += res["results"]
    if not args.no_baldwin:
        baldwin = baldwin_rows(args.only)
        if baldwin:
            peers["baldwin"] = {"source": "target/criterion/*/new/estimates.json (median)"}
            rows += baldwin

    table = markdown_table(rows)
    print("\n" + table)
    for name, info in peers.items():
        if "skipped" in info or "failed" in info:
            print(f"\n{name}: {info.get('skipped') or info.get('failed')}")

    Path(args.out).write_text(json.dumps({
        "started": started,
        "finished": datetime.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "environment_unset": list(UNSET),
        "machine": machine,
        "peers": peers,
        "results": rows,
        "table_markdown": table,
    }, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
