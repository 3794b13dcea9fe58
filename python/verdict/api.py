"""The Python API: the engine in process (docs/python-api.md).

Each function is the command of the same name without its files: options are named as in the
command's option table (docs/configuration.md; `--batch-size` is `batch_size=`), values are checked
by the engine as the command checks them, environment variables are read only with
`use_env=True`, and errors raise verdict.Error with the command's one-line message. The engine
releases the GIL while it works.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ._native import engine_module
from .errors import Error

PathLike = str | os.PathLike


def _option_text(value: Any) -> str:
    """An option value as the command line spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_option_text(v) for v in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def _options(options: dict[str, Any]) -> dict[str, str]:
    return {name: _option_text(value) for name, value in options.items() if value is not None}


# ---------------------------------------------------------------------------------------------
# verdict.evaluate


@dataclass
class Comparison:
    """Comparison mode's results: the decision, comparison_report.txt and comparison_flips.csv."""
    decision: str | None
    metrics: dict[str, Any]
    report: str
    flips: Any  # pyarrow.Table


@dataclass
class EvalResult:
    """What `verdict eval` wrote, read back: metrics.json as a dict (empty when the data has no
    labels), the predictions file as a pyarrow Table (`.to_pandas()`), the comparison (None in
    standard mode) and metrics_summary.txt. `output_dir`/`metrics_dir` are None when the files
    went to a temporary folder that is gone."""
    metrics: dict[str, Any]
    predictions: Any  # pyarrow.Table
    comparison: Comparison | None
    summary: str
    output_dir: str | None = None
    metrics_dir: str | None = None
    warnings: list[str] = field(default_factory=list)


def _read_table(path: pathlib.Path) -> Any:
    import pyarrow.csv
    import pyarrow.parquet

    if path.suffix == ".parquet":
        return pyarrow.parquet.read_table(path)
    delimiter = "\t" if path.suffix == ".tsv" else ","
    return pyarrow.csv.read_csv(path, parse_options=pyarrow.csv.ParseOptions(delimiter=delimiter,
                                                                               newlines_in_values=True))


def _predictions_file(output_dir: pathlib.Path) -> pathlib.Path:
    for stem in ("eval_predictions_with_comparison", "eval_predictions"):
        for suffix in (".csv", ".tsv", ".parquet"):
            if (output_dir / (stem + suffix)).is_file():
                return output_dir / (stem + suffix)
    raise Error(f"no predictions file in '{output_dir}'")


def _comparison(metrics_dir: pathlib.Path, metrics: dict[str, Any]) -> Comparison | None:
    report = metrics_dir / "comparison_report.txt"
    if not report.is_file():
        return None
    flips = metrics_dir / "comparison_flips.csv"
    return Comparison(
        decision=metrics.get("comparison_decision"),
        metrics={k: v for k, v in metrics.items() if k.startswith("comparison_")
                 or k.startswith("previous_") or k.startswith("delta_")},
        report=report.read_text(),
        flips=_read_table(flips) if flips.is_file() else None)


def _read_results(output_dir: pathlib.Path, metrics_dir: pathlib.Path) -> EvalResult:
    metrics_file = metrics_dir / "metrics.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    summary_file = metrics_dir / "metrics_summary.txt"
    return EvalResult(metrics=metrics, predictions=_read_table(_predictions_file(output_dir)),
                      comparison=_comparison(metrics_dir, metrics),
                      summary=summary_file.read_text() if summary_file.is_file() else "")


def evaluate(model_dir: PathLike, data: PathLike, output_dir: PathLike | None = None,
             metrics_dir: PathLike | None = None, *, use_env: bool = False,
             log_level: str | None = None, **options: Any) -> EvalResult:
    """`verdict eval`: predictions and metrics of the bundle `model_dir` on `data` (a file or a
    folder of shards). `options` are eval's (batch_size=64, device="cpu", comparison_mode=True,
    previous_score_field="old", thresholds=[0.3, 0.5], no_plots=True, ...). The files go to
    `output_dir` and `metrics_dir` when given (and stay), else to a temporary folder that is removed
    once they are read back. Environment variables (BATCH_SIZE, DEVICE, ...) are read only with
    `use_env=True`."""
    if log_level is not None:
        engine_module().set_log_level(log_level)
    with tempfile.TemporaryDirectory(prefix="verdict-evaluate-") as scratch:
        out = pathlib.Path(output_dir if output_dir is not None else pathlib.Path(scratch, "eval"))
        met = pathlib.Path(metrics_dir if metrics_dir is not None
                           else pathlib.Path(scratch, "metrics"))
        engine_module().evaluate(_options({**options, "model_dir": model_dir, "data": data,
                                           "output_dir": out, "metrics_dir": met}), use_env)
        result = _read_results(out, met)
    result.output_dir = os.fspath(output_dir) if output_dir is not None else None
    result.metrics_dir = os.fspath(metrics_dir) if metrics_dir is not None else None
    return result


# ---------------------------------------------------------------------------------------------
# verdict.metrics


def _as_numpy(values: Any, name: str) -> np.ndarray:
    """A NumPy view of a NumPy array, pandas Series/DataFrame or pyarrow (Chunked)Array, without a
    copy where the memory allows."""
    if isinstance(values, np.ndarray):
        return values
    module = type(values).__module__
    if module.startswith("pyarrow"):
        if values.null_count:
            raise Error(f"{name} has {values.null_count} missing value(s)")
        return values.to_numpy(zero_copy_only=False)
    if module.startswith("pandas"):
        if values.isna().to_numpy().any():
            raise Error(f"{name} has missing values")
        return values.to_numpy()
    return np.asarray(values)


