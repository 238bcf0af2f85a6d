#!/usr/bin/env bash
# The cluster checks (issue 14): built with `--features mpi`, every experiment kind run
# under mpirun with 2, 3 and 5 ranks writes the runs.csv of the single-process run,
# wall-time columns aside; 5 ranks exceed the runs of the small fixtures, so there
# populations are shared by groups of ranks. Then a rank is killed mid-run: the job
# must end, not hang, and `--resume` must complete the folder to the same runs.csv.
# Installs OpenMPI where mpirun is missing. A few minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mpirun >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq openmpi-bin libopenmpi-dev libclang-dev
fi
cargo build --release --features mpi --quiet
cargo clippy --all-targets --features mpi --quiet -- -D warnings

baldwin="$PWD/target/release/baldwin"
mpirun=(mpirun --allow-run-as-root --oversubscribe)
# Results of one rank per run and of all ranks on one run must not depend on threads.
export RAYON_NUM_THREADS=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

same() { python3 scripts/same-runs.py "$1/runs.csv" "$2/runs.csv"; }

for file in experiments/xor.toml tests/fixtures/mpi-compare.toml \
  tests/fixtures/mpi-few-shot.toml tests/fixtures/mpi-black-box.toml \
  experiments/black-box-sphere.toml; do
  name="$(basename "$file" .toml)"
  echo "== $name"
  "$baldwin" run "$file" --out "$work/$name-1" --quiet
  for ranks in 2 3 5; do
    "${mpirun[@]}" -np "$ranks" "$baldwin" run "$file" --out "$work/$name-$ranks" --quiet
    echo -n "$ranks ranks: "
    same "$work/$name-1" "$work/$name-$ranks"
  done
done

echo "== a rank killed mid-run, then --resume"
killed="$work/killed"
"${mpirun[@]}" -np 3 "$baldwin" run experiments/xor.toml --seeds 40 --out "$killed" --quiet \
  >"$work/killed.log" 2>&1 &
job=$!
# Wait for some finished runs, then kill -9 a rank that is not rank 0.
for _ in $(seq 600); do
  [ "$(ls "$killed/runs" 2>/dev/null | wc -l)" -ge 6 ] && break
  sleep 0.1
done
victim="$(pgrep -P "$job" -f "baldwin run" | sed -n 2p)"
[ -n "$victim" ] || { echo "no rank to kill: the job ended too soon"; exit 1; }
kill -9 "$victim"
status=0
timeout 60 tail --pid="$job" -f /dev/null || { echo "mpirun still runs 60 s after a rank died"; exit 1; }
wait "$job" || status=$?
[ "$status" -ne 0 ] || { echo "mpirun exited 0 though a rank was killed"; exit 1; }
kept="$(ls "$killed/runs" | wc -l)"
echo "mpirun ended with status $status; $kept of 200 runs were kept"
"${mpirun[@]}" -np 2 "$baldwin" run experiments/xor.toml --seeds 40 --out "$killed" --resume --quiet
"$baldwin" run experiments/xor.toml --seeds 40 --out "$work/xor-40" --quiet
echo -n "resumed: "
same "$work/xor-40" "$killed"
echo "mpi-check: ok"
