"""verdict-export's --format and verdict.json "precision" without compiling anything: an unknown
format and a machine without a C++ compiler are refused in one ExportError, and a TorchScript
export records bf16's measured max |dp| with the default tolerance. (Compiling AOTInductor
packages takes minutes: tests/e2e/test_aoti.py.)"""

from __future__ import annotations

import json

import pytest
import torch

from verdict import aoti, precision
from verdict.export import ExportError

from test_export_checks import exported
from tiny_models import Linear


def test_unknown_format_is_refused(tmp_path, monkeypatch):
    with pytest.raises(ExportError, match="format must be one of torchscript, aoti, not 'onnx'"):
        exported(tmp_path, monkeypatch, Linear(), format="onnx")


def test_aoti_without_a_compiler_says_so(monkeypatch):
    monkeypatch.setattr(aoti.shutil, "which", lambda name: None)
    with pytest.raises(ExportError, match="compiles C\\+\\+ at export time, but no C\\+\\+ compiler"):
        aoti.check_compiler()


def test_torchscript_export_records_bf16(tmp_path, monkeypatch):
    bundle = exported(tmp_path, monkeypatch, Linear())
    entry = json.loads((bundle / "verdict.json").read_text())["precision"]["bf16"]
    assert entry["tolerance"] == precision.DEFAULT_TOLERANCE
    assert 0 <= entry["max_abs_dp"] <= entry["tolerance"]
    if not torch.cuda.is_available():
        assert "fp16" not in json.loads((bundle / "verdict.json").read_text())["precision"]


def test_a_measurement_over_the_tolerance_is_kept_with_a_note(tmp_path, monkeypatch):
    notes: list[str] = []
    bundle = exported(tmp_path, monkeypatch, Linear())
    inputs = [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]
    reference = torch.zeros((2, 2))  # far from anything the model returns
    entries = precision.precision_entries(bundle / "model.pt", [(inputs, reference)],
                                          lambda raw: torch.softmax(raw, dim=1), notes, tolerance=1e-9)
    assert entries["bf16"]["max_abs_dp"] > 1e-9
    assert notes and "verdict eval --precision bf16 will refuse this bundle" in notes[0]


class TwoInputs(torch.nn.Module):
    """A linear layer over two input tensors: runs with its weights in bf16."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(2, 2)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.layer(torch.stack([a, b], dim=1))


class CastsToFloat32(TwoInputs):
    """A graph that refuses bf16 weights: its explicit float32 cast meets a bf16 layer."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.layer(torch.stack([a, b], dim=1).to(torch.float32))


class NanInBf16(torch.nn.Module):
    """Finite in fp32; in bf16 1000 + 1 - 1000 is 0, and 0 / 0 is NaN."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        big = torch.full_like(a, 1000.0)
        one = (big + 1) - big
        return torch.stack([a, b], dim=1) * (one / one).unsqueeze(1)


def measured(tmp_path, module: torch.nn.Module, notes: list[str]) -> dict:
    """precision_entries of `module` scripted, against its own fp32 probabilities."""
    path = tmp_path / "model.pt"
    torch.jit.script(module).save(str(path))
    inputs = [torch.tensor([0.5, 2.0]), torch.tensor([1.0, -3.0])]
    with torch.inference_mode():
        reference = torch.softmax(module(*inputs), dim=1)
    return precision.precision_entries(path, [(inputs, reference)], lambda raw: torch.softmax(raw, dim=1), notes)


def test_bf16_measured_as_eval_runs_it(tmp_path):
    """bf16 with converted weights where the graph takes them, else autocast (src/bundle/program.cc)."""
    notes: list[str] = []
    for module in (TwoInputs(), CastsToFloat32()):
        entry = measured(tmp_path, module, notes)["bf16"]
        assert 0 <= entry["max_abs_dp"] <= entry["tolerance"], type(module).__name__
    assert notes == []


def test_nan_in_bf16_is_recorded_as_the_largest_move_with_a_note(tmp_path):
    notes: list[str] = []
    assert measured(tmp_path, NanInBf16(), notes)["bf16"]["max_abs_dp"] == 1.0
    assert len(notes) == 1 and notes[0].startswith("bf16 gives NaN probabilities on the sample")
