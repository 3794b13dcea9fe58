"""--precision end to end (docs/configuration.md PRECISION, docs/bundle-format.md "precision"):
explicit bf16 runs the tabular and text example bundles within their tolerance of fp32, the check
of a bundle whose tolerance is too small fails with the one-line error and _FAILURE, fp16 on the
CPU is refused, and auto on a CPU without AMX-BF16 stays fp32. Probabilities are compared with
tolerances, never bit for bit."""

from __future__ import annotations

import json
import pathlib
import shutil

import numpy as np
import pytest

from conftest import run_engine
from e2e.helpers import prediction_matrix, read_table
from e2e.test_bad_input import assert_failed
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
    has_amx = "amx_bf16 yes" in done.stderr
    assert ("precision bf16 (auto)" if has_amx else "precision fp32 (auto)") in done.stderr


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