def _labels(y_true: Any) -> np.ndarray:
    labels = _as_numpy(y_true, "y_true")
    if labels.ndim != 1:
        raise Error(f"y_true must be 1-D (one class index per row), not of shape {labels.shape}")
    if labels.dtype == np.int32:
        return np.ascontiguousarray(labels)
    if labels.dtype == np.bool_ or np.issubdtype(labels.dtype, np.integer):
        if labels.size and (labels.min() < 0 or labels.max() > np.iinfo(np.int32).max):
            raise Error(f"y_true row {int(np.argmax((labels < 0) | (labels > np.iinfo(np.int32).max)))}"
                        ": a class index must be in [0, K-1]")
        return labels.astype(np.int32)
    if np.issubdtype(labels.dtype, np.floating):
        whole = np.isfinite(labels) & (labels == np.round(labels)) & (labels >= 0)
        if not whole.all():
            row = int(np.argmin(whole))
            raise Error(f"y_true row {row}: {labels[row]!r} is not a class index")
        return labels.astype(np.int32)
    raise Error(f"y_true must hold class indices 0..K-1, not values of type {labels.dtype}")


def _scores(values: Any, name: str) -> tuple[np.ndarray, int, bool]:
    """(contiguous float64 scores, K, binary) as `verdict metrics` reads score columns: one column
    is P(class 1), two are binary with P(class 1) second, K > 2 are multiclass probabilities."""
    scores = _as_numpy(values, name)
    if scores.ndim == 2 and scores.shape[1] <= 2:
        scores = scores[:, -1]
    if scores.ndim == 1:
        return np.ascontiguousarray(scores, dtype=np.float64), 2, True
    if scores.ndim == 2:
        return np.ascontiguousarray(scores, dtype=np.float64), scores.shape[1], False
    raise Error(f"{name} must be 1-D (binary: P(class 1)) or 2-D [N, K], not of shape {scores.shape}")


def metrics(y_true: Any, y_score: Any, thresholds: Sequence[float] | None = None,
            previous: Any = None, *, class_labels: Sequence[str] | None = None,
            **options: Any) -> dict[str, Any]:
    """metrics.json of `verdict metrics` as a dict: the same keys, defaults and numbers.

    `y_true`: class indices (0..K-1, or booleans), one per row. `y_score`: binary, P(class 1) per
    row (1-D, or [N, 2] whose second column is used); multiclass, [N, K] probabilities. NumPy
    arrays, pandas Series/DataFrames and pyarrow arrays are read in place when they already are
    int32 labels and contiguous float64 scores (else converted once). `thresholds`: as
    --thresholds (default 0.3, 0.5, 0.7). `previous`: comparison mode, the previous model's scores
    shaped like `y_score` (NaN = missing); the comparison keys are added. `class_labels`: the label
    value of each class (names the class keys; default "0".."K-1"). `options`: the comparison
    options of `verdict metrics` (comparison_metrics, statistical_tests, ...)."""
    labels = _labels(y_true)
    scores, num_classes, binary = _scores(y_score, "y_score")
    old = None if previous is None else _scores(previous, "previous")[0]
    named = _options({**options, "thresholds": thresholds, "class_labels": class_labels})
    text = engine_module().metrics(labels, scores, old, num_classes, binary, named)
    return json.loads(text)


# ---------------------------------------------------------------------------------------------
# Text


class Tokenizer:
    """A BERT WordPiece tokenizer (tokenizer.json, or a folder holding it or vocab.txt), loaded
    once; ids as `verdict tokenize` and Hugging Face `tokenizers` give them ([CLS] ... [SEP])."""

    def __init__(self, path: PathLike):
        self._tokenizer = engine_module().Tokenizer(os.fspath(path))

    def encode(self, text: str, max_length: int = 0) -> list[int]:
        """Token ids of `text`, truncated to `max_length` when > 0."""
        return self._tokenizer.encode(text, max_length)

    def encode_batch(self, texts: Iterable[str], max_length: int = 0) -> list[list[int]]:
        """encode() of each text, without the GIL for the whole batch."""
        return self._tokenizer.encode_batch(list(texts), max_length)

    def decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(list(ids))

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.vocab_size


def preprocess(texts: str | Iterable[str], steps: Sequence[str] | None = None,
               tokenizer: PathLike | None = None, **options: Any) -> Any:
    """`verdict preprocess`: the seed's text steps on each text, as
    {"chunks": [...], "input_ids": [[...]], "attention_mask": [[...]]} (ids padded to max_sen_len
    per chunk). Either `steps` and `tokenizer`, or model_dir= and field= (a bundle's text field);
    other options: max_sen_len, chunk_truncate, max_total_chunks. One text gives one dict, an
    iterable of texts a list."""
    single = isinstance(texts, str)
    batch = [texts] if single else list(texts)
    lines = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in batch)
    text = engine_module().preprocess(lines, _options({**options, "steps": steps,
                                                       "tokenizer": tokenizer}))
    out = [json.loads(line) for line in text.splitlines()]
    return out[0] if single else out
