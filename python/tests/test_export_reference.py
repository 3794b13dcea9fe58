"""Reproducible exports: verdict.json's "reference" (torch and transformers versions, attention
implementation) and the reference probabilities of the checked sample rows; the choice of those
rows (check_rows). Tiny modules; the engine's features are replaced by a fixed batch."""

from __future__ import annotations

import json
import sys
import types

import torch
from torch import nn

from verdict import export
from verdict.export import CHECK_ROWS, REFERENCE_FILE, check_rows, probabilities
from tiny_models import HP, Linear

ROWS = 40


class WithConfig(Linear):
    """A module carrying a Hugging Face-like config, as transformers' models do."""

    def __init__(self, implementation: str):
        super().__init__()
        self.inner = nn.Module()
        self.inner.config = types.SimpleNamespace(_attn_implementation=implementation)


def sample_batch() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    return {"a": torch.randn(ROWS, generator=generator), "b": torch.randn(ROWS, generator=generator)}


def export_it(tmp_path, monkeypatch, model):
    batch = sample_batch()
    monkeypatch.setattr(export, "find_engine", lambda explicit=None: "verdict")
    monkeypatch.setattr(export, "engine_features", lambda *args, **kwargs: batch)
    sample = tmp_path / "sample.csv"
    sample.write_text("a,b,y\n1,2,0\n")
    export.export_bundle(model, HP, str(sample), str(tmp_path / "bundle"))
    folder = tmp_path / "bundle"
    return folder, json.loads((folder / "verdict.json").read_text())


def test_reference_records_versions_and_probabilities(tmp_path, monkeypatch):
    model = Linear()
    folder, manifest = export_it(tmp_path, monkeypatch, model)
    reference = manifest["reference"]
    assert reference["torch"] == torch.__version__
    transformers = sys.modules.get("transformers")
    assert reference["transformers"] == (transformers.__version__ if transformers else "n/a")
    assert reference["attention_implementation"] == "n/a"
    assert reference["probabilities"] == REFERENCE_FILE
    assert REFERENCE_FILE in manifest["sha256"]
    recorded = json.loads((folder / REFERENCE_FILE).read_text())
    assert recorded["format"] == "verdict-reference-probabilities"
    assert recorded["semantics"] == "served"
    # A tabular model is checked, and its reference recorded, on every sample row.
    assert recorded["rows"] == ROWS
    assert recorded["sample_rows"] == list(range(ROWS))
    batch = sample_batch()
    with torch.inference_mode():
        want = probabilities(model(batch), "binary", "logits")
    assert torch.allclose(torch.tensor(recorded["probabilities"]), want, atol=1e-7)


def test_attention_implementation_of_hugging_face_modules(tmp_path, monkeypatch):
    assert export.attention_implementation(WithConfig("sdpa")) == "sdpa"
    both = WithConfig("eager")
    both.other = WithConfig("sdpa")
    assert export.attention_implementation(both) == "eager,sdpa"
    _, manifest = export_it(tmp_path, monkeypatch, WithConfig("sdpa"))
    assert manifest["reference"]["attention_implementation"] == "sdpa"


def test_check_rows_cover_every_chunk_count_first():
    counts = [1] * 30 + [2, 3, 1, 4]
    ids = torch.zeros((len(counts), 4, 6), dtype=torch.int64)
    for r, c in enumerate(counts):
        ids[r, :c, :3] = 7
    batch = {"t_ids": ids, "t_mask": (ids != 0).to(torch.int64), "x": torch.arange(len(counts), dtype=torch.float32)}
    rows, subset = check_rows(batch, [("t_ids", "t_mask")], limit=6)
    assert rows == [0, 1, 2, 30, 31, 33]
    assert subset["x"].tolist() == [float(r) for r in rows]
    assert subset["t_ids"].shape == (6, 4, 6)  # the most chunks of these rows; T unchanged
    rows, subset = check_rows(batch, [("t_ids", "t_mask")], limit=3)
    assert rows == [0, 30, 31]
    assert subset["t_ids"].shape == (3, 3, 6)


def test_check_rows_of_a_small_sample_are_all_rows():
    batch = {"x": torch.arange(5, dtype=torch.float32)}
    rows, subset = check_rows(batch, [])
    assert rows == [0, 1, 2, 3, 4]
    assert subset["x"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_model_without_text_is_checked_on_every_sample_row():
    batch = {"x": torch.arange(3 * CHECK_ROWS, dtype=torch.float32)}
    rows, subset = check_rows(batch, [])
    assert rows == list(range(3 * CHECK_ROWS))
    assert len(subset["x"]) == 3 * CHECK_ROWS
