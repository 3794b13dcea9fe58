"""verdict-export: turn a trained PyTorch / Lightning classifier into a verdict model bundle.

A bundle is a directory with verdict.json (docs/bundle-format.md), a TorchScript model.pt and the
preprocessing artifacts. The exported model takes the bundle's inputs as positional tensors, in
the order of verdict.json's "inputs", and returns what the user's model returns for the batch
dict {input name: tensor}: logits [B, K] (or probabilities with `--output probabilities`; a binary
model may return one column, [B] or [B, 1], for class 1).

Before exporting, the exporter refuses what would silently corrupt every later number
(docs/bundle-format.md, "Exporter checks"): a forward that does not take the batch dict, an output
width other than the classes, values that are not finite, outputs that already are probabilities
while `--output` says logits, and declared probabilities outside [0, 1] or not summing to 1.
verdict.json, written last, records the sha256 of every other file of the bundle.

Example inputs are computed by the engine itself, in process (verdict._engine), so the bundle is checked
against exactly the preprocessing `verdict eval` will apply: the exporter runs the eager model and
the exported one on those rows and refuses to write a bundle whose outputs differ by more than
1e-5.

Text models (the seed's bimodal and trimodal BERT models, or text only): each text field of the
hyperparameters (`text_name`, or `primary_text_name` and `secondary_text_name`) becomes a bundle
text field with its processing steps, chunking options and the training's tokenizer.json (copied
into the bundle), and two inputs `<field>_<text_input_ids_key>` and
`<field>_<text_attention_mask_key>`, int64 [B, C, T]. The exporter also checks the export with
another batch size and other C and T, and whether the model's output is invariant to token
padding (then verdict.json says `padding_invariant: true` and the engine pads batches only to
their longest chunk).

Command line:
    verdict-export --model-factory MODULE:FUNC --state-dict model.pth \\
        --hyperparameters hyperparameters.json --sample-data FILE --out BUNDLE_DIR \\
        [--tokenizer tokenizer/]

In Python, right after training:
    from verdict.export import export_bundle
    export_bundle(model, hyperparameters, "sample.csv", "bundle/")
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import inspect
import json
import math
import os
import pathlib
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Mapping

import torch

from . import __version__, aoti, chunks, precision
from ._native import engine_module
from .errors import Error

FORMAT_VERSION = 1
MANIFEST = "verdict.json"
MODEL_FILE = "model.pt"
TOLERANCE = 1e-5
SAMPLE_ROWS = 512
# Sample rows a text model's export is checked on (check_rows), and the first of them the padding
# check uses (the model is traced on the first chunks.TRACE_ROWS): every check runs the model, which
# for a BERT-sized model costs far more than the rest. A model without text inputs is cheap to run;
# it is checked and traced on every sample row.
CHECK_ROWS = 16
PADDING_CHECK_ROWS = 4
REFERENCE_FILE = "reference_probabilities.json"
# How far from 1 a row of probabilities may sum (float32 softmax is within ~1e-6).
PROBABILITY_TOLERANCE = 1e-4


class ExportError(Exception):
    """Raised for anything that prevents writing a correct bundle; the message says what."""


def _first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message, or its type when it has none."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Hyperparameters (the seed's keys) -> manifest


def _label_text(value: Any) -> str:
    """The seed's label normalisation: integral floats become ints (1.0 -> "1"), else str()."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _class_labels(hp: Mapping[str, Any]) -> tuple[str, list[str]]:
    is_binary = bool(hp.get("is_binary", True))
    num_classes = int(hp.get("num_classes", 2))
    categories = hp.get("multiclass_categories") or []
    if is_binary:
        if num_classes != 2:
            raise ExportError(f"hyperparameters: is_binary is true but num_classes is {num_classes}")
        labels = [_label_text(c) for c in categories] if len(categories) == 2 else ["0", "1"]
        return "binary", labels
    if num_classes < 2:
        raise ExportError(f"hyperparameters: num_classes must be at least 2, not {num_classes}")
    labels = [_label_text(c) for c in categories] if categories else [str(i) for i in range(num_classes)]
    if len(labels) != num_classes or len(set(labels)) != num_classes:
        raise ExportError(
            f"hyperparameters: multiclass_categories must list {num_classes} distinct labels, got {categories}")
    return "multiclass", labels


def _text_fields_of(hp: Mapping[str, Any]) -> list[str]:
    return [hp[k] for k in ("text_name", "primary_text_name", "secondary_text_name") if hp.get(k)]


# text::TextPipeline::DefaultSteps: what the seed builds when the step list is absent or null.
DEFAULT_STEPS = ["dialogue_splitter", "html_normalizer", "emoji_remover", "text_normalizer",
                 "dialogue_chunker", "tokenizer"]
DEFAULT_SECONDARY_STEPS = ["dialogue_splitter", "text_normalizer", "dialogue_chunker", "tokenizer"]
TOKENIZER_FILE = "tokenizer.json"


