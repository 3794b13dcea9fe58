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
    entries = precision.precision_entries(bundle / "model.pt", inputs, reference,
                                          lambda raw: torch.softmax(raw, dim=1), notes, tolerance=1e-9)
    assert entries["bf16"]["max_abs_dp"] > 1e-9
    assert notes and "verdict eval --precision bf16 will refuse this bundle" in notes[0]
