"""The exporter's refusals of what would silently corrupt every later number (docs/bundle-format.md,
"Exporter checks"), its bundle digests, and what it leaves behind. Tiny modules, no training; the
engine's `verdict features` is replaced by a fixed batch."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from typing import Dict

import pytest
import torch
from torch import nn

from verdict import export
from verdict.export import (FORWARD_SIGNATURE, MANIFEST, PROBABILITY_TOLERANCE, ExportError,
                            check_forward_signature, check_output, eager_output, load_factory)
from tiny_models import HP, Linear

BINARY = HP
MULTICLASS = dict(BINARY, is_binary=False, num_classes=3)
# a's mean is positive over all rows and negative over the first five: see Branchy.
A = [-5.0, -5.0, -5.0, -5.0, -5.0, 10.0, 10.0, 10.0]


def sample_batch() -> dict[str, torch.Tensor]:
    return {"a": torch.tensor(A), "b": torch.linspace(-2.0, 3.0, len(A))}


class Positional(nn.Module):
    def forward(self, a, b):
        return torch.stack([a, -b], dim=1)


class Branchy(nn.Module):
    """Data-dependent control flow: tracing freezes one branch, so the export falls back to
    torch.jit.script (the half batch the check also runs takes the other branch)."""

    def forward(self, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
        x = torch.stack([batch["a"], batch["b"]], dim=1)
        if float(x[:, 0].mean()) > 0:
            return x
        return -x


def exported(tmp_path, monkeypatch, model, hp=BINARY, **options):
    """export_bundle on the fixed batch; returns the bundle folder."""
    monkeypatch.setattr(export, "find_engine", lambda explicit=None: "verdict")
    monkeypatch.setattr(export, "engine_features", lambda engine, bundle, data, names: sample_batch())
    sample = tmp_path / "sample.csv"
    sample.write_text("a,b,y\n1,2,0\n")
    export.export_bundle(model, hp, str(sample), str(tmp_path / "out" / "bundle"), **options)
    return tmp_path / "out" / "bundle"


# ---------------------------------------------------------------------------------------------
# Outputs that already are probabilities


@pytest.mark.parametrize("hp, width, head", [
    (BINARY, 2, nn.Softmax(dim=1)),
    (MULTICLASS, 3, nn.Softmax(dim=1)),
    (BINARY, 1, nn.Sigmoid()),
])
def test_probabilities_declared_as_logits_are_refused(tmp_path, monkeypatch, hp, width, head):
    with pytest.raises(ExportError, match="look like probabilities already.*--output probabilities"):
        exported(tmp_path, monkeypatch, Linear(width, head), hp)
    assert list((tmp_path / "out").iterdir()) == []  # nothing written, no staging folder left


@pytest.mark.parametrize("hp, width, head", [
    (BINARY, 2, nn.Softmax(dim=1)),
    (MULTICLASS, 3, nn.Softmax(dim=1)),
    (BINARY, 1, nn.Sigmoid()),
])
def test_probabilities_declared_as_probabilities_are_exported(tmp_path, monkeypatch, hp, width, head):
    bundle = exported(tmp_path, monkeypatch, Linear(width, head), hp, output="probabilities")
    assert json.loads((bundle / MANIFEST).read_text())["output"] == "probabilities"


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("width", [1, 2, 3, 7])
def test_logits_are_never_mistaken_for_probabilities(seed, width):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(64, width, generator=generator) * 3
    task, classes = ("binary", 2) if width <= 2 else ("multiclass", width)
    check_output(logits, 64, task, classes, "logits")
    if width > 1:  # log-probabilities are logits too: softmax gives the same probabilities
        check_output(torch.log_softmax(logits, dim=1), 64, task, classes, "logits")


def test_one_row_of_logits_summing_to_one_is_not_enough():
    logits = torch.tensor([[0.25, 0.75], [0.5, 0.5], [2.0, -1.5]])
    check_output(logits, 3, "binary", 2, "logits")


def test_a_single_logit_outside_the_unit_interval_is_a_logit():
    check_output(torch.tensor([0.2, 0.9, 1.3, 0.4]), 4, "binary", 2, "logits")
    check_output(torch.tensor([[0.2], [-0.01]]), 2, "binary", 2, "logits")


# ---------------------------------------------------------------------------------------------
# Declared probabilities that are not


@pytest.mark.parametrize("raw, message", [
    (torch.tensor([0.4, -0.17, 0.9]), r"sample row 1 has \[-0.17.*outside \[0, 1\]"),
    (torch.tensor([[0.4], [1.5]]), r"sample row 1 has \[1.5\], outside \[0, 1\]"),
    (torch.tensor([[0.5, 0.5], [0.3, 0.6]]), "sample row 1 sums to 0.9, not 1"),
    (torch.tensor([[0.5, 0.5], [1.2, -0.2]]), "sample row 1 has .*outside"),
])
def test_declared_probabilities_must_be_probabilities(raw, message):
    with pytest.raises(ExportError, match=message):
        check_output(raw, len(raw), "binary", 2, "probabilities")


def test_declared_probabilities_may_miss_one_by_the_stated_tolerance():
    off = PROBABILITY_TOLERANCE / 2
    check_output(torch.tensor([[0.3, 0.7 + off], [0.6 - off, 0.4]]), 2, "binary", 2, "probabilities")


def test_single_logit_probability_option_refused_end_to_end(tmp_path, monkeypatch):
    """The newcomer's case: --output probabilities on a single logit wrote prob_class_1 = -0.17."""
    with pytest.raises(ExportError, match=r"outside \[0, 1\].*--output logits"):
        exported(tmp_path, monkeypatch, Linear(1), output="probabilities")