def _text_field_specs(hp: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(field, steps key, default steps) per text field of the seed's hyperparameters."""
    if hp.get("primary_text_name") or hp.get("secondary_text_name"):
        if not (hp.get("primary_text_name") and hp.get("secondary_text_name")):
            raise ExportError("hyperparameters: a trimodal model needs both primary_text_name and "
                              "secondary_text_name")
        return [(hp["primary_text_name"], "primary_text_processing_steps", DEFAULT_STEPS),
                (hp["secondary_text_name"], "secondary_text_processing_steps", DEFAULT_SECONDARY_STEPS)]
    if hp.get("text_name"):
        return [(hp["text_name"], "text_processing_steps", DEFAULT_STEPS)]
    return []


def _text_fields(hp: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
    """The manifest's text_fields and their inputs. A step list that is absent or null gets the
    seed's default (DEFAULT_STEPS; DEFAULT_SECONDARY_STEPS for a trimodal secondary text)."""
    ids_key = hp.get("text_input_ids_key") or "input_ids"
    mask_key = hp.get("text_attention_mask_key") or "attention_mask"
    fields, inputs = [], []
    for name, steps_key, default in _text_field_specs(hp):
        steps = hp.get(steps_key)
        if steps is None:
            steps = list(default)
        if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
            raise ExportError(f"hyperparameters: {steps_key} must be a list of step names, not {steps!r}")
        fields.append({
            "name": name,
            "steps": steps,
            "max_sen_len": int(hp.get("max_sen_len", 512)),
            "chunk_truncate": bool(hp.get("chunk_trancate", False)),  # (sic) the seed's key
            "max_total_chunks": int(hp.get("max_total_chunks", 5)),
            "tokenizer": TOKENIZER_FILE,
        })
        inputs.append({"name": f"{name}_{ids_key}", "kind": "text_ids", "field": name})
        inputs.append({"name": f"{name}_{mask_key}", "kind": "attention_mask", "field": name})
    return fields, inputs


def _tabular_fields(hp: Mapping[str, Any], impute: Mapping[str, float], risk: Mapping[str, Any],
                    missing_values: str) -> list[dict]:
    # Text fields are never tabular: the seed lists them in cat_field_list only so that its dataset
    # keeps them as strings, and they get no risk table.
    tab_fields = [f for f in hp.get("tab_field_list") or [] if f not in _text_fields_of(hp)]
    categorical = set(hp.get("cat_field_list") or []) - set(_text_fields_of(hp))
    fields = []
    for name in tab_fields:
        entry: dict[str, Any] = {"name": name}
        if missing_values == "impute" and name in impute:
            entry["missing_value"] = float(impute[name])
        else:
            # The seed's dataset fills missing numbers with -1.0 before imputation can run, in
            # training and in batch evaluation alike.
            entry["missing_value"] = -1.0
        if name in categorical:
            table = risk.get(name)
            if table is None:
                raise ExportError(
                    f"tabular field '{name}' is categorical (cat_field_list) but risk_table_map.json has "
                    "no table for it; the model could not have consumed it as a number")
            entry["risk_table"] = {
                "bins": {str(k): float(v) for k, v in table.get("bins", {}).items()},
                "default_bin": float(table["default_bin"]),
            }
        fields.append(entry)
    return fields


def build_manifest(hp: Mapping[str, Any], *, impute: Mapping[str, float] | None = None,
                   risk: Mapping[str, Any] | None = None, missing_values: str = "seed",
                   output: str = "logits") -> dict:
    """The verdict.json content for a model trained with these seed-style hyperparameters."""
    if missing_values not in ("seed", "impute"):
        raise ExportError(f"missing_values must be 'seed' or 'impute', not {missing_values!r}")
    if output not in ("logits", "probabilities"):
        raise ExportError(f"output must be 'logits' or 'probabilities', not {output!r}")
    task, labels = _class_labels(hp)
    tabular = _tabular_fields(hp, impute or {}, risk or {}, missing_values)
    text, text_inputs = _text_fields(hp)
    if not tabular and not text:
        raise ExportError("hyperparameters: no text field and tab_field_list is empty; the model has no inputs")
    batch_size = int(int(hp.get("batch_size", 32)) * float(hp.get("eval_batch_size_multiplier", 2.0)))
    return {
        "format": "verdict-bundle",
        "format_version": FORMAT_VERSION,
        "created_by": f"verdict-export {__version__}, torch {torch.__version__}",
        "backend": "torchscript",
        "model_file": MODEL_FILE,
        "task": task,
        "num_classes": len(labels),
        "class_labels": labels,
        "output": output,
        "id_field": hp.get("id_name") or "",
        "label_field": hp.get("label_name") or "",
        "batch_size": max(batch_size, 1),
        "padding_invariant": False,
        "inputs": text_inputs + [{"name": f["name"], "kind": "tabular", "field": f["name"]} for f in tabular],
        "tabular_fields": tabular,
        "text_fields": text,
    }


# ---------------------------------------------------------------------------------------------
# Example inputs from the engine


def find_engine(explicit: str | None = None) -> ModuleType:
    """The engine, in process: verdict._engine of the installed wheel or, in a development
    checkout, of the build folder of `explicit` (a verdict binary), $VERDICT_BIN or build/."""
    try:
        return engine_module(explicit)
    except Error as error:
        raise ExportError(str(error)) from None


SampleData = "str | os.PathLike | pandas.DataFrame"


def _is_path(sample_data: Any) -> bool:
    return isinstance(sample_data, (str, os.PathLike))


def engine_features(engine: ModuleType, bundle_dir: str, sample_data: SampleData, names: list[str],
                    max_rows: int = SAMPLE_ROWS) -> dict[str, torch.Tensor]:
    """The model inputs `verdict eval` computes for the first rows of `sample_data`, computed by
    `engine` (find_engine) in process, without copies. `sample_data` is a CSV/TSV/Parquet path or
    a pandas DataFrame, whose first rows the engine reads from a Parquet file in a temporary folder
    that is removed before this returns."""
    if _is_path(sample_data):
        path = os.fspath(sample_data)
        return _features_of_file(engine, bundle_dir, path, path, names, max_rows)
    if not hasattr(sample_data, "to_parquet"):
        raise ExportError(f"sample data must be a path or a pandas DataFrame, not {type(sample_data).__name__}")
    with tempfile.TemporaryDirectory(prefix="verdict-sample-") as folder:
        path = os.path.join(folder, "sample.parquet")
        sample_data.head(max_rows).to_parquet(path, index=False)
        return _features_of_file(engine, bundle_dir, path, "the sample DataFrame", names, max_rows)


def _features_of_file(engine: ModuleType, bundle_dir: str, path: str, shown: str, names: list[str],
                      max_rows: int) -> dict[str, torch.Tensor]:
    try:
        arrays = dict(engine.features(bundle_dir, path, max_rows))
    except Error as error:
        raise ExportError(f"features of '{shown}': {str(error).replace(path, shown)}") from None
    batch = {name: torch.from_numpy(arrays[name]) for name in names}
    rows = {len(t) for t in batch.values()}
    if rows == {0}:
        raise ExportError(f"sample data '{shown}' has no rows")
    return batch


# ---------------------------------------------------------------------------------------------
# Model -> TorchScript


def probabilities(raw: torch.Tensor, task: str, output: str) -> torch.Tensor:
    """Class probabilities from a model output, exactly as the engine computes them."""
    raw = raw.detach().to(torch.float32)
    if task == "binary" and (raw.dim() == 1 or (raw.dim() == 2 and raw.shape[1] == 1)):
        p1 = raw.reshape(-1)
        if output == "logits":
            p1 = torch.sigmoid(p1)
        return torch.stack([1 - p1, p1], dim=1)
    return torch.softmax(raw, dim=1) if output == "logits" else raw


def _first_tensor(out: Any) -> torch.Tensor:
    return chunks.first_tensor(out, ExportError, "a tensor of logits")


# ---------------------------------------------------------------------------------------------
# Checks of the user's model before export

FORWARD_SIGNATURE = "forward(self, batch: dict[str, Tensor])"


def _forward_signature(model: torch.nn.Module) -> inspect.Signature | None:
    try:
        return inspect.signature(model.forward)
    except (TypeError, ValueError):  # some compiled modules have no Python signature
        return None


def _forward_text(signature: inspect.Signature) -> str:
    """'forward(self, a, b)'; str() of the signature keeps the keyword-only (*) and positional-only
    (/) markers."""
    listed = str(signature.replace(return_annotation=inspect.Signature.empty))[1:-1]
    return f"forward(self, {listed})" if listed else "forward(self)"


def check_forward_signature(model: torch.nn.Module, names: list[str]) -> None:
    """Refuses a forward that cannot be called with the one batch dict {input name: tensor}, the
    only call the exporter (and the seed's models) make; the message names what it found."""
    signature = _forward_signature(model)
    if signature is None:
        return
    params = list(signature.parameters.values())
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is kinds.empty]
    required += [p for p in params if p.kind == kinds.KEYWORD_ONLY and p.default is kinds.empty]
    accepts_one = bool(positional) or any(p.kind == kinds.VAR_POSITIONAL for p in params)
    if accepts_one and len(required) <= 1:
        return
    raise ExportError(
        f"the model's forward is {_forward_text(signature)}; verdict calls {FORWARD_SIGNATURE} with the "
        f"batch dict {{input name: tensor}} (inputs: {', '.join(names)}) and needs logits [B, K] "
        "back; wrap the model in a module whose forward takes that dict")


def eager_output(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str]) -> torch.Tensor:
    """The eager model's raw output for the batch dict; a failing call names the required forward."""
    try:
        with torch.inference_mode():
            return _first_tensor(model({n: batch[n] for n in names}))
    except ExportError:
        raise
    except Exception as error:
        signature = _forward_signature(model)
        found = f"its forward is {_forward_text(signature)}; " if signature else ""
        raise ExportError(f"the model fails on the sample rows ({_first_line(error)}); {found}verdict "
                          f"calls {FORWARD_SIGNATURE} with the inputs {', '.join(names)}") from None


