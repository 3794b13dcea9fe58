"""--precision end to end (docs/configuration.md PRECISION, docs/bundle-format.md "precision"):
explicit bf16 runs the tabular and text example bundles within their tolerance of fp32, the check
of a bundle whose tolerance is too small fails with the one-line error and _FAILURE, fp16 on the
CPU is refused, and auto on a CPU stays fp32 (AMX-BF16 or not). bf16 converts a program's weights
when its graph takes them, else runs under autocast with a warning; NaN in bf16 fails the check.
Probabilities are compared with tolerances, never bit for bit."""

from __future__ import annotations

import json
import pathlib
import shutil

import numpy as np
import pytest
import torch

from conftest import run_engine
from e2e.helpers import prediction_matrix, read_table
from e2e.test_bad_input import GOOD_CSV, assert_failed, bundle, write  # noqa: F401
from e2e.test_job_hardening import with_model
from e2e.test_tabular_e2e import Trained as TabularTrained
from e2e.test_text_e2e import Trained as TextTrained


@pytest.fixture(scope="module", params=["tabular", "bimodal"])
def trained(request, tmp_path_factory, engine):
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "tabular":
        return TabularTrained("binary", root, engine)
    return TextTrained("bimodal", root, engine)


def evaluate(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, *extra: str, env=None):
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--threads", "1",
                      "--output-dir", str(out / "out"), "--metrics-dir", str(out / "metrics"), *extra, env=env)


def probabilities(out: pathlib.Path) -> np.ndarray:
    predictions = read_table(next((out / "out").glob("eval_predictions.*")))
    return prediction_matrix(predictions, sum(c.startswith("prob_class_") for c in predictions.columns))


def test_export_records_bf16(trained):
    entry = json.loads((trained.bundle / "verdict.json").read_text())["precision"]["bf16"]
    assert entry["tolerance"] == 0.05
    assert 0 <= entry["max_abs_dp"] <= entry["tolerance"]


def test_explicit_bf16_is_within_the_tolerance(trained, tmp_path):
    fp32 = evaluate(trained.bundle, trained.sample, tmp_path / "fp32", "--precision", "fp32")
    assert fp32.returncode == 0, fp32.stderr
    assert "precision fp32 (asked for)" in fp32.stderr
    bf16 = evaluate(trained.bundle, trained.sample, tmp_path / "bf16", env={"PRECISION": "bf16"})
    assert bf16.returncode == 0, bf16.stderr
    assert "precision bf16 (asked for); max |dp| " in bf16.stderr
    assert "CPU: avx512_bf16 " in bf16.stderr
    difference = np.abs(probabilities(tmp_path / "bf16") - probabilities(tmp_path / "fp32"))
    assert difference.max() <= 0.05  # every row, not only the checked slice
    report = (tmp_path / "bf16" / "metrics" / "report.html").read_text()
    assert "bf16 (asked for)" in report


def test_auto_on_this_cpu(trained, tmp_path):
    done = evaluate(trained.bundle, trained.sample, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "precision fp32 (auto)" in done.stderr  # AMX-BF16 or not: bf16 must be asked for


def test_too_small_tolerance_fails_in_one_line(trained, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(trained.bundle, bundle)
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest["precision"]["bf16"]["tolerance"] = 1e-9
    (bundle / "verdict.json").write_text(json.dumps(manifest))
    done = evaluate(bundle, trained.sample, tmp_path, "--precision", "bf16")
    assert done.returncode == 1
    assert_failed(done, tmp_path, f"bundle '{bundle}' under --precision bf16 moves probabilities by max |dp| ",
                  "over its tolerance 1e-09 (verdict.json precision.bf16.tolerance); run it with --precision fp32")


def test_fp16_needs_a_gpu(trained, tmp_path):
    done = evaluate(trained.bundle, trained.sample, tmp_path, "--precision", "fp16", "--device", "cpu")
    assert done.returncode == 1
    assert_failed(done, tmp_path, "PRECISION fp16 needs a GPU")


def test_unknown_precision(trained, tmp_path):
    done = evaluate(trained.bundle, trained.sample, tmp_path, "--precision", "int8")
    assert_failed(done, tmp_path, "PRECISION 'int8' is not one of auto, fp32, bf16, fp16")



def test_example_graphs_that_refuse_bf16_weights_run_under_autocast(trained, tmp_path):
    """Both example models hold float32 that meets the converted weights (the tabular BatchNorm
    after a traced .to(float32), the text encoder's float mask): one warning, then autocast."""
    done = evaluate(trained.bundle, trained.sample, tmp_path, "--precision", "bf16")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "does not run with its weights in bf16" in line]
    assert len(warnings) == 1, done.stderr
    assert "RuntimeError: " in warnings[0] and warnings[0].endswith("it runs under autocast instead, slower")


class Scorer(torch.nn.Module):
    """Linear logits of the tiny bundle's two inputs: runs with its weights in bf16."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 3)
        with torch.no_grad():
            self.layer.weight.copy_(torch.tensor([[1.0, -0.5], [0.25, 0.75], [-1.0, 0.5]]))
            self.layer.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.layer(torch.stack([a, b], dim=1))


class NanInBf16(Scorer):
    """Finite in fp32; in bf16 (inputs cast, 8 bits of mantissa) 1000 + 1 - 1000 is 0, and 0 / 0."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        big = torch.full_like(a, 1000.0)
        one = (big + 1) - big
        return self.layer(torch.stack([a, b], dim=1)) * (one / one).unsqueeze(1)


def test_bf16_weights_when_the_graph_takes_them(tmp_path, bundle):
    with_model(bundle, Scorer())
    data = write(tmp_path / "d.csv", GOOD_CSV)
    fp32 = evaluate(bundle, data, tmp_path / "fp32", "--precision", "fp32")
    bf16 = evaluate(bundle, data, tmp_path / "bf16", "--precision", "bf16")
    assert fp32.returncode == 0 and bf16.returncode == 0, fp32.stderr + bf16.stderr
    assert "weights in bf16" not in bf16.stderr and "precision bf16 (asked for); max |dp| " in bf16.stderr
    difference = np.abs(probabilities(tmp_path / "bf16") - probabilities(tmp_path / "fp32"))
    assert 0 < difference.max() <= 0.05, "bf16 moves the probabilities a little, within the default tolerance"


def test_nan_in_bf16_fails_the_check(tmp_path, bundle):
    """A lower precision that gives NaN is infinitely far from fp32, not left out of the max."""
    with_model(bundle, NanInBf16())
    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert evaluate(bundle, data, tmp_path / "fp32", "--precision", "fp32").returncode == 0
    done = evaluate(bundle, data, tmp_path, "--precision", "bf16")
    assert_failed(done, tmp_path, "under --precision bf16 moves probabilities by max |dp| inf",
                  "run it with --precision fp32")
