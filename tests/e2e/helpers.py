"""Helpers for the end-to-end tests: example models trained once per session, data files in
every format, and the independent (pandas + PyTorch eager) oracle of what the engine must output.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import torch

from verdict.examples import seed_preprocessing as seed

FORMATS = {"csv": ".csv", "tsv": ".tsv", "parquet": ".parquet"}


def write_table(df: pd.DataFrame, path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False, sep="\t" if path.suffix == ".tsv" else ",")
    return path


def read_table(path: pathlib.Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",", keep_default_na=False, dtype=str)


def eager_probabilities(model: torch.nn.Module, df: pd.DataFrame, train_output: pathlib.Path) -> np.ndarray:
    """What PyTorch gives for `df` with the seed's pandas preprocessing: the independent oracle."""
    hp = json.loads((train_output / "hyperparameters.json").read_text())
    risk = json.loads((train_output / "risk_table_map.json").read_text())
    with torch.inference_mode():
        logits = model(seed.tabular_tensors(df, hp, risk))
    return torch.softmax(logits.float(), dim=1).numpy()


def prediction_matrix(predictions: pd.DataFrame, classes: int) -> np.ndarray:
    return np.stack([predictions[f"prob_class_{c}"].astype(float).to_numpy() for c in range(classes)], axis=1)


def collate(rows: list[list[list[int]]], tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's collate of one batch: [B, C, T], C the most chunks, padding 0 (ids and mask)."""
    chunks = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), chunks, tokens), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for b, row in enumerate(rows):
        for c, chunk in enumerate(row):
            ids[b, c, :len(chunk)] = torch.tensor(chunk)
            mask[b, c, :len(chunk)] = 1
    return ids, mask
