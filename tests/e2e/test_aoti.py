"""AOTInductor bundles end to end (verdict-export --format aoti, docs/bundle-format.md "backend:
aoti"): the tabular and the bimodal text example exported as AOTInductor packages give the
probabilities of their TorchScript bundles within 1e-5 (the text one in chunk-level and whole-model
execution); a corrupt package is a one-line error naming the file; the precision a package was
compiled in is the only one it runs in.

Compiling a package takes a C++ compile per program (a minute or more on a busy 2-core machine;
the text bundle has three). The tabular case (one program, about 40 s) runs in `make test`; the
bimodal case runs only with VERDICT_TEST_AOTI=1 (make test-aoti)."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil

import numpy as np
import pytest

from conftest import run_engine
from e2e.helpers import prediction_matrix, read_table
from e2e.test_bad_input import assert_failed
from e2e.test_tabular_e2e import Trained as TabularTrained
from e2e.test_text_e2e import Trained as TextTrained
from verdict.export import _read_json_beside, export_bundle

SLOW_COMPILE = pytest.mark.skipif(not os.environ.get("VERDICT_TEST_AOTI"),
                                  reason="three AOTInductor compiles take minutes: VERDICT_TEST_AOTI=1 (make test-aoti)")
TOLERANCE = 1e-5


class Both:
    """An example model's TorchScript bundle (the example's own) and its AOTInductor bundle."""

    def __init__(self, trained, root: pathlib.Path, engine: str, **options):
        self.trained = trained
        self.torchscript = trained.bundle
        report = export_bundle(trained.model, trained.hp, str(trained.sample), str(root / "aoti"), engine=engine,
                               format="aoti", **options)
        self.aoti = pathlib.Path(report.bundle_dir)
        self.report = report


@pytest.fixture(scope="module", params=["tabular", pytest.param("bimodal", marks=SLOW_COMPILE)])
def both(request, tmp_path_factory, engine) -> Both:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "tabular":
        trained = TabularTrained("binary", root, engine)
        hp_path = str(trained.train_output / "hyperparameters.json")
        return Both(trained, root, engine, risk_table_map=_read_json_beside(hp_path, "risk_table_map.json"),
                    impute_dict=_read_json_beside(hp_path, "impute_dict.json"))
    trained = TextTrained("bimodal", root, engine)
    return Both(trained, root, engine, risk_table_map=trained.risk, tokenizer=trained.train_output / "tokenizer")


def evaluate(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, *extra: str):
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--threads", "1",
                      "--output-dir", str(out / "out"), "--metrics-dir", str(out / "metrics"), *extra)


def probabilities(out: pathlib.Path) -> np.ndarray:
    predictions = read_table(next((out / "out").glob("eval_predictions.*")))
    return prediction_matrix(predictions, sum(c.startswith("prob_class_") for c in predictions.columns))


def test_the_bundle_holds_packages(both):
    manifest = json.loads((both.aoti / "verdict.json").read_text())
    assert manifest["backend"] == "aoti" and manifest["model_file"] == "model.pt2"
    assert "model.pt2" in manifest["sha256"] and not (both.aoti / "model.pt").exists()
    assert "precision" not in manifest
    assert both.report.method == "aoti" and both.report.max_abs_difference <= TOLERANCE
    if manifest["text_fields"]:
        chunked = manifest["chunk_execution"]
        assert chunked["head"] == "head.pt2"
        assert all(path.endswith(".pt2") and path in manifest["sha256"] for path in chunked["encoders"].values())
    done = run_engine("inspect", str(both.aoti))
    assert done.returncode == 0, done.stderr
    assert "model.pt2 (aoti)" in done.stdout


@pytest.mark.parametrize("execution", ["auto", "model"])
def test_probabilities_equal_the_torchscript_bundle(both, execution, tmp_path):
    runs = {}
    for name, bundle in (("torchscript", both.torchscript), ("aoti", both.aoti)):
        done = evaluate(bundle, both.trained.sample, tmp_path / name, "--execution", execution)
        assert done.returncode == 0, done.stderr
        runs[name] = probabilities(tmp_path / name)
    assert np.abs(runs["aoti"] - runs["torchscript"]).max() <= TOLERANCE


def test_precision_other_than_fp32_is_refused(both, tmp_path):
    done = evaluate(both.aoti, both.trained.sample, tmp_path, "--precision", "bf16")
    assert_failed(done, tmp_path, "is AOTInductor, which runs in the precision it was compiled in (fp32)")
    auto = evaluate(both.aoti, both.trained.sample, tmp_path / "auto")
    assert auto.returncode == 0, auto.stderr
    assert "precision fp32 (auto)" in auto.stderr


def test_corrupt_package_is_one_line_naming_the_file(both, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(both.aoti, bundle)
    (bundle / "model.pt2").write_bytes(b"not a zip archive")
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest["sha256"]["model.pt2"] = hashlib.sha256(b"not a zip archive").hexdigest()
    (bundle / "verdict.json").write_text(json.dumps(manifest))
    done = evaluate(bundle, both.trained.sample, tmp_path, "--execution", "model")
    assert_failed(done, tmp_path, f"cannot load model '{bundle / 'model.pt2'}'")
