"""Benchmark: `verdict eval` on 1 rank and on 2 ranks (torchrun) on this machine.

    .venv/bin/python bench/scale/bench_scale.py [--rows N] [--repeats R] [--verdict PATH]

Trains the example tabular multiclass model (one epoch), exports it, writes N evaluation rows as
one CSV file, then runs, R times each, as separate processes:
  - 1 rank:  `verdict eval ...`
  - 2 ranks: `torchrun --no-python --standalone --nproc-per-node 2 verdict eval ...`
  - 2 ranks started by hand (RANK, WORLD_SIZE, ... set; no launcher process)
and prints, for the best run of each, the wall time of the whole job, the rows each rank
predicted (from its log) and rows per second per rank and in all; then checks that the two runs'
predictions and metrics.json are byte-identical. Thread counts are verdict's defaults (the CPU
cores split between the local ranks). Results of one session: docs/scaling.md.
"""

import argparse
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from verdict.examples.tabular_data import make_customers  # noqa: E402
from verdict.examples.train_tabular import train  # noqa: E402
from verdict.examples.demo import export_trained  # noqa: E402

TORCHRUN = pathlib.Path(sys.executable).parent / "torchrun"
RANK_ROWS = re.compile(r"rank (\d+) of (\d+): (\d+) rows predicted")


def make_bundle(root: pathlib.Path, verdict: str) -> pathlib.Path:
    make_customers(2000, "multiclass", seed=1).to_csv(root / "train.csv", index=False)
    out = pathlib.Path(train(str(root / "train.csv"), str(root / "train_output"), "multiclass", epochs=1))
    make_customers(200, "multiclass", seed=2).to_csv(root / "sample.csv", index=False)
    return pathlib.Path(export_trained(out, root / "sample.csv", root / "bundle", verdict).bundle_dir)


def run(command: list[str], rows: int) -> tuple[float, dict[int, int]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    per_rank = {int(m[0]): int(m[2]) for m in RANK_ROWS.findall(done.stderr)} or {0: rows}
    return wall, per_rank


def run_by_hand(world: int, command: list[str], rows: int) -> tuple[float, dict[int, int]]:
    """The ranks started with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT alone."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    start = time.perf_counter()
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "RANK": str(r), "WORLD_SIZE": str(world),
                                   "LOCAL_RANK": str(r), "LOCAL_WORLD_SIZE": str(world),
                                   "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port})
             for r in range(world)]
    errors = [p.communicate()[1] for p in procs]
    wall = time.perf_counter() - start
    if any(p.returncode for p in procs):
        sys.exit("failed: " + errors[0][-3000:])
    return wall, {int(m[0]): int(m[2]) for e in errors for m in RANK_ROWS.findall(e)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--verdict", default=str(ROOT / "build" / "verdict"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        bundle = make_bundle(root, args.verdict)
        data = root / "eval.csv"
        make_customers(args.rows, "multiclass", seed=3).to_csv(data, index=False)
        print(f"{args.rows} rows, {data.stat().st_size / 1e6:.1f} MB CSV, {os.cpu_count()} cores")
        results = {}
        for launch in ("1 process", "2 ranks, torchrun", "2 ranks, by hand"):
            out = root / launch.replace(" ", "_").replace(",", "")
            eval_args = ["eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                         str(out / "eval"), "--metrics-dir", str(out / "metrics"), "--no-plots"]
            if launch.endswith("torchrun"):
                best = min((run([str(TORCHRUN), "--no-python", "--standalone", "--nproc-per-node=2",
                                 args.verdict, *eval_args], args.rows) for _ in range(args.repeats)),
                           key=lambda r: r[0])
            elif launch.endswith("by hand"):
                best = min((run_by_hand(2, [args.verdict, *eval_args], args.rows)
                            for _ in range(args.repeats)), key=lambda r: r[0])
            else:
                best = min((run([args.verdict, *eval_args], args.rows) for _ in range(args.repeats)),
                           key=lambda r: r[0])
            results[launch] = (best, out)
        print("| launch | wall s | rows per rank | rows/s per rank | rows/s in all |")
        print("|---|---|---|---|---|")
        for launch, ((wall, per_rank), _) in results.items():
            shares = ", ".join(str(per_rank[r]) for r in sorted(per_rank))
            per_rank_rate = ", ".join(f"{per_rank[r] / wall:,.0f}" for r in sorted(per_rank))
            print(f"| {launch} | {wall:.2f} | {shares} | {per_rank_rate} | {args.rows / wall:,.0f} |")
        one = results["1 process"][1]
        for launch in list(results)[1:]:
            for name in ("eval/eval_predictions.csv", "metrics/metrics.json"):
                same = (one / name).read_bytes() == (results[launch][1] / name).read_bytes()
                print(f"{name}: {'identical' if same else 'DIFFERENT'} for 1 process and {launch}")


if __name__ == "__main__":
    main()
