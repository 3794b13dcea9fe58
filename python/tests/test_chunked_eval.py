"""Chunk-level execution end to end: a seed-layout text model exported with its chunk encoder and
head, evaluated by the engine ($VERDICT_BIN, else build/verdict) with `--execution chunks` and
`--execution model` in both batchings. The two executions give the same probabilities (1e-5) under
each batching; the batchings differ from each other, as the seed's padding chunks make them."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ENGINE, ROOT, run_engine
from verdict.examples import seed_preprocessing as seed
from verdict.examples.dialogue_data import CATEGORICAL, hyperparameters, make_orders
from verdict.examples.text_model import build_model
from verdict.export import export_bundle

TOLERANCE = 1e-5
TOKENIZER = ROOT / "tests" / "golden" / "tokenizer" / "uncased"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    if not ENGINE.exists():
        pytest.fail(f"{ENGINE} is missing: run `make build` first")
    folder = tmp_path_factory.mktemp("chunked")
    df = make_orders(60, seed=9)
    data = folder / "eval.csv"
    df.to_csv(data, index=False)
    hp = dict(hyperparameters("bimodal"), bert_layers=1)
    torch.manual_seed(0)
    export_bundle(build_model(hp), hp, str(data), str(folder / "bundle"),
                  risk_table_map=seed.fit_risk_tables(df, CATEGORICAL, "label", {1}), tokenizer=TOKENIZER,
                  engine=str(ENGINE))
    return folder / "bundle", data


def probabilities(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, *options: str,
                  batch_size: int = 7) -> np.ndarray:
    done = run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir", str(out / "eval"),
                      "--metrics-dir", str(out / "metrics"), "--batch-size", str(batch_size), *options)
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out / "eval" / "eval_predictions.csv")[["prob_class_0", "prob_class_1"]].to_numpy()


def test_the_bundle_has_chunk_level_programs(bundle):
    manifest = json.loads((bundle[0] / "verdict.json").read_text())
    assert manifest["chunk_execution"]["encoders"] == {"dialogue": "encoder_dialogue.pt"}
    inspected = run_engine("inspect", str(bundle[0]))
    assert inspected.returncode == 0, inspected.stderr
    assert "chunk execution: yes" in inspected.stdout
    assert "reference:   torch " in inspected.stdout
    assert "chunk encoders and head load: OK" in inspected.stdout


@pytest.mark.parametrize("batching", ["seed", "served"])
def test_chunks_equal_the_whole_model(bundle, tmp_path, batching):
    chunked = probabilities(*bundle, tmp_path / "chunks", "--batching", batching, "--execution", "chunks")
    whole = probabilities(*bundle, tmp_path / "model", "--batching", batching, "--execution", "model")
    np.testing.assert_allclose(chunked, whole, atol=TOLERANCE, rtol=0)


def test_the_batchings_differ_and_served_ignores_the_batch_size(bundle, tmp_path):
    seed_probs = probabilities(*bundle, tmp_path / "seed", "--batching", "seed", "--execution", "chunks")
    served = probabilities(*bundle, tmp_path / "served", "--batching", "served", "--execution", "chunks")
    assert np.abs(seed_probs - served).max() > 1e-4
    other = probabilities(*bundle, tmp_path / "served3", "--batching", "served", "--execution", "chunks",
                          batch_size=3)
    np.testing.assert_allclose(other, served, atol=TOLERANCE, rtol=0)