def _output_width(raw: torch.Tensor, rows: int) -> int:
    if raw.dim() not in (1, 2) or raw.shape[0] != rows:
        raise ExportError(f"the model returned shape {list(raw.shape)} for {rows} rows; verdict needs "
                          "[B, K] (or [B] or [B, 1] for a binary task: class 1 alone)")
    return 1 if raw.dim() == 1 else int(raw.shape[1])


def _first_row(bad: torch.Tensor) -> int:
    return int(bad.nonzero()[0, 0])


def _row_text(values: torch.Tensor) -> str:
    return "[" + ", ".join(f"{float(v):.6g}" for v in values) + "]"


def _looks_like_probabilities(values: torch.Tensor) -> bool:
    """One column: every value in [0, 1]. K columns: every row non-negative and summing to 1."""
    if values.shape[1] == 1:
        return bool(((values >= 0) & (values <= 1)).all())
    sums = values.sum(dim=1)
    return bool((values >= 0).all() and ((sums - 1).abs() <= PROBABILITY_TOLERANCE).all())


def _check_declared_probabilities(values: torch.Tensor) -> None:
    outside = ((values < 0) | (values > 1)).any(dim=1)
    if outside.any():
        row = _first_row(outside)
        raise ExportError(f"--output probabilities, but sample row {row} has {_row_text(values[row])}, "
                          "outside [0, 1]; if forward returns logits, export with --output logits")
    if values.shape[1] > 1:
        off = (values.sum(dim=1) - 1).abs() > PROBABILITY_TOLERANCE
        if off.any():
            row = _first_row(off)
            raise ExportError(f"--output probabilities, but sample row {row} sums to "
                              f"{float(values[row].sum()):.6g}, not 1 (tolerance {PROBABILITY_TOLERANCE}); "
                              "if forward returns logits, export with --output logits")


def check_output(raw: torch.Tensor, rows: int, task: str, num_classes: int, output: str) -> None:
    """Refuses a raw model output (the eager model on `rows` sample rows) that the engine would turn
    into wrong probabilities without a word: a width other than the classes (a binary model may
    return one column, class 1), values that are not finite, outputs that already are
    probabilities while `output` says logits (softmax or sigmoid would be applied twice), and
    declared probabilities outside [0, 1] or rows not summing to 1 within PROBABILITY_TOLERANCE."""
    width = _output_width(raw, rows)
    if width != num_classes and not (task == "binary" and width == 1):
        raise ExportError(f"the model returns {width} outputs per row but the hyperparameters give "
                          f"{num_classes} classes ({task}); they must be equal (a binary model may also "
                          "return 1: the logit or probability of class 1)")
    values = raw.detach().to(torch.float64).reshape(rows, width)
    not_finite = ~torch.isfinite(values).all(dim=1)
    if not_finite.any():
        row = _first_row(not_finite)
        raise ExportError(f"the model returned {_row_text(values[row])} for sample row {row}: not finite")
    if output == "probabilities":
        _check_declared_probabilities(values)
    elif _looks_like_probabilities(values):
        shape = ("lie in [0, 1]; the engine would apply sigmoid to them again" if width == 1 else
                 f"are non-negative and sum to 1 (within {PROBABILITY_TOLERANCE}); the engine would "
                 "apply softmax to them again")
        raise ExportError(f"the model's outputs look like probabilities already: on all {rows} sample rows "
                          f"they {shape}. If forward returns probabilities, export with --output "
                          "probabilities; if it should return logits, remove its final softmax or sigmoid")


class PositionalModel(torch.nn.Module):
    """Calls a dict-batch model with positional tensors (the bundle's input order)."""

    def __init__(self, model: torch.nn.Module, names: list[str]):
        super().__init__()
        self.model = model
        self.names = list(names)

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return _first_tensor(self.model(dict(zip(self.names, tensors))))


