"""GPU readiness checks that run without a GPU (issue 10 item 5): --fallback-cpu (FALLBACK_CPU)
when CUDA is asked for where there is none, the clear one-line error without it, and the device
facts in the log. The GPU side itself is checked by bench/gpu/check.sh on a GPU machine."""

from __future__ import annotations

import html
import pathlib
import shutil

import pytest
import torch

from conftest import ROOT, run_engine
from e2e.test_bad_input import GOOD_CSV, assert_failed, write

FIXTURE = ROOT / "tests" / "golden" / "bundle" / "tiny"
FALLBACK = "the GPU cannot be used (DEVICE 'cuda' asks for a GPU, but CUDA is not available"

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


def run(tmp_path: pathlib.Path, *extra: str, env: dict | None = None):
    bundle = tmp_path / "bundle"
    if not bundle.exists():
        shutil.copytree(FIXTURE, bundle)
    data = write(tmp_path / "data.csv", GOOD_CSV)
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                      str(tmp_path / "out"), "--metrics-dir", str(tmp_path / "metrics"), *extra,
                      env=env)


def test_cuda_without_fallback_is_a_one_line_error(tmp_path):
    done = run(tmp_path, "--device", "cuda")
    assert done.returncode == 1
    assert_failed(done, tmp_path, "DEVICE 'cuda' asks for a GPU, but CUDA is not available")


@pytest.mark.parametrize("how", [("--device", "cuda", "--fallback-cpu"), ("--accelerator", "gpu", "--fallback-cpu")],
                         ids=["device", "accelerator"])
def test_fallback_cpu_runs_on_the_cpu_with_one_warning(tmp_path, how):
    done = run(tmp_path, *how)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line and "GPU cannot be used" in line]
    assert len(warnings) == 1, done.stderr
    assert "running on the CPU instead (--fallback-cpu)" in warnings[0]
    assert (tmp_path / "metrics" / "_SUCCESS").exists()
    assert not (tmp_path / "metrics" / "_FAILURE").exists()
    # The same predictions as a run on the CPU, byte for byte.
    cpu = tmp_path / "cpu"
    assert run(cpu, "--device", "cpu").returncode == 0
    assert (tmp_path / "out" / "eval_predictions.csv").read_bytes() == \
        (cpu / "out" / "eval_predictions.csv").read_bytes()
    # Recorded in the run table of report.html, with the device the model ran on.
    report = html.unescape((tmp_path / "metrics" / "report.html").read_text())
    assert "fallback" in report and FALLBACK in report


@pytest.mark.parametrize("value, ok", [("1", True), ("true", True), ("false", False), ("0", False)])
def test_fallback_cpu_from_the_environment(tmp_path, value, ok):
    done = run(tmp_path, env={"DEVICE": "cuda", "FALLBACK_CPU": value})
    assert (done.returncode == 0) == ok, done.stderr
    assert (FALLBACK in done.stderr) == ok


def test_fallback_cpu_does_not_hide_other_device_errors(tmp_path):
    done = run(tmp_path, "--device", "2", "--fallback-cpu")
    assert_failed(done, tmp_path, "asks for several GPUs")


def test_log_says_the_libtorch_version_and_cpu_capability(tmp_path):
    done = run(tmp_path, "--device", "cpu")
    assert done.returncode == 0, done.stderr
    version = torch.__version__.split("+")[0]
    facts = [line for line in done.stderr.splitlines() if f"LibTorch {version}, CPU capability " in line]
    assert len(facts) == 1, done.stderr
    assert "GPU" not in facts[0]
