"""Bad input gets a clear one-line error naming the file, column or row, a non-zero exit,
_FAILURE and never _SUCCESS, and no predictions file left behind."""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest

from conftest import ROOT, run_engine

FIXTURE = ROOT / "tests" / "golden" / "bundle" / "tiny"
GOOD_CSV = "id,a,b,label\n1,0.5,p,x\n2,,q,z\n3,2,,y\n"


@pytest.fixture
def bundle(tmp_path) -> pathlib.Path:
    copy = tmp_path / "bundle"
    shutil.copytree(FIXTURE, copy)
    return copy


def write(path: pathlib.Path, body: str | bytes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return path


def run_eval(tmp_path, bundle, data, env=None):
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                      str(tmp_path / "out"), "--metrics-dir", str(tmp_path / "metrics"), env=env)


def assert_failed(done, tmp_path, *fragments):
    assert done.returncode == 1, done.stderr  # not a crash, nor a sanitizer's report (86)
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("verdict: error: ")
    for fragment in fragments:
        assert fragment in last, last
    metrics = tmp_path / "metrics"
    assert (metrics / "_FAILURE").read_text().startswith("Error: ")
    assert not (metrics / "_SUCCESS").exists() and not (metrics / "_HEALTH").exists()
    leftovers = list((tmp_path / "out").glob("eval_predictions*")) if (tmp_path / "out").exists() else []
    assert leftovers == []


def test_good_input_succeeds(tmp_path, bundle):
    done = run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "metrics" / "_SUCCESS").exists()


def test_missing_data_file(tmp_path, bundle):
    assert_failed(run_eval(tmp_path, bundle, tmp_path / "nope.csv"), tmp_path, "nope.csv", "does not exist")


def test_missing_bundle_manifest(tmp_path, bundle):
    (bundle / "verdict.json").unlink()
    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "has no verdict.json")


def test_missing_column(tmp_path, bundle):
    data = write(tmp_path / "d.csv", "id,a,label\n1,0.5,x\n")
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "d.csv", "no column 'b'")


def test_non_numeric_value(tmp_path, bundle):
    data = write(tmp_path / "d.tsv", "id\ta\tb\tlabel\n1\t0.5\tp\tx\n2\tabc\tq\ty\n")
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "d.tsv", "column 'a' row 2", "'abc' is not a number")


def test_empty_file(tmp_path, bundle):
    assert_failed(run_eval(tmp_path, bundle, write(tmp_path / "d.csv", "")), tmp_path, "d.csv", "is empty")


def test_header_only(tmp_path, bundle):
    assert_failed(run_eval(tmp_path, bundle, write(tmp_path / "d.csv", "id,a,b,label\n")), tmp_path, "has no rows")


def test_corrupt_model_file(tmp_path, bundle):
    (bundle / "model.pt").write_bytes(b"\x00garbage")
    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "cannot load model", "model.pt")


def test_bundle_inputs_do_not_match_model(tmp_path, bundle):
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest["inputs"].append({"name": "c", "kind": "tabular", "field": "a"})
    (bundle / "verdict.json").write_text(json.dumps(manifest))
    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "takes 2 inputs but verdict.json lists 3")


def test_unknown_label(tmp_path, bundle):
    data = write(tmp_path / "d.csv", "id,a,b,label\n1,0.5,p,x\n2,1,q,w\n")
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "column 'label' row 2", "'w' is not one of")


def test_invalid_utf8(tmp_path, bundle):
    data = write(tmp_path / "d.csv", b"id,a,b,label\n1,0.5,p,x\n\xff\xfe,1,q,y\n")
    assert_failed(run_eval(tmp_path, bundle, data), tmp_path, "column 'id' row 2", "not valid UTF-8")


def test_bad_device_value(tmp_path, bundle):
    data = write(tmp_path / "d.csv", GOOD_CSV)
    assert_failed(run_eval(tmp_path, bundle, data, env={"DEVICE": "tpu"}), tmp_path, "DEVICE 'tpu'")


def test_bad_threshold_flag(tmp_path, bundle):
    data = write(tmp_path / "d.csv", GOOD_CSV)
    done = run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                      str(tmp_path / "out"), "--metrics-dir", str(tmp_path / "metrics"), "--thresholds", "0.3,x")
    assert_failed(done, tmp_path, "threshold 'x'")


def test_failure_after_success_removes_stale_outputs(tmp_path, bundle):
    assert run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV)).returncode == 0
    assert (tmp_path / "out" / "eval_predictions.csv").exists()
    bad = write(tmp_path / "bad.csv", "id,a,b,label\n1,zz,p,x\n")
    assert_failed(run_eval(tmp_path, bundle, bad), tmp_path, "'zz' is not a number")
