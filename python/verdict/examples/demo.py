"""`make demo`: train example models, export them into bundles and evaluate them with the engine.

For each task (a binary and a three-class tabular classifier, and a bimodal model: a small BERT
over buyer-seller dialogues plus tabular fields) it writes, under --out:
    data/                 generated training and evaluation data
    <task>/train_output/  what the seed's training step leaves (model.pth, hyperparameters.json, ...)
    <task>/bundle/        the verdict bundle (verdict-export)
    <task>/eval/          eval_predictions.<ext> (build/verdict eval)
    <task>/metrics/       metrics.json, metrics_summary.txt, _SUCCESS, _HEALTH
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

from ..cli import executable
from ..export import build_model, export_bundle, _read_json_beside
from .dialogue_data import make_orders
from .tabular_data import make_customers
from .train_tabular import train
from .train_text import train as train_text

TASKS = {
    # task: (training rows, evaluation rows, evaluation file name: the format is preserved)
    "binary": (3000, 2000, "eval.csv"),
    "multiclass": (3000, 2000, "eval.parquet"),
    "bimodal": (600, 500, "eval.parquet"),
}


def _write(df, path: pathlib.Path) -> None:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False, sep="\t" if path.suffix == ".tsv" else ",")


def export_trained(train_output: pathlib.Path, sample: pathlib.Path, bundle_dir: pathlib.Path, engine: str,
                   text: bool = False):
    """Exports a model the example trainers wrote to `train_output` (model.pth and the seed's
    artifacts beside it) into a bundle checked on `sample`; returns the exporter's report."""
    hp_path = train_output / "hyperparameters.json"
    hp = json.loads(hp_path.read_text())
    factory = "verdict.examples.text_model:build_model" if text else "verdict.examples.tabular_model:build_model"
    model = build_model(factory, hp, str(train_output / "model.pth"))
    return export_bundle(model, hp, str(sample), str(bundle_dir),
                         impute_dict=_read_json_beside(str(hp_path), "impute_dict.json"),
                         risk_table_map=_read_json_beside(str(hp_path), "risk_table_map.json"),
                         engine=engine, tokenizer=train_output / "tokenizer")


def run_task(task: str, out: pathlib.Path, engine: str) -> dict:
    train_rows, eval_rows, eval_name = TASKS[task]
    text = task == "bimodal"
    data = out / "data" / task
    data.mkdir(parents=True, exist_ok=True)
    make = make_orders if text else (lambda rows, seed: make_customers(rows, task, seed=seed))
    _write(make(train_rows, seed=1), data / "train.csv")
    eval_path = data / eval_name
    _write(make(eval_rows, seed=2), eval_path)

    started = time.time()
    if text:
        train_output = pathlib.Path(train_text(str(data / "train.csv"), str(out / task / "train_output"), task,
                                               engine=engine))
    else:
        train_output = pathlib.Path(train(str(data / "train.csv"), str(out / task / "train_output"), task))
    report = export_trained(train_output, eval_path, out / task / "bundle", engine, text=text)
    print(f"[demo] {task}: trained and exported in {time.time() - started:.1f} s "
          f"({report.method}, max |eager - exported| = {report.max_abs_difference:.2g})")

    metrics_dir = out / task / "metrics"
    command = [engine, "eval", "--model-dir", report.bundle_dir, "--data", str(eval_path),
               "--output-dir", str(out / task / "eval"), "--metrics-dir", str(metrics_dir),
               "--job_type", "evaluation"]
    subprocess.run(command, check=True)
    return json.loads((metrics_dir / "metrics.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="demo-out", help="output folder")
    args = parser.parse_args()
    out = pathlib.Path(args.out).resolve()
    engine = str(executable())  # the verdict binary; its build's engine module exports
    summaries = []
    for task in TASKS:
        metrics = run_task(task, out, engine)
        summaries.append((task, metrics))
    print("\n=== verdict demo ===")
    for task, m in summaries:
        print(f"{task:>10}: auc_roc={m['auc_roc']:.4f}  average_precision={m['average_precision']:.4f}  "
              f"f1_score={m['f1_score']:.4f}")
        print(f"{'':>10}  metrics: {out / task / 'metrics'}   predictions: {out / task / 'eval'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
