"""The Python API (verdict.evaluate, metrics, Tokenizer, preprocess) against the command line on the
same inputs: the same keys and numbers, the same one-line errors. The engine module is the one of
the build under test ($VERDICT_BIN's folder, else build/)."""

from __future__ import annotations

import json
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import verdict
from verdict.export import export_bundle
from conftest import ENGINE
from tiny_models import Linear

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKENIZER = ROOT / "tests/golden/tokenizer/uncased/tokenizer.json"
TEXTS = ["Hello, World!", "Buyer: where is my order?\nSeller: shipped <b>today</b> 😀", "", "naïve café"]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENGINE), *args], capture_output=True, text=True, input=stdin)


def cli_metrics(tmp_path: pathlib.Path, frame: pd.DataFrame, *args: str) -> dict:
    frame.to_csv(tmp_path / "p.csv", index=False)
    done = cli("metrics", "--predictions", str(tmp_path / "p.csv"), "--label-col", "label",
               "--output-dir", str(tmp_path / "m"), "--no-plots", *args)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "m" / "metrics.json").read_text())


def binary_rows(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
    return y, p


# ---------------------------------------------------------------------------------------------
# verdict.metrics == verdict metrics


def test_binary_metrics_equal_the_cli(tmp_path):
    y, p = binary_rows()
    expected = cli_metrics(tmp_path, pd.DataFrame({"label": y, "score": p}), "--score-cols", "score")
    got = verdict.metrics(y, p)
    assert list(got) == list(expected)
    assert got == expected


def test_thresholds_and_class_labels_as_the_cli(tmp_path):
    y, p = binary_rows(500, seed=1)
    expected = cli_metrics(tmp_path, pd.DataFrame({"label": y, "score": p}),
                           "--score-cols", "score", "--thresholds", "0.25,0.6")
    assert verdict.metrics(y, p, thresholds=[0.25, 0.6]) == expected


def test_multiclass_metrics_equal_the_cli(tmp_path):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(900, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 4, 900)
    frame = pd.DataFrame({"label": y, **{f"prob_class_{c}": probs[:, c] for c in range(4)}})
    assert verdict.metrics(y, probs) == cli_metrics(tmp_path, frame)


def test_comparison_keys_equal_the_cli(tmp_path):
    y, p = binary_rows(800, seed=3)
    old = np.clip(p + np.random.default_rng(4).normal(0, 0.1, len(p)), 0, 1)
    expected = cli_metrics(tmp_path, pd.DataFrame({"label": y, "score": p, "old": old}),
                           "--score-cols", "score", "--previous-score-col", "old")
    got = verdict.metrics(y, p, previous=old)
    assert "comparison_decision" in got
    assert got == expected


def test_pandas_and_arrow_columns_give_the_numpy_result():
    y, p = binary_rows(300, seed=5)
    expected = verdict.metrics(y.astype(np.int32), p)
    assert verdict.metrics(pd.Series(y), pd.Series(p)) == expected
    assert verdict.metrics(pa.array(y), pa.chunked_array([pa.array(p[:100]), pa.array(p[100:])])) == expected
    assert verdict.metrics(y.astype(bool), np.stack([1 - p, p], axis=1)) == expected


def test_metrics_errors_are_the_cli_lines():
    y, p = binary_rows(10)
    with pytest.raises(verdict.Error, match=r"^--thresholds: threshold '2' is not a number in \[0, 1\]$"):
        verdict.metrics(y, p, thresholds=[2])
    with pytest.raises(verdict.Error, match=r"y_true row 3: label 7 is not a class index in \[0, 1\]"):
        verdict.metrics(np.where(np.arange(10) == 3, 7, y), p)
    with pytest.raises(verdict.Error, match=r"y_score row 4: the score is missing or not finite"):
        verdict.metrics(y, np.where(np.arange(10) == 4, np.nan, p))
    with pytest.raises(verdict.Error, match=r"unknown option 'batch_size' of verdict metrics"):
        verdict.metrics(y, p, batch_size=3)
    with pytest.raises(verdict.Error, match="y_true has 1 missing value"):
        verdict.metrics(pa.array([0, None, 1]), np.array([0.1, 0.2, 0.3]))


# ---------------------------------------------------------------------------------------------
# Text


def test_tokenizer_equals_verdict_tokenize():
    tokenizer = verdict.Tokenizer(TOKENIZER)
    done = cli("tokenize", "--tokenizer", str(TOKENIZER), stdin="".join(json.dumps(t) + "\n" for t in TEXTS))
    assert done.returncode == 0, done.stderr
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    assert [tokenizer.encode(t) for t in TEXTS] == expected
    assert tokenizer.encode_batch(TEXTS) == expected
    assert tokenizer.encode(TEXTS[1], max_length=5) == expected[1][:4] + [expected[1][-1]]


def test_tokenizer_error():
    with pytest.raises(verdict.Error, match="no-such-tokenizer"):
        verdict.Tokenizer("no-such-tokenizer.json")


def test_preprocess_equals_verdict_preprocess():
    steps = ["dialogue_splitter", "html_normalizer", "emoji_remover", "text_normalizer", "dialogue_chunker",
             "tokenizer"]
    done = cli("preprocess", "--steps", ",".join(steps), "--tokenizer", str(TOKENIZER), "--max-sen-len", "16",
               stdin="".join(json.dumps(t) + "\n" for t in TEXTS))
    assert done.returncode == 0, done.stderr
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    assert verdict.preprocess(TEXTS, steps=steps, tokenizer=TOKENIZER, max_sen_len=16) == expected
    assert verdict.preprocess(TEXTS[1], steps=steps, tokenizer=TOKENIZER, max_sen_len=16) == expected[1]


# ---------------------------------------------------------------------------------------------
# verdict.evaluate == verdict eval

HP = {"label_name": "y", "id_name": "id", "tab_field_list": ["a", "b"], "is_binary": True, "num_classes": 2}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    root = tmp_path_factory.mktemp("api")
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(300)], "a": rng.normal(size=300),
                          "b": rng.normal(size=300), "y": rng.integers(0, 2, 300),
                          "old": rng.random(300)})
    frame.to_csv(root / "eval.csv", index=False)
    export_bundle(Linear(), HP, str(root / "eval.csv"), str(root / "bundle"), engine=str(ENGINE))
    return root / "bundle", root / "eval.csv"


