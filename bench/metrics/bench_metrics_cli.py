"""Benchmark: the whole `verdict metrics` process against the Python way, on 10^7 binary rows.

    .venv/bin/python bench/metrics/bench_metrics_cli.py [--rows N] [--repeats R] [--verdict PATH]

Writes a predictions Parquet file like `verdict eval` writes one (id int64, label int64,
prob_class_0 and prob_class_1 float64 holding float32 values; 30% positives), then runs, R times
each, as separate processes:
  - verdict: `verdict metrics --predictions F --label-col label --output-dir D` (metrics.json,
    metrics_summary.txt, plots, report.html);
  - python: pandas.read_parquet of the label and P(class 1) columns, then scikit-learn's
    roc_auc_score, average_precision_score, f1_score at 0.3/0.5/0.7 (p >= T), log_loss and
    brier_score_loss, written as JSON (no plots: the Python side does less work).
For each it prints the best wall time, its CPU time and the peak RSS of the child process
(os.wait4), then the ratio, and checks that both agree on AUC, AP and F1 to 1e-9.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time


ROOT = pathlib.Path(__file__).resolve().parents[2]
THRESHOLDS = (0.3, 0.5, 0.7)

PYTHON_WAY = """
import json, sys
import numpy as np, pandas as pd
from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score, log_loss,
                             roc_auc_score)
frame = pd.read_parquet(sys.argv[1], columns=["label", "prob_class_1"])
y, p = frame["label"].to_numpy(), frame["prob_class_1"].to_numpy()
out = {"auc_roc": roc_auc_score(y, p), "average_precision": average_precision_score(y, p),
       "log_loss": log_loss(y, p), "brier_score": brier_score_loss(y, p)}
for t in (0.3, 0.5, 0.7):
    out[f"f1_score_at_{t}"] = f1_score(y, (p >= t).astype(np.int64))
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
"""


def write_predictions(path, rows, seed=20261129):
    import numpy as np  # imported here: the measuring process stays small (see run_child)
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.3).astype(np.int64)
    logits = rng.normal(1.2 * labels - 0.8, 1.0)
    p1 = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32).astype(np.float64)
    table = pa.table({"id": np.arange(rows, dtype=np.int64), "label": labels,
                      "prob_class_0": 1.0 - p1, "prob_class_1": p1})
    pq.write_table(table, path)


def run_child(command):
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process (its own rusage).

    Linux keeps a child's pre-exec peak in ru_maxrss: a child forked from a large process reports
    at least that process's size. So this process never holds the data (it is written by a
    separate process, `--write`) nor imports NumPy or Arrow."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed with status {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_of(command, repeats):
    runs = [run_child(command) for _ in range(repeats)]
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--verdict", type=pathlib.Path, default=ROOT / "build" / "verdict")
    parser.add_argument("--write", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_predictions(args.write, args.rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        data = tmp / "eval_predictions.parquet"
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write", str(data)],
                       check=True)
        ours = best_of([str(args.verdict), "metrics", "--predictions", str(data), "--label-col",
                        "label", "--output-dir", str(tmp / "verdict")], args.repeats)
        theirs = best_of([sys.executable, "-c", PYTHON_WAY, str(data), str(tmp / "python.json")],
                         args.repeats)
        verdict_metrics = json.loads((tmp / "verdict" / "metrics.json").read_text())
        python_metrics = json.loads((tmp / "python.json").read_text())
    for key in ("auc_roc", "average_precision", *(f"f1_score_at_{t}" for t in THRESHOLDS)):
        if abs(verdict_metrics[key] - python_metrics[key]) > 1e-9:
            sys.exit(f"{key}: verdict {verdict_metrics[key]} vs scikit-learn {python_metrics[key]}")
    print(f"{args.rows} binary rows from Parquet, {os.cpu_count()} cores, best of {args.repeats}")
    print(f"{'':28}{'wall s':>8}{'cpu s':>8}{'peak RSS MB':>13}")
    print(f"{'verdict metrics (process)':28}{ours[0]:8.2f}{ours[1]:8.2f}{ours[2]:13.0f}")
    print(f"{'pandas + scikit-learn':28}{theirs[0]:8.2f}{theirs[1]:8.2f}{theirs[2]:13.0f}")
    print(f"python / verdict wall time: {theirs[0] / ours[0]:.2f}x")


if __name__ == "__main__":
    main()