def _script_wrapper(model: torch.nn.Module, names: list[str]) -> torch.jit.ScriptModule:
    """Scripted alternative to tracing, for models with data-dependent control flow.

    TorchScript needs real source with named arguments, so the wrapper is written to a file in a
    temporary folder that is gone once scripting has read it.
    """
    args = [f"x{i}" for i in range(len(names))]
    entries = ", ".join(f"{name!r}: {arg}" for name, arg in zip(names, args))
    source = (
        "import torch\nfrom typing import Dict\n\n\n"
        "class Wrapper(torch.nn.Module):\n"
        "    def __init__(self, model):\n        super().__init__()\n        self.model = model\n\n"
        f"    def forward(self, {', '.join(a + ': torch.Tensor' for a in args)}) -> torch.Tensor:\n"
        f"        batch: Dict[str, torch.Tensor] = {{{entries}}}\n"
        "        return self.model(batch)\n")
    with tempfile.TemporaryDirectory(prefix="verdict-script-") as folder:
        path = os.path.join(folder, "verdict_scripted_wrapper.py")
        with open(path, "w") as f:
            f.write(source)
        spec = importlib.util.spec_from_file_location("verdict_scripted_wrapper", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return torch.jit.script(module.Wrapper(model))


def _max_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    if a.shape != b.shape:
        return math.inf
    return float((a - b).abs().max()) if a.numel() else 0.0


@dataclass
class ExportReport:
    """What export_bundle checked."""
    bundle_dir: str
    method: str  # "trace" or "script"
    rows_checked: int
    max_abs_difference: float
    notes: list[str] = field(default_factory=list)


def _text_pairs(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(ids input, mask input) names per text field."""
    pairs = []
    for text_field in manifest.get("text_fields", []):
        of_field = {i["kind"]: i["name"] for i in manifest["inputs"] if i["field"] == text_field["name"]}
        pairs.append((of_field["text_ids"], of_field["attention_mask"]))
    return pairs


def recollate(batch: dict[str, torch.Tensor], pairs: list[tuple[str, str]], rows: slice | None = None,
              tokens: int | None = None, extra_chunks: int = 0) -> dict[str, torch.Tensor]:
    """`batch` (or some of its rows) collated again like the seed's collate: C = the most real chunks
    of a row (plus `extra_chunks` all-zero ones), T = `tokens` (default: the longest chunk), padding
    with 0 in ids and mask."""
    out = {name: t[rows] if rows is not None else t for name, t in batch.items()}
    for ids_name, mask_name in pairs:
        ids, mask = out[ids_name], out[mask_name]
        real = mask.sum(dim=2) > 0
        chunks = int(real.sum(dim=1).max()) + extra_chunks if len(ids) else 0
        t = tokens if tokens is not None else int(mask.sum(dim=2).max()) if len(ids) else 0
        shape = (ids.shape[0], chunks, t)
        new_ids, new_mask = torch.zeros(shape, dtype=ids.dtype), torch.zeros(shape, dtype=mask.dtype)
        c, k = min(chunks, ids.shape[1]), min(t, ids.shape[2])
        new_ids[:, :c, :k] = ids[:, :c, :k]
        new_mask[:, :c, :k] = mask[:, :c, :k]
        out[ids_name], out[mask_name] = new_ids, new_mask
    return out


def check_rows(batch: dict[str, torch.Tensor], pairs: list[tuple[str, str]],
               limit: int = CHECK_ROWS) -> tuple[list[int], dict[str, torch.Tensor]]:
    """The sample rows the export is checked on (their indices and inputs). A model without text
    inputs (no `pairs`) is checked on every row. A text model on at most `limit`: the first row of
    each distinct chunk count first (so that the checks see rows of one chunk and of the most
    chunks, whose seed batches hold padding chunks), then rows in order; kept in sample order and
    collated again to these rows' own chunk count (T unchanged)."""
    rows = len(next(iter(batch.values())))
    if not pairs:
        limit = rows
    chosen: list[int] = []
    if pairs:
        counts = torch.stack([(batch[mask].sum(dim=2) > 0).sum(dim=1) for _, mask in pairs], dim=1)
        seen: set[tuple] = set()
        for r, key in enumerate(map(tuple, counts.tolist())):
            if key not in seen and len(chosen) < limit:
                seen.add(key)
                chosen.append(r)
    for r in range(rows):
        if len(chosen) >= limit:
            break
        if r not in chosen:
            chosen.append(r)
    chosen.sort()
    index = torch.tensor(chosen, dtype=torch.int64)
    subset = {name: t[index] for name, t in batch.items()}
    if pairs and chosen:
        subset = recollate(subset, pairs, tokens=int(batch[pairs[0][0]].shape[2]))
    return chosen, subset


def _eager(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str], task: str,
           output: str) -> torch.Tensor:
    return probabilities(_first_tensor(model({n: batch[n] for n in names})), task, output)


def _check(exported: torch.jit.ScriptModule, model: torch.nn.Module, batch: dict[str, torch.Tensor],
           names: list[str], task: str, output: str, pairs: list[tuple[str, str]],
           eager_batch: torch.Tensor | None = None) -> float:
    """Worst difference between eager and exported probabilities, on the batch and on a part of it
    with another batch size, so that a batch size frozen into the graph is caught: for text models
    the part is collated again with its own chunk count C and token count T (and the batch is not
    the chunks.TRACE_ROWS rows the model was traced on), for others it is about half the rows.
    `eager_batch`: the eager probabilities of `batch`, when already computed."""
    rows = len(batch[names[0]])
    variants = [batch]
    if pairs:
        variants.append(recollate(batch, pairs, slice(0, max(1, rows // 4))))
    elif rows > 2:
        variants.append({n: t[: rows // 2 + 1] for n, t in batch.items()})
    worst = 0.0
    with torch.inference_mode():
        for variant in variants:
            known = eager_batch is not None and variant is batch
            eager = eager_batch if known else _eager(model, variant, names, task, output)
            mine = probabilities(exported(*[variant[n] for n in names]), task, output)
            worst = max(worst, _max_difference(eager, mine))
    return worst


def padding_difference(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str],
                       task: str, output: str, pairs: list[tuple[str, str]]) -> float:
    """How much the eager model's output moves when token padding changes: the batch padded only to
    its longest chunk, as collated (T = max_sen_len), and 8 tokens further, each with one more
    all-padding chunk per row (the seed's collate adds such chunks), so that both a real chunk's
    and a padding chunk's pooled vector would show a dependence on T."""
    tokens = batch[pairs[0][0]].shape[2]
    with torch.inference_mode():
        outs = [_eager(model, recollate(batch, pairs, tokens=t, extra_chunks=1), names, task, output)
                for t in (None, tokens, tokens + 8)]
    return max(_max_difference(outs[0], o) for o in outs[1:])


class _LightningExportMode:
    """LightningModule properties such as `trainer` raise outside a Trainer, and TorchScript reads
    every attribute while it compiles; Lightning's own `_jit_is_scripting` flag makes them return
    None instead (what LightningModule.to_torchscript does)."""

    def __init__(self, model: torch.nn.Module):
        self.modules = [m for m in model.modules() if hasattr(m, "_jit_is_scripting")]

    def __enter__(self):
        for m in self.modules:
            m._jit_is_scripting = True

    def __exit__(self, *exc):
        for m in self.modules:
            m._jit_is_scripting = False


def _export_module(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str], task: str,
                   output: str, pairs: list[tuple[str, str]],
                   eager_batch: torch.Tensor | None = None) -> tuple[torch.jit.ScriptModule, str, float, list[str]]:
    # TorchScript is deprecated upstream but remains the format LibTorch loads on CPU and CUDA.
    with _LightningExportMode(model), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
        return _trace_or_script(model, batch, names, task, output, pairs, eager_batch)


def _trace_or_script(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str], task: str,
                     output: str, pairs: list[tuple[str, str]],
                     eager_batch: torch.Tensor | None = None) -> tuple[torch.jit.ScriptModule, str, float, list[str]]:
    notes: list[str] = []
    example = {n: t[:chunks.TRACE_ROWS] for n, t in batch.items()} if pairs else batch
    inputs = tuple(example[n] for n in names)
    wrapper = PositionalModel(model, names).eval()
    try:
        with torch.inference_mode(False), torch.no_grad():
            traced = torch.jit.trace(wrapper, inputs, check_trace=False, strict=False)
        difference = _check(traced, model, batch, names, task, output, pairs, eager_batch)
        if difference <= TOLERANCE:
            return traced, "trace", difference, notes
        notes.append(f"tracing differs from eager by {difference:.3g}; trying torch.jit.script")
    except Exception as error:  # tracing failures come in many types
        notes.append(f"tracing failed ({_first_line(error)}); trying torch.jit.script")
    try:
        scripted = _script_wrapper(model, names)
    except Exception as error:
        raise ExportError("the model can be neither traced faithfully nor scripted: "
                          f"{'; '.join(notes)}; scripting: {_first_line(error)}") from None
    difference = _check(scripted, model, batch, names, task, output, pairs, eager_batch)
    if difference > TOLERANCE:
        raise ExportError(f"the scripted model differs from the eager one by {difference:.3g} "
                          f"(tolerance {TOLERANCE})")
    return scripted, "script", difference, notes


FORMATS = ("torchscript", "aoti")


def _export_aoti(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str], manifest: dict,
                 staging: pathlib.Path, output: str, pairs: list[tuple[str, str]],
                 eager_batch: torch.Tensor) -> tuple[Callable, str, float, list[str]]:
    """The model compiled into staging/model.pt2 (aoti.export_model) and checked against the eager
    model like a TorchScript program (_check: the batch, another batch size, other C and T)."""
    with _LightningExportMode(model):
        program = aoti.export_model(model, batch, names, manifest, staging, PositionalModel)
    difference = _check(program, model, batch, names, manifest["task"], output, pairs, eager_batch)
    if difference > TOLERANCE:
        raise ExportError(f"the AOTInductor program differs from the eager model by {difference:.3g} "
                          f"(tolerance {TOLERANCE})")
    manifest["backend"], manifest["model_file"] = "aoti", aoti.MODEL_FILE
    return program, "aoti", difference, []


# ---------------------------------------------------------------------------------------------
# Chunk-level programs (python/verdict/chunks.py; docs/bundle-format.md, "chunk_execution")

CHUNK_MODES = ("auto", "require", "off")


def served_reference(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str],
                     manifest: Mapping[str, Any]) -> tuple[list, list[torch.Tensor]]:
    """The eager model on each row alone (served batching): rows of equal chunk counts collated
    together (no padding chunks), T = the sample's max_sen_len, or the group's longest chunk when
    the model is padding-invariant. Returns [(row indices, collated rows)] and their probabilities."""
    texts = chunks.text_inputs(manifest)
    pairs = [(t.ids, t.mask) for t in texts]
    tokens = None if manifest["padding_invariant"] else int(batch[texts[0].ids].shape[2])
    groups = [(index, recollate(batch, pairs, index, tokens=tokens)) for index in chunks.served_groups(batch, texts)]
    with torch.inference_mode():
        return groups, [_eager(model, b, names, manifest["task"], manifest["output"]) for _, b in groups]


def in_row_order(served: tuple[list, list[torch.Tensor]]) -> torch.Tensor:
    """The probabilities of served_reference's groups, back in the rows' order."""
    groups, eager = served
    rows = sum(len(index) for index, _ in groups)
    probs = torch.empty((rows, eager[0].shape[1]), dtype=eager[0].dtype)
    for (index, _), group in zip(groups, eager):
        probs[index] = group
    return probs


def seed_reference(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str],
                   manifest: Mapping[str, Any], texts: list,
                   eager_batch: torch.Tensor | None = None) -> tuple[dict, torch.Tensor]:
    """A seed batch of the rows holding padding chunks in every text field, and the eager model's
    probabilities of it: the batch itself (with `eager_batch`, its probabilities) when some row of
    each field has fewer chunks than the batch, otherwise the rows with one more padding chunk each
    (as the seed's collate adds them), T the sample's max_sen_len, or the longest chunk when the
    model is padding-invariant."""
    most = torch.tensor([batch[t.ids].shape[1] for t in texts])
    if eager_batch is not None and bool((chunks.chunk_counts(batch, texts) < most).any(dim=0).all()):
        return batch, eager_batch
    tokens = None if manifest["padding_invariant"] else int(batch[texts[0].ids].shape[2])
    seed_batch = recollate(batch, [(t.ids, t.mask) for t in texts], tokens=tokens, extra_chunks=1)
    with torch.inference_mode():
        return seed_batch, _eager(model, seed_batch, names, manifest["task"], manifest["output"])


def _trace_chunk_programs(model: torch.nn.Module, split: "chunks.Split", texts: list,
                          batch: dict[str, torch.Tensor], format: str = "torchscript",
                          manifest: Mapping[str, Any] | None = None,
                          staging: pathlib.Path | None = None) -> "chunks.Programs":
    """The split's programs: traced TorchScript, or (format "aoti") AOTInductor packages compiled
    into `staging`."""
    try:
        with _LightningExportMode(model), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
            if format == "aoti":
                return aoti.compile_split(split, texts, batch, manifest, staging)
            return chunks.trace_split(split, texts, batch)
    finally:
        chunks.release(split)


def export_chunk_programs(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str],
                          manifest: dict, staging: pathlib.Path, mode: str, notes: list[str],
                          served: tuple[list, list[torch.Tensor]] | None = None,
                          format: str = "torchscript",
                          eager_batch: torch.Tensor | None = None) -> dict | None:
    """Writes the chunk encoders and the head of a text model into `staging` and returns the
    manifest's "chunk_execution" (None when the model has no split or `mode` is "off"), after
    checking them against the eager model in both semantics (within TOLERANCE) on the rows of
    `batch`. `served`: served_reference of the batch, and `eager_batch`: the eager probabilities of
    `batch`, when already computed. A declared split that differs is refused; a layout that differs
    is left out with a note ("require": refused)."""
    if mode not in CHUNK_MODES:
        raise ExportError(f"chunk_execution must be one of {', '.join(CHUNK_MODES)}, not {mode!r}")
    texts = chunks.text_inputs(manifest)
    if mode == "off" or (not texts and mode == "auto"):
        return None
    try:
        split = chunks.find_split(model, manifest, batch) if texts else None
    except chunks.SplitError as error:
        raise ExportError(f"the model's declared chunk split: {error}") from None
    if split is None:
        if mode == "require":
            raise ExportError("--chunk-execution require, but the model neither declares "
                              f"{chunks.ENCODERS_METHOD}/{chunks.HEAD_METHOD} nor has the seed's layout "
                              "(a text submodule per text field holding its BERT as .bert)")
        return None
    refuse = split.source == "declared" or mode == "require"
    try:
        programs = _trace_chunk_programs(model, split, texts, batch, format, manifest, staging)
    except Exception as error:
        if refuse:
            raise ExportError(f"the chunk encoders and head ({split.source}) cannot be traced: "
                              f"{_first_line(error)}") from None
        notes.append(f"chunk-level programs left out: tracing them failed ({_first_line(error)})")
        return None
    seed_batch, seed_eager = seed_reference(model, batch, names, manifest, texts, eager_batch)
    served_eager = in_row_order(served if served is not None else served_reference(model, batch, names, manifest))
    to_probabilities = lambda raw: probabilities(raw, manifest["task"], manifest["output"])
    tried = []
    for tokens in (None, int(batch[texts[0].ids].shape[2])):
        seed, served_difference = chunks.check_programs(programs, texts, seed_batch, seed_eager, served_eager,
                                                        to_probabilities, tokens)
        tried.append((seed, served_difference))
        if max(seed, served_difference) <= TOLERANCE:
            break
    else:
        seed, served_difference = min(tried, key=max)
        problem = (f"the chunk encoders and head ({split.source}) differ from the model's forward by "
                   f"{seed:.3g} in seed batches and {served_difference:.3g} for rows alone (tolerance "
                   f"{TOLERANCE})")
        if refuse:
            raise ExportError(problem + "; the head must take the mean of the pooled chunk vectors "
                              "over each row's chunks, padding chunks included")
        notes.append(f"chunk-level programs left out: {problem}")
        aoti.remove_split(texts, staging)
        return None
    if format == "aoti":  # compiled into staging already
        encoder_file, head_file = aoti.encoder_file, aoti.HEAD_FILE
    else:
        encoder_file, head_file = chunks.encoder_file, chunks.HEAD_FILE
        for text in texts:
            programs.encoders[text.field].save(str(staging / encoder_file(text.field)))
        programs.head.save(str(staging / head_file))
    notes.append(f"chunk-level programs ({split.source}): max |dp| {seed:.3g} in seed batches, "
                 f"{served_difference:.3g} for rows alone")
    return {
        "encoders": {t.field: encoder_file(t.field) for t in texts},
        "head": head_file,
        "head_inputs": split.head_inputs,
        "padding_invariant": tokens is None,
        "checked": {"rows": len(seed_eager), "seed_max_abs_difference": seed,
                    "served_max_abs_difference": served_difference},
    }


# ---------------------------------------------------------------------------------------------
# Reference probabilities (docs/bundle-format.md, "reference")


def attention_implementation(model: torch.nn.Module) -> str:
    """The attention implementation of the model's Hugging Face modules (config._attn_implementation,
    several joined by ','), or "n/a" when it has none."""
    found = {getattr(getattr(m, "config", None), "_attn_implementation", None) for m in model.modules()}
    return ",".join(sorted(str(f) for f in found if f)) or "n/a"


def reference_entry(model: torch.nn.Module) -> dict:
    """verdict.json's "reference": the versions and attention implementation that produced the
    reference probabilities."""
    transformers = sys.modules.get("transformers")
    return {"torch": torch.__version__,
            "transformers": str(getattr(transformers, "__version__", "n/a")) if transformers else "n/a",
            "attention_implementation": attention_implementation(model),
            "probabilities": REFERENCE_FILE}


def reference_probabilities(rows: list[int], served: tuple[list, list[torch.Tensor]] | None,
                            eager_batch: torch.Tensor) -> dict:
    """The reference probabilities file: the eager model's probabilities of the checked sample rows
    (`rows`, 0-based rows of the sample data), each row scored alone (served groups for text
    models; the batch's own for others, where neighbours do not matter)."""
    probs = eager_batch if served is None else in_row_order(served)
    return {"format": "verdict-reference-probabilities", "semantics": "served", "rows": len(rows),
            "sample_rows": rows, "probabilities": probs.tolist()}


def precision_batches(batch: dict[str, torch.Tensor], names: list[str], eager_batch: torch.Tensor,
                      served: tuple[list, list[torch.Tensor]] | None) -> list["precision.Batch"]:
    """The calls lower precision is measured on, with their fp32 probabilities: a text model's
    served groups (each row alone, as the reference probabilities are), or the batch."""
    if served is None:
        return [([batch[n] for n in names], eager_batch)]
    groups, eager = served
    return [([group[n] for n in names], probs) for (_, group), probs in zip(groups, eager)]


# ---------------------------------------------------------------------------------------------
# Public API


def _read_json_beside(hp_path: str | None, name: str) -> dict:
    if not hp_path:
        return {}
    path = pathlib.Path(hp_path).parent / name
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ExportError(f"'{path}' is not valid JSON: {error}") from None


def tokenizer_file(path: str | os.PathLike) -> pathlib.Path:
    """The tokenizer.json at `path`: the file itself or the one inside the folder `path`."""
    candidate = pathlib.Path(path)
    if candidate.is_dir():
        candidate = candidate / TOKENIZER_FILE
    if not candidate.is_file():
        raise ExportError(f"tokenizer '{path}' is neither a tokenizer.json nor a folder holding one "
                          "(the seed's training writes it to the tokenizer/ folder of its output)")
    return candidate


def write_json_atomically(path: pathlib.Path, data: Any) -> None:
    """Writes `data` as JSON to `path` through a temporary file beside it and one rename, so a
    reader sees the old file or the whole new one, never a part."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(partial, path)


def file_digests(bundle_dir: pathlib.Path) -> dict[str, str]:
    """sha256 (64 lowercase hex digits) of every file under `bundle_dir` except verdict.json, keyed
    by its path relative to the bundle with '/' separators: the manifest's "sha256" key."""
    digests = {}
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(bundle_dir).as_posix()
        if relative == MANIFEST:
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digests[relative] = digest.hexdigest()
    return digests


def write_manifest(hyperparameters: Mapping[str, Any], bundle_dir: str | os.PathLike,
                   tokenizer: str | os.PathLike | None = None, **manifest_options: Any) -> dict:
    """Writes verdict.json (and tokenizer.json for text models) into `bundle_dir`: enough for
    `verdict features`, before any model file exists. Returns the manifest."""
    manifest = build_manifest(hyperparameters, **manifest_options)
    folder = pathlib.Path(bundle_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if manifest["text_fields"]:
        if tokenizer is None:
            raise ExportError("the model has text fields: give the training's tokenizer (--tokenizer)")
        shutil.copyfile(tokenizer_file(tokenizer), folder / TOKENIZER_FILE)
    write_json_atomically(folder / MANIFEST, manifest)
    return manifest


def export_bundle(model: torch.nn.Module, hyperparameters: Mapping[str, Any], sample_data: SampleData,
                  out_dir: str, *, impute_dict: Mapping[str, float] | None = None,
                  risk_table_map: Mapping[str, Any] | None = None, missing_values: str = "seed",
                  output: str = "logits", engine: str | None = None,
                  tokenizer: str | os.PathLike | None = None, chunk_execution: str = "auto",
                  format: str = "torchscript") -> ExportReport:
    """Exports `model` (an nn.Module or LightningModule whose forward takes the batch dict and
    returns logits [B, K], or what `output` says) into the bundle directory `out_dir`, checked on
    `sample_data` (a CSV/TSV/Parquet path or a pandas DataFrame; check_forward_signature,
    check_output, then eager against exported).
    `tokenizer` (a tokenizer.json or a folder holding one) is needed when the model has text fields.
    `chunk_execution`: "auto" writes a text model's chunk encoders and head too when it declares
    them or has the seed's layout (export_chunk_programs), "require" refuses a model without them,
    "off" writes the model only.
    `format`: "torchscript" (model.pt) or "aoti" (AOTInductor packages, model.pt2; python/verdict/aoti.py).

    The bundle is assembled in a temporary folder beside `out_dir` and moved into place only
    when every check passed; an existing `out_dir` is replaced. verdict.json is written last,
    with the sha256 of every other file.
    """
    if _is_path(sample_data) and not os.path.exists(sample_data):
        raise ExportError(f"sample data '{sample_data}' does not exist")
    if format not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    out = pathlib.Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        manifest = write_manifest(hyperparameters, staging, tokenizer, impute=impute_dict,
                                  risk=risk_table_map, missing_values=missing_values, output=output)
        names = [i["name"] for i in manifest["inputs"]]
        pairs = _text_pairs(manifest)
        sample_rows, batch = check_rows(engine_features(find_engine(engine), str(staging), sample_data, names),
                                        pairs)
        rows = len(batch[names[0]])
        model = model.eval()
        check_forward_signature(model, names)
        raw = eager_output(model, batch, names)
        check_output(raw, rows, manifest["task"], manifest["num_classes"], output)
        eager_batch = probabilities(raw, manifest["task"], output)
        if format == "aoti":
            exported, method, difference, notes = _export_aoti(model, batch, names, manifest, staging, output,
                                                               pairs, eager_batch)
        else:
            exported, method, difference, notes = _export_module(model, batch, names, manifest["task"], output,
                                                                 pairs, eager_batch)
        padding = served = None
        if pairs:
            few = {name: t[:PADDING_CHECK_ROWS] for name, t in batch.items()}
            padding = padding_difference(model, few, names, manifest["task"], output, pairs)
            manifest["padding_invariant"] = padding <= TOLERANCE
            notes.append(f"output moves by {padding:.3g} with token padding: padding_invariant is "
                         f"{str(manifest['padding_invariant']).lower()}")
            served = served_reference(model, batch, names, manifest)
        chunked = export_chunk_programs(model, batch, names, manifest, staging, chunk_execution, notes, served,
                                        format, eager_batch)
        chunk_check = None
        if chunked is not None:
            chunk_check = chunked.pop("checked")
            manifest["chunk_execution"] = chunked
        manifest["reference"] = reference_entry(model)
        write_json_atomically(staging / REFERENCE_FILE, reference_probabilities(sample_rows, served, eager_batch))
        if format != "aoti":  # a package runs in fp32, as compiled (written by _export_aoti)
            exported.save(str(staging / MODEL_FILE))
            manifest["precision"] = precision.precision_entries(
                staging / MODEL_FILE, precision_batches(batch, names, eager_batch, served),
                lambda raw: probabilities(raw, manifest["task"], output), notes)
        (staging / "hyperparameters.json").write_text(json.dumps(dict(hyperparameters), indent=2, sort_keys=True) + "\n")
        if impute_dict:
            (staging / "impute_dict.json").write_text(json.dumps(dict(impute_dict), indent=2) + "\n")
        if risk_table_map:
            (staging / "risk_table_map.json").write_text(json.dumps(dict(risk_table_map), indent=2) + "\n")
        (staging / "export_check.json").write_text(json.dumps(
            {"method": method, "rows_checked": rows, "max_abs_difference": difference,
             "padding_difference": padding, "chunk_execution": chunk_check, "tolerance": TOLERANCE,
             "notes": notes}, indent=2) + "\n")
        manifest["sha256"] = file_digests(staging)
        write_json_atomically(staging / MANIFEST, manifest)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportReport(str(out), method, rows, difference, notes)


def _module_from_file(path: pathlib.Path) -> Any:
    """Runs a .py file as a module. Its folder is on sys.path while it runs, so that it can import
    its sibling modules, and sys.path is restored afterwards."""
    if not path.is_file():
        raise ExportError(f"model factory file '{path}' does not exist")
    saved = list(sys.path)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        loader_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(module)
    except Exception as error:
        raise ExportError(f"cannot run model factory file '{path}': {_first_line(error)}") from None
    finally:
        sys.path[:] = saved
    return module


def _import_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception as error:
        raise ExportError(
            f"cannot import '{name}' ({_first_line(error)}); give the file instead "
            f"(--model-factory path/to/{name.replace('.', '/')}.py:FUNC) or make the package "
            "importable (pip install -e, or PYTHONPATH)") from None


def load_factory(spec: str) -> Callable[[dict], torch.nn.Module]:
    """MODULE:FUNC, where MODULE is an importable module name or a path to a .py file."""
    module_name, sep, func_name = spec.rpartition(":")
    if not sep or not module_name or not func_name:
        raise ExportError(f"--model-factory must be MODULE:FUNC, not {spec!r}")
    if module_name.endswith(".py") or os.sep in module_name:
        module = _module_from_file(pathlib.Path(module_name))
    else:
        module = _import_module(module_name)
    factory = getattr(module, func_name, None)
    if not callable(factory):
        raise ExportError(f"'{module_name}' has no function '{func_name}'")
    return factory


def load_state_dict(path: str) -> dict[str, torch.Tensor]:
    """A weights-only state dict from model.pth, or the 'state_dict' of a Lightning .ckpt.

    Loading never unpickles arbitrary Python objects (weights_only=True).
    """
    if not os.path.exists(path):
        raise ExportError(f"state dict '{path}' does not exist")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ExportError(f"cannot load '{path}' as weights only ({_first_line(error)}); save it with "
                          "torch.save(model.state_dict(), path)") from None
    if isinstance(loaded, Mapping) and "state_dict" in loaded and isinstance(loaded["state_dict"], Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise ExportError(f"'{path}' does not hold a state dict of tensors")
    return dict(loaded)


def build_model(factory_spec: str, hyperparameters: Mapping[str, Any], state_dict_path: str) -> torch.nn.Module:
    model = load_factory(factory_spec)(dict(hyperparameters))
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"{factory_spec} returned {type(model).__name__}, not a torch.nn.Module")
    state = load_state_dict(state_dict_path)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ExportError(
            f"'{state_dict_path}' does not fit the model built by {factory_spec}: missing keys "
            f"{result.missing_keys[:5]}, unexpected keys {result.unexpected_keys[:5]}")
    return model.eval()


def add_bundle_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every form of verdict-export shares (a state dict and its factory, --onnx): the
    hyperparameters, the sample rows, the bundle to write and how, and the engine and tokenizer."""
    parser.add_argument("--hyperparameters", required=True, help="the training's hyperparameters.json")
    parser.add_argument("--sample-data", required=True, help="CSV/TSV/Parquet rows to check the export on")
    parser.add_argument("--out", required=True, help="bundle directory to write")
    parser.add_argument("--missing-values", choices=["seed", "impute"], default="seed",
                        help="missing numbers become -1.0 as in the seed's training (seed) or the "
                             "impute_dict.json value (impute)")
    parser.add_argument("--engine", help="development: a verdict binary whose build's engine module is used "
                                         "(default: the installed one, else $VERDICT_BIN's, else build/'s)")
    parser.add_argument("--tokenizer", help="text models: tokenizer.json or a folder holding one (default: the "
                                            "tokenizer/ folder beside the hyperparameters, the seed's training output)")
    parser.add_argument("--format", choices=list(FORMATS), default="torchscript",
                        help="the programs' format: torchscript (model.pt), or aoti (AOTInductor packages compiled "
                             "for this machine's CPU, model.pt2; needs a C++ compiler)")


def read_hyperparameters(path: str) -> dict:
    """The training's hyperparameters.json at `path`; ExportError when missing or not JSON."""
    try:
        return json.loads(pathlib.Path(path).read_text())
    except FileNotFoundError:
        raise ExportError(f"hyperparameters file '{path}' does not exist") from None
    except json.JSONDecodeError as error:
        raise ExportError(f"'{path}' is not valid JSON: {error}") from None


def bundle_options(args: argparse.Namespace) -> dict[str, Any]:
    """export_bundle's keyword options from add_bundle_arguments' parsed arguments: the impute
    dict, risk tables and tokenizer beside the hyperparameters unless given, the engine."""
    return dict(impute_dict=_read_json_beside(args.hyperparameters, "impute_dict.json"),
                risk_table_map=_read_json_beside(args.hyperparameters, "risk_table_map.json"),
                missing_values=args.missing_values, engine=args.engine, format=args.format,
                tokenizer=args.tokenizer or pathlib.Path(args.hyperparameters).parent / "tokenizer")


def run_and_report(make_bundle: Callable[[], ExportReport], summary: Callable[[ExportReport], str]) -> int:
    """Runs `make_bundle` for the command line: an ExportError is one `verdict-export: error:` line on
    stderr and exit status 1; otherwise the report's notes on stderr, `summary` on stdout, 0."""
    try:
        report = make_bundle()
    except ExportError as error:
        print(f"verdict-export: error: {error}", file=sys.stderr)
        return 1
    for note in report.notes:
        print(f"verdict-export: note: {note}", file=sys.stderr)
    print(f"verdict-export: {summary(report)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """verdict-export from a state dict and the factory that builds its model."""
    parser = argparse.ArgumentParser(prog="verdict-export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-factory", required=True, help="MODULE:FUNC building the model from the hyperparameters")
    parser.add_argument("--state-dict", required=True, help="weights-only state dict (model.pth) or Lightning .ckpt")
    add_bundle_arguments(parser)
    parser.add_argument("--output", choices=["logits", "probabilities"], default="logits",
                        help="what the model's forward returns")
    parser.add_argument("--chunk-execution", choices=list(CHUNK_MODES), default="auto",
                        help="text models: also export the chunk encoders and the head (auto: when the model "
                             "declares them or has the seed's layout; require: refuse a model without them; off)")
    args = parser.parse_args(argv)

    def export() -> ExportReport:
        hp = read_hyperparameters(args.hyperparameters)
        model = build_model(args.model_factory, hp, args.state_dict)
        return export_bundle(model, hp, args.sample_data, args.out, output=args.output,
                             chunk_execution=args.chunk_execution, **bundle_options(args))

    return run_and_report(export, lambda report: (
        f"wrote {report.bundle_dir} ({report.method}; {report.rows_checked} rows checked, "
        f"max |eager - exported| = {report.max_abs_difference:.3g})"))


if __name__ == "__main__":  # the verdict-export command, --onnx and --training-output included
    from verdict.migrate import main as verdict_export

    sys.exit(verdict_export())
