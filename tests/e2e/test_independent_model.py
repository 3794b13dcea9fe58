"""A model written independently of verdict (plain nn.Module factory file, its own training loop,
a seed-style hyperparameters.json) exported with the verdict-export command and evaluated with
build/verdict eval reproduces PyTorch eager probabilities within 1e-5, binary and multiclass,
from CSV, TSV and Parquet."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ROOT, run_engine
from e2e.helpers import FORMATS, prediction_matrix, read_table, write_table

FACTORY = pathlib.Path(__file__).parent / "independent_model.py"
TOLERANCE = 1e-5


def make_data(rows: int, multiclass: bool, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=rows), rng.uniform(-2, 2, size=rows), rng.exponential(size=rows)
    latent = 1.5 * x1 - x2 + 0.5 * x3 + rng.normal(0, 0.5, rows)
    label = (np.digitize(latent, [-0.5, 1.0]) if multiclass else (latent > 0).astype(int))
    df = pd.DataFrame({"order_id": np.arange(1000, 1000 + rows), "f1": x1, "f2": x2, "f3": x3, "y": label})
    df.loc[rng.random(rows) < 0.05, "f2"] = np.nan
    return df


def features(df: pd.DataFrame) -> dict[str, torch.Tensor]:
    """The seed's rule for numbers: missing -> -1.0; float32."""
    return {f: torch.tensor(df[f].fillna(-1.0).to_numpy(), dtype=torch.float32) for f in ("f1", "f2", "f3")}


@pytest.mark.parametrize("multiclass", [False, True], ids=["binary", "multiclass"])
def test_independent_model_end_to_end(multiclass, tmp_path, engine):
    sys.path.insert(0, str(FACTORY.parent))
    import independent_model  # noqa: E402

    hp = {"id_name": "order_id", "label_name": "y", "tab_field_list": ["f1", "f2", "f3"],
          "cat_field_list": [], "is_binary": not multiclass, "num_classes": 3 if multiclass else 2,
          "multiclass_categories": [0, 1, 2] if multiclass else [0, 1], "batch_size": 16}
    torch.manual_seed(0)
    model = independent_model.make(hp)
    train = make_data(600, multiclass, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(features(train)), torch.tensor(train["y"].to_numpy()))
        loss.backward()
        optimizer.step()
    (tmp_path / "hyperparameters.json").write_text(json.dumps(hp))
    torch.save(model.state_dict(), tmp_path / "model.pth")
    evaluation = make_data(300, multiclass, 2)
    sample = write_table(evaluation, tmp_path / "sample.csv")

    export = subprocess.run(
        [sys.executable, "-m", "verdict.export", "--model-factory", f"{FACTORY}:make",
         "--state-dict", str(tmp_path / "model.pth"), "--hyperparameters", str(tmp_path / "hyperparameters.json"),
         "--sample-data", str(sample), "--out", str(tmp_path / "bundle")],
        capture_output=True, text=True, cwd=ROOT)
    assert export.returncode == 0, export.stderr

    model.eval()
    with torch.inference_mode():
        expected = torch.softmax(model(features(evaluation)), dim=1).numpy()
    classes = 3 if multiclass else 2
    for fmt, suffix in FORMATS.items():
        data = write_table(evaluation, tmp_path / fmt / f"eval{suffix}")
        done = run_engine("eval", "--model-dir", str(tmp_path / "bundle"), "--data", str(data),
                          "--output-dir", str(tmp_path / fmt / "out"), "--metrics-dir", str(tmp_path / fmt / "metrics"))
        assert done.returncode == 0, done.stderr
        predictions = read_table(tmp_path / fmt / "out" / f"eval_predictions{suffix}")
        assert [str(v) for v in predictions["order_id"]] == [str(v) for v in evaluation["order_id"]]
        assert np.abs(prediction_matrix(predictions, classes) - expected).max() <= TOLERANCE, fmt
        metrics = json.loads((tmp_path / fmt / "metrics" / "metrics.json").read_text())
        assert 0.5 < metrics["auc_roc"] <= 1.0