@pytest.mark.filterwarnings("ignore:.*torch.jit.load. is deprecated:DeprecationWarning")
def test_single_logit_binary_model_is_exported_as_the_logit_of_class_1(tmp_path, monkeypatch):
    model = Linear(1)
    bundle = exported(tmp_path, monkeypatch, model)
    scripted = torch.jit.load(str(bundle / "model.pt"))
    batch = sample_batch()
    out = scripted(batch["a"], batch["b"])
    assert out.shape == (len(A), 1)
    expected = export.probabilities(model(batch), "binary", "logits")
    assert torch.allclose(export.probabilities(out, "binary", "logits"), expected, atol=1e-6)
    assert torch.allclose(expected[:, 1], torch.sigmoid(model(batch).reshape(-1)), atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Output width and values


@pytest.mark.parametrize("hp, width, message", [
    (BINARY, 3, "returns 3 outputs per row but the hyperparameters give 2 classes"),
    (MULTICLASS, 2, "returns 2 outputs per row but the hyperparameters give 3 classes"),
    (MULTICLASS, 1, "returns 1 outputs per row but the hyperparameters give 3 classes"),
    (dict(MULTICLASS, num_classes=4, multiclass_categories=list("wxyz")), 3,
     "returns 3 outputs per row but the hyperparameters give 4 classes"),
])
def test_output_width_must_match_the_classes(tmp_path, monkeypatch, hp, width, message):
    with pytest.raises(ExportError, match=message):
        exported(tmp_path, monkeypatch, Linear(width), hp)


@pytest.mark.parametrize("raw", [torch.zeros(8, 2, 1), torch.zeros(4, 2), torch.tensor(0.5)])
def test_output_shape_must_be_rows_by_classes(raw):
    with pytest.raises(ExportError, match="for 8 rows; verdict needs"):
        check_output(raw, 8, "binary", 2, "logits")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("output", ["logits", "probabilities"])
def test_output_must_be_finite(bad, output):
    raw = torch.tensor([[0.5, 0.5], [0.25, 0.75], [bad, 0.0]])
    with pytest.raises(ExportError, match="for sample row 2: not finite"):
        check_output(raw, 3, "binary", 2, output)


# ---------------------------------------------------------------------------------------------
# The forward signature


def test_positional_forward_is_explained(tmp_path, monkeypatch):
    with pytest.raises(ExportError) as error:
        exported(tmp_path, monkeypatch, Positional())
    message = str(error.value)
    assert "forward(self, a, b)" in message and FORWARD_SIGNATURE in message
    assert "inputs: a, b" in message and not message.endswith("scripting: ")


class Keywords(nn.Module):
    def forward(self, **batch):
        return batch


class Nothing(nn.Module):
    def forward(self):
        return torch.zeros(1)


class Extra(nn.Module):
    def forward(self, batch, *, scale):
        return batch


@pytest.mark.parametrize("model, found", [
    (Keywords(), "forward(self, **batch)"), (Nothing(), "forward(self)"),
    (Extra(), "forward(self, batch, *, scale)"),
])
def test_forward_that_cannot_take_the_batch_dict_is_refused(model, found):
    with pytest.raises(ExportError, match=rf"{re.escape(found)}.*batch: dict"):
        check_forward_signature(model, ["a"])


class Optional(nn.Module):
    def forward(self, batch, return_hidden: bool = False):
        return batch


class Star(nn.Module):
    def forward(self, *inputs):
        return inputs


@pytest.mark.parametrize("model", [Linear(2), Optional(), Star(), Branchy()])
def test_forward_taking_the_batch_dict_is_accepted(model):
    check_forward_signature(model, ["a", "b"])


def test_forward_that_fails_on_the_batch_names_the_required_signature():
    class Broken(nn.Module):
        def forward(self, batch):
            return batch["missing"]

    with pytest.raises(ExportError, match=r"fails on the sample rows \(KeyError: 'missing'\).*batch: dict"):
        eager_output(Broken(), sample_batch(), ["a", "b"])


def test_positional_forward_with_defaults_names_what_it_found():
    class Defaults(nn.Module):
        def forward(self, a, b=None):
            return torch.stack([a, b], dim=1)

    with pytest.raises(ExportError, match=r"TypeError.*its forward is forward\(self, a, b=None\); "
                                          r"verdict calls forward\(self, batch: dict"):
        eager_output(Defaults(), sample_batch(), ["a", "b"])


# ---------------------------------------------------------------------------------------------
# Bundle integrity and leftovers


def test_manifest_records_the_sha256_of_every_other_file(tmp_path, monkeypatch):
    bundle = exported(tmp_path, monkeypatch, Linear(2), BINARY, impute_dict={"a": 1.0})
    manifest = json.loads((bundle / MANIFEST).read_text())
    files = {p.name for p in bundle.iterdir()}
    assert set(manifest["sha256"]) == files - {MANIFEST}
    assert {"model.pt", "hyperparameters.json", "impute_dict.json", "export_check.json"} <= files
    for name, digest in manifest["sha256"].items():
        assert digest == hashlib.sha256((bundle / name).read_bytes()).hexdigest()
        assert len(digest) == 64 and digest == digest.lower()
    assert not any(name.endswith(".partial") for name in files)


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
def test_script_fallback_leaves_no_temporary_folder(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    bundle = exported(tmp_path, monkeypatch, Branchy())
    assert json.loads((bundle / "export_check.json").read_text())["method"] == "script"
    assert list(temporary.iterdir()) == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["bundle"]


# ---------------------------------------------------------------------------------------------
# Model factories


def test_factory_file_may_import_its_siblings_and_sys_path_is_restored(tmp_path):
    (tmp_path / "verdict_test_sibling.py").write_text("WIDTH = 3\n")
    (tmp_path / "models.py").write_text(
        "import verdict_test_sibling\n\ndef make(hp):\n    return verdict_test_sibling.WIDTH\n")
    before = list(sys.path)
    try:
        assert load_factory(f"{tmp_path / 'models.py'}:make")({}) == 3
        assert sys.path == before
    finally:
        sys.modules.pop("verdict_test_sibling", None)


def test_factory_file_that_fails_restores_sys_path(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('no gpu')\n")
    before = list(sys.path)
    with pytest.raises(ExportError, match="cannot run model factory file .*RuntimeError: no gpu"):
        load_factory(f"{tmp_path / 'broken.py'}:make")
    assert sys.path == before


def test_module_factory_that_cannot_be_imported_says_how_to_pass_a_file():
    with pytest.raises(ExportError, match=r"cannot import 'verdict_nope.models' \(ModuleNotFoundError.*"
                                          r"--model-factory path/to/verdict_nope/models.py:FUNC"):
        load_factory("verdict_nope.models:make")