def test_evaluate_equals_verdict_eval(bundle, tmp_path):
    model_dir, data = bundle
    done = cli("eval", "--model-dir", str(model_dir), "--data", str(data), "--output-dir", str(tmp_path / "out"),
               "--metrics-dir", str(tmp_path / "met"), "--batch-size", "7", "--no-plots")
    assert done.returncode == 0, done.stderr
    result = verdict.evaluate(model_dir, data, batch_size=7, no_plots=True)
    assert result.metrics == json.loads((tmp_path / "met" / "metrics.json").read_text())
    expected = pd.read_csv(tmp_path / "out" / "eval_predictions.csv")
    pd.testing.assert_frame_equal(result.predictions.to_pandas(), expected)
    assert result.comparison is None and result.output_dir is None
    assert "PYTORCH MODEL EVALUATION METRICS" in result.summary


def test_evaluate_keeps_the_named_folders_and_compares(bundle, tmp_path):
    model_dir, data = bundle
    result = verdict.evaluate(model_dir, data, tmp_path / "out", tmp_path / "met", comparison_mode=True,
                              previous_score_field="old", no_plots=True)
    assert (tmp_path / "met" / "_SUCCESS").exists()
    assert (tmp_path / "out" / "eval_predictions_with_comparison.csv").exists()
    assert result.comparison is not None
    assert result.comparison.decision == result.metrics["comparison_decision"]
    assert "comparison" in result.comparison.report.lower()


def test_evaluate_errors_and_environment(bundle, tmp_path, monkeypatch):
    model_dir, data = bundle
    with pytest.raises(verdict.Error, match=r"^--batch-size: '-1' is not an integer"):
        verdict.evaluate(model_dir, data, tmp_path / "out", tmp_path / "met", batch_size=-1)
    assert (tmp_path / "met" / "_FAILURE").exists()
    with pytest.raises(verdict.Error, match="unknown option 'batchsize' of verdict eval"):
        verdict.evaluate(model_dir, data, batchsize=3)
    with pytest.raises(verdict.Error, match="no-such.csv"):
        verdict.evaluate(model_dir, tmp_path / "no-such.csv")
    monkeypatch.setenv("BATCH_SIZE", "many")
    assert verdict.evaluate(model_dir, data, no_plots=True).metrics  # not read unless asked
    with pytest.raises(verdict.Error, match="^BATCH_SIZE: 'many' is not an integer"):
        verdict.evaluate(model_dir, data, use_env=True)
