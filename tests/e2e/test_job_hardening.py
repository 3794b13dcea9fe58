"""The job's own guards (issue 11): a model that raises or returns no probabilities, previous
scores that are not probabilities, and multiclass rows that do not sum to 1. Each bad case gets
one line `verdict: error: ...` naming the file and row, exit status 1, _FAILURE, no _SUCCESS and
no predictions file; the tiny fixture bundle gets a different model.pt for each case."""

from __future__ import annotations

import json
import math

import pytest
import torch

from conftest import run_engine
from e2e.test_bad_input import GOOD_CSV, assert_failed, bundle, run_eval, write  # noqa: F401


class Raises(torch.nn.Module):
    """Raises for a row whose `a` exceeds 100, as a model's own input check would."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if bool((a > 100).any()):
            raise ValueError("input a out of range")
        return torch.stack([a, b, a + b], dim=1)


class NanForLargeA(torch.nn.Module):
    """Logits that are NaN where `a` exceeds 100."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        logits = torch.stack([a, b, a + b], dim=1)
        return torch.where((a > 100).unsqueeze(1), torch.full_like(logits, float("nan")), logits)


class Fifths(torch.nn.Module):
    """'Probabilities' of 0.2 per class: rows sum to 0.6."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.full((a.shape[0], 3), 0.2) + 0 * a.unsqueeze(1)


def with_model(bundle, module: torch.nn.Module, output: str = "logits"):
    torch.jit.script(module).save(str(bundle / "model.pt"))
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest["output"] = output
    manifest.pop("sha256", None)
    (bundle / "verdict.json").write_text(json.dumps(manifest))
    return bundle


LARGE_A_CSV = GOOD_CSV + "4,1000,p,x\n5,1,q,y\n"


def without_labels(body: str) -> str:
    return "".join(line.rsplit(",", 1)[0] + "\n" for line in body.splitlines())


@pytest.mark.parametrize("labelled", [True, False], ids=["labels", "no-labels"])
def test_model_that_raises(tmp_path, bundle, labelled):
    body = LARGE_A_CSV if labelled else without_labels(LARGE_A_CSV)
    done = run_eval(tmp_path, with_model(bundle, Raises()), write(tmp_path / "d.csv", body))
    assert_failed(done, tmp_path, "failed on a batch", "input a out of range")
    lines = done.stderr.strip().splitlines()
    assert all(line.startswith("[verdict] ") for line in lines[:-1]), "no traceback: " + done.stderr


@pytest.mark.parametrize("labelled", [True, False], ids=["labels", "no-labels"])
def test_model_that_returns_nan(tmp_path, bundle, labelled):
    body = LARGE_A_CSV if labelled else without_labels(LARGE_A_CSV)
    done = run_eval(tmp_path, with_model(bundle, NanForLargeA()), write(tmp_path / "d.csv", body))
    assert_failed(done, tmp_path, "d.csv' row 4", "probability of class 0 is nan")


def test_declared_probabilities_that_do_not_sum_to_one(tmp_path, bundle):
    done = run_eval(tmp_path, with_model(bundle, Fifths(), output="probabilities"),
                    write(tmp_path / "d.csv", GOOD_CSV))
    assert_failed(done, tmp_path, "d.csv' row 1", "sum to 0.6")


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "26"])
def test_previous_score_outside_unit_interval(tmp_path, bundle, bad):
    data = write(tmp_path / "d.csv", "id,a,b,label,prev_0,prev_1,prev_2\n1,0.5,p,x,0.2,0.3,0.5\n"
                 f"2,0.1,q,z,{bad},0.1,0.2\n3,2,p,y,0.3,0.3,0.4\n")
    done = run_eval(tmp_path, bundle, data, env={"COMPARISON_MODE": "true",
                                                  "PREVIOUS_SCORE_FIELD": "prev_0,prev_1,prev_2"})
    assert_failed(done, tmp_path, "column 'prev_0' row 2", f"previous score {bad} is not a probability")


def test_metrics_previous_score_outside_unit_interval(tmp_path):
    predictions = write(tmp_path / "p.csv", "label,prob_class_0,prob_class_1,prev\n1,0.1,0.9,0.8\n0,0.8,0.2,273\n1,0.3,0.7,0.4\n")
    done = run_engine("metrics", "--predictions", str(predictions), "--label-col", "label",
                      "--previous-score-col", "prev", "--output-dir", str(tmp_path / "metrics"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"verdict: error: file '{predictions}' column 'prev' row 2: previous score 273 is not a "
        "probability in [0, 1]")
    assert (tmp_path / "metrics" / "_FAILURE").exists() and not (tmp_path / "metrics" / "_SUCCESS").exists()


def test_metrics_multiclass_rows_not_summing_to_one_warn(tmp_path):
    rows = ["label,prob_class_0,prob_class_1,prob_class_2"]
    rows += [f"{i % 3},0.1,0.05,0.05" for i in range(9)]  # each row sums to 0.2
    predictions = write(tmp_path / "p.csv", "\n".join(rows) + "\n")
    done = run_engine("metrics", "--predictions", str(predictions), "--label-col", "label", "--no-plots",
                      "--output-dir", str(tmp_path / "metrics"))
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "metrics" / "metrics.json").read_text())
    assert metrics["log_loss"] == pytest.approx(-math.log(0.1) / 3 - 2 * math.log(0.05) / 3, abs=1e-12), \
        "scikit-learn's value: the rows as they are"
    assert "the probabilities of row 0 sum to 0.2" in done.stderr and "make sure the score columns" in done.stderr
    assert metrics["auc_roc"] is not None, "the ranking metrics stay"


def test_data_where_the_predictions_go_is_refused_and_kept(tmp_path, bundle):
    data = write(tmp_path / "out" / "eval_predictions.csv", GOOD_CSV)
    done = run_eval(tmp_path, bundle, data)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"verdict: error: the data file '{data}' is where eval writes its predictions; move it or "
        "choose another --output-dir")
    assert data.read_text() == GOOD_CSV, "the input is neither deleted nor overwritten"
    assert (tmp_path / "metrics" / "_FAILURE").exists()


@pytest.mark.parametrize("locked", ["metrics", "out"])
def test_a_second_run_into_the_same_directory_fails_at_once(tmp_path, bundle, locked):
    import fcntl

    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert run_eval(tmp_path, bundle, data).returncode == 0
    with open(tmp_path / locked / ".verdict.lock", "w") as lock:  # another run holds it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        done = run_eval(tmp_path, bundle, data)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"verdict: error: another verdict run is writing into '{tmp_path / locked}'")
    # The running job's files are not touched: its markers and predictions stay.
    assert (tmp_path / "metrics" / "_SUCCESS").exists() and not (tmp_path / "metrics" / "_FAILURE").exists()
    assert (tmp_path / "out" / "eval_predictions.csv").exists()
    assert run_eval(tmp_path, bundle, data).returncode == 0, "the lock goes with its holder"


@pytest.mark.parametrize("signal_name,status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_termination_leaves_failure_and_no_partial_file(tmp_path, bundle, signal_name, status):
    import signal
    import subprocess
    import time

    import numpy as np
    import pandas as pd

    from conftest import ENGINE

    rows = 1_500_000  # a few seconds of work, so that the signal lands mid-run
    rng = np.random.default_rng(3)
    data = tmp_path / "big.csv"
    pd.DataFrame({"id": np.arange(rows), "a": rng.normal(size=rows).round(3),
                  "b": rng.choice(["p", "q"], size=rows), "label": rng.choice(["x", "y", "z"], size=rows)}
                 ).to_csv(data, index=False)
    process = subprocess.Popen([str(ENGINE), "eval", "--model-dir", str(bundle), "--data", str(data),
                                "--output-dir", str(tmp_path / "out"), "--metrics-dir", str(tmp_path / "metrics")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    partial = tmp_path / "out" / "eval_predictions.csv.partial"
    deadline = time.monotonic() + 60
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before the signal: make the data larger"
    process.send_signal(getattr(signal, signal_name))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    assert stderr.strip().splitlines()[-1] == f"verdict: error: terminated by {signal_name}; the run is incomplete"
    assert (tmp_path / "metrics" / "_FAILURE").read_text() == (
        f"Error: terminated by {signal_name}; the run is incomplete")
    assert not (tmp_path / "metrics" / "_SUCCESS").exists()
    assert list((tmp_path / "out").glob("eval_predictions*")) == []


def test_a_failed_rerun_leaves_no_earlier_outputs_and_keeps_the_users_files(tmp_path, bundle):
    metrics = tmp_path / "metrics"
    assert run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV)).returncode == 0
    written = {p.name for p in metrics.iterdir()}
    assert {"metrics.json", "metrics_summary.txt", "report.html", "roc_curve.jpg", "_SUCCESS"} <= written
    notes = write(metrics / "notes.txt", "the user's own file")
    bad = write(tmp_path / "bad.csv", GOOD_CSV.replace("1,0.5,p,x", "1,0.5,p,nope"))
    assert_failed(run_eval(tmp_path, bundle, bad), tmp_path, "bad.csv", "'nope'")
    left = {p.name for p in metrics.iterdir()}
    assert left == {"_FAILURE", "notes.txt", ".verdict-outputs", ".verdict.lock"}, left
    assert notes.read_text() == "the user's own file"
    # A good run after the failure writes everything again; the user's file is still untouched.
    assert run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV)).returncode == 0
    assert "metrics.json" in {p.name for p in metrics.iterdir()} and notes.exists()
