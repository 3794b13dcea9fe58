"""Benchmark: `verdict eval` of a tabular model vs the fair Python way, on the same rows.

    .venv/bin/python bench/tabular/bench_tabular.py [--rows N] [--repeats R] [--threads T]
        [--verdict PATH] [--work DIR]

Trains the example tabular binary model (one epoch), exports it, writes N evaluation rows (the
example customers: numbers with missing values, two risk-table categoricals, ids, labels) as one
CSV and one Parquet file, then runs, R times each, wall clock of the whole job:
  - `verdict eval` on the CSV and on the Parquet file (predictions, metrics.json, plots, report);
  - the Python way on the same file: pandas read, the bundle's preprocessing (risk tables, missing
    values) vectorised in pandas, the bundle's TorchScript model on batches of 65,536 rows,
    softmax, scikit-learn metrics (ROC AUC, average precision, F1 at 0.3/0.5/0.7), a matplotlib
    ROC curve and to_csv/to_parquet of the predictions;
verdict with its default threads, Python with torch.set_num_threads(T) (default: the cores; run it
on a 2-core machine for the issue's goal). Prints rows/s of the best run of each and their
ratio, and the largest |difference| between the two sides' probabilities. --work keeps the bundle
and data (made once) in DIR. Figures of one session: docs/performance.md ("Tabular throughput").
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
sys.path.insert(0, str(ROOT / "python"))

BATCH_ROWS = 65536


def make_bundle(root: pathlib.Path, verdict: str) -> pathlib.Path:
    from verdict.examples.demo import export_trained
    from verdict.examples.tabular_data import make_customers
    from verdict.examples.train_tabular import train

    make_customers(2000, "binary", seed=1).to_csv(root / "train.csv", index=False)
    out = pathlib.Path(train(str(root / "train.csv"), str(root / "train_output"), "binary", epochs=1))
    make_customers(200, "binary", seed=2).to_csv(root / "sample.csv", index=False)
    return pathlib.Path(export_trained(out, root / "sample.csv", root / "bundle", verdict).bundle_dir)


def prepare(root: pathlib.Path, rows: int, verdict: str) -> tuple[pathlib.Path, dict[str, pathlib.Path]]:
    from verdict.examples.tabular_data import make_customers

    bundle = root / "bundle"
    if not (bundle / "verdict.json").exists():
        make_bundle(root, verdict)
    data = {"csv": root / f"eval_{rows}.csv", "parquet": root / f"eval_{rows}.parquet"}
    if not data["csv"].exists() or not data["parquet"].exists():
        frame = make_customers(rows, "binary", seed=3)
        frame.to_csv(data["csv"], index=False)
        frame.to_parquet(data["parquet"], index=False)
    return bundle, data


def python_way(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, threads: int):
    """The job in Python, vectorised throughout: what a careful hand-written script does."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import torch
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score, roc_curve

    torch.set_num_threads(threads)
    manifest = json.loads((bundle / "verdict.json").read_text())
    frame = pd.read_parquet(data) if data.suffix == ".parquet" else pd.read_csv(data)
    inputs = {}
    for field in manifest["tabular_fields"]:
        column = frame[field["name"]]
        if "risk_table" in field:
            table = field["risk_table"]
            keys = column.astype(object).where(column.notna(), "nan").astype(str)
            column = keys.map(table["bins"]).fillna(table["default_bin"])
        else:
            column = column.astype("float64").fillna(field["missing_value"])
        inputs[field["name"]] = torch.from_numpy(column.to_numpy(dtype=np.float32))
    model = torch.jit.load(str(bundle / manifest["model_file"]))
    model.eval()
    probabilities = []
    with torch.inference_mode():
        for start in range(0, len(frame), BATCH_ROWS):
            # The bundle's program takes the inputs positionally, in the manifest's order.
            batch = [inputs[spec["field"]][start:start + BATCH_ROWS] for spec in manifest["inputs"]]
            probabilities.append(torch.softmax(model(*batch), dim=1).numpy())
    probs = np.concatenate(probabilities)
    labels = frame[manifest["label_field"]].to_numpy()
    metrics = {"auc_roc": roc_auc_score(labels, probs[:, 1]),
               "average_precision": average_precision_score(labels, probs[:, 1])}
    for threshold in (0.3, 0.5, 0.7):
        metrics[f"f1_score_at_{threshold}"] = f1_score(labels, probs[:, 1] >= threshold)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics))
    fpr, tpr, _ = roc_curve(labels, probs[:, 1])
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.plot(fpr, tpr, label=f"AUC {metrics['auc_roc']:.4f}")
    axes.plot([0, 1], [0, 1], "--")
    axes.legend()
    figure.savefig(out / "roc_curve.jpg")
    plt.close(figure)
    predictions = pd.DataFrame({manifest["id_field"]: frame[manifest["id_field"]],
                                manifest["label_field"]: labels})
    for k in range(probs.shape[1]):
        predictions[f"prob_class_{k}"] = probs[:, k]
    if data.suffix == ".parquet":
        predictions.to_parquet(out / "eval_predictions.parquet", index=False)
    else:
        predictions.to_csv(out / "eval_predictions.csv", index=False)
    return probs


def run_verdict(verdict: str, bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path) -> float:
    command = [verdict, "eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
               str(out / "eval"), "--metrics-dir", str(out / "metrics")]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return wall


def verdict_probabilities(out: pathlib.Path, fmt: str):
    import pandas as pd

    path = out / "eval" / f"eval_predictions.{fmt}"
    frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    return frame[[c for c in frame.columns if c.startswith("prob_class_")]].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--verdict", default=str(ROOT / "build" / "verdict"))
    parser.add_argument("--work", help="keep the bundle and data here (made once)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(args.work or tmp)
        root.mkdir(parents=True, exist_ok=True)
        bundle, data = prepare(root, args.rows, args.verdict)
        print(f"{args.rows:,} rows; CSV {data['csv'].stat().st_size / 1e6:.1f} MB, Parquet "
              f"{data['parquet'].stat().st_size / 1e6:.1f} MB; {args.threads} threads, "
              f"{os.cpu_count()} cores")
        print("| input | verdict eval s | rows/s | Python way s | rows/s | ratio | max abs dp |")
        print("|---|---|---|---|---|---|---|")
        for fmt, path in data.items():
            out = pathlib.Path(tmp) / f"verdict_{fmt}"
            ours = min(run_verdict(args.verdict, bundle, path, out)
                       for _ in range(args.repeats))
            theirs = None
            for _ in range(args.repeats):
                start = time.perf_counter()
                probs = python_way(bundle, path, pathlib.Path(tmp) / f"python_{fmt}", args.threads)
                wall = time.perf_counter() - start
                theirs = wall if theirs is None else min(theirs, wall)
            diff = abs(verdict_probabilities(out, fmt) - probs).max()
            print(f"| {fmt} | {ours:.2f} | {args.rows / ours:,.0f} | {theirs:.2f} | "
                  f"{args.rows / theirs:,.0f} | {theirs / ours:.2f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
