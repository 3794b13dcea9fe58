"""Smoke test of an installed verdict wheel (`make test-wheel` runs it in a scratch virtual
environment outside the clone, from another folder): export (a state dict, and model.onnx through
the onnx extra), eval, inspect, metrics and the Python API through the installed console scripts
and package only, and no path of the build machine in the installed binaries.

    python wheel_smoke.py CLONE_ROOT
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import torch

import verdict

FACTORY = '''
import torch


class Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 2)

    def forward(self, batch):
        return self.layer(torch.stack([batch["a"], batch["b"]], dim=1))


def build_model(hyperparameters):
    return Linear()
'''
HP = {"label_name": "y", "id_name": "id", "tab_field_list": ["a", "b"], "is_binary": True, "num_classes": 2}


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"smoke: {' '.join(command)} failed:\n{done.stderr}")
    return done.stdout


def check_installed_files(clone: pathlib.Path) -> None:
    package = pathlib.Path(verdict.__file__).parent
    if clone in package.parents:
        sys.exit(f"smoke: verdict imported from the clone ({package})")
    binaries = [package / "bin" / "verdict", package / "bin" / "verdict-model", *package.glob("_engine*.so")]
    if len(binaries) != 3 or not all(b.is_file() for b in binaries):
        sys.exit(f"smoke: missing engine files in {package}: {binaries}")
    if not list(package.glob("*.pyi")):
        sys.exit("smoke: no type stubs in the wheel")
    for binary in binaries:
        dynamic = run("readelf", "-d", str(binary))
        for path in re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic):
            for entry in path.split(":"):
                if not entry.startswith("$ORIGIN"):
                    sys.exit(f"smoke: {binary.name} has a RUNPATH entry that is not relative: {entry}")
        if str(clone).encode() in binary.read_bytes():
            sys.exit(f"smoke: {binary.name} holds the build path {clone}")
    print(f"smoke: {len(binaries)} binaries, RUNPATH relative, no build path")


class SeedOnnxWrapper(torch.nn.Module):
    """What the seed's training exports as model.onnx: tabular inputs [B, 1], softmax out."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 2)

    def forward(self, a, b):
        return torch.softmax(self.layer(torch.cat([a, b], dim=1)), dim=1)


def check_onnx_export(work: pathlib.Path, bin_dir: pathlib.Path) -> None:
    """verdict-export --onnx with the verdict[onnx] extra, then eval on the bundle."""
    torch.onnx.export(SeedOnnxWrapper(), (torch.zeros(3, 1), torch.zeros(3, 1)), str(work / "model.onnx"),
                      input_names=["a", "b"], output_names=["probs"], opset_version=14, dynamo=False,
                      dynamic_axes={"a": {0: "batch"}, "b": {0: "batch"}, "probs": {0: "batch"}})
    out = run(str(bin_dir / "verdict-export"), "--onnx", "model.onnx", "--hyperparameters",
              "train/hyperparameters.json", "--sample-data", "eval.csv", "--out", "bundle-onnx")
    run(str(bin_dir / "verdict"), "eval", "--model-dir", "bundle-onnx", "--data", "eval.csv", "--output-dir",
        "out-onnx", "--metrics-dir", "met-onnx", "--no-plots")
    assert (work / "met-onnx" / "_SUCCESS").exists()
    print(f"smoke: {out.strip()}")


def main() -> int:
    clone = pathlib.Path(sys.argv[1]).resolve()
    check_installed_files(clone)
    work = pathlib.Path.cwd()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(200)], "a": rng.normal(size=200),
                          "b": rng.normal(size=200), "y": rng.integers(0, 2, 200)})
    frame.to_csv(work / "eval.csv", index=False)
    (work / "factory.py").write_text(FACTORY)
    (work / "train").mkdir(exist_ok=True)
    (work / "train" / "hyperparameters.json").write_text(json.dumps(HP))
    torch.manual_seed(0)
    sys.path.insert(0, str(work))
    from factory import build_model  # noqa: E402

    torch.save(build_model(HP).state_dict(), work / "train" / "model.pth")

    bin_dir = pathlib.Path(sys.executable).parent
    run(str(bin_dir / "verdict-export"), "--model-factory", "factory.py:build_model", "--state-dict",
        "train/model.pth", "--hyperparameters", "train/hyperparameters.json", "--sample-data", "eval.csv",
        "--out", "bundle")
    run(str(bin_dir / "verdict"), "eval", "--model-dir", "bundle", "--data", "eval.csv", "--output-dir", "out",
        "--metrics-dir", "met", "--no-plots")
    assert (work / "met" / "_SUCCESS").exists()
    cli_metrics = json.loads((work / "met" / "metrics.json").read_text())
    run(sys.executable, "-m", "verdict", "inspect", "bundle")
    run(str(bin_dir / "verdict"), "metrics", "--predictions", "out/eval_predictions.csv", "--label-col", "y",
        "--output-dir", "met2", "--no-plots")

    result = verdict.evaluate("bundle", "eval.csv", no_plots=True)
    assert result.metrics == cli_metrics, "verdict.evaluate differs from verdict eval"
    predictions = result.predictions.to_pandas()
    assert len(predictions) == 200
    in_memory = verdict.metrics(predictions["y"].to_numpy(), predictions["prob_class_1"].to_numpy())
    assert in_memory == json.loads((work / "met2" / "metrics.json").read_text()), \
        "verdict.metrics differs from verdict metrics"
    try:
        verdict.evaluate("bundle", "eval.csv", batch_size=-1)
        sys.exit("smoke: a bad option did not raise verdict.Error")
    except verdict.Error as error:
        assert str(error).startswith("--batch-size:"), error
    check_onnx_export(work, bin_dir)
    print(f"smoke: export, eval, inspect, metrics and the Python API work from {work} "
          f"(auc_roc {result.metrics['auc_roc']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
