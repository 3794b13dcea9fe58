"""Trains the example tabular classifier the way the seed's training step does, and writes the
seed's training outputs: model.pth (state dict), hyperparameters.json, risk_table_map.json,
impute_dict.json.

    python -m verdict.examples.train_tabular --train train.csv --out train_output/ --task binary
"""

from __future__ import annotations

import argparse
import pathlib

import lightning as L
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

from . import seed_preprocessing as seed
from .tabular_data import CATEGORICAL, NUMERIC, hyperparameters
from .tabular_model import build_model
from .training import fit_quietly, write_training_outputs


class _Rows(Dataset):
    def __init__(self, features: dict[str, torch.Tensor], labels: torch.Tensor):
        self.features, self.labels = features, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        row = {k: v[i] for k, v in self.features.items()}
        row["__label__"] = self.labels[i]
        return row


def train(train_path: str, out_dir: str, task: str = "binary", epochs: int | None = None, seed_value: int = 0) -> str:
    """Trains on `train_path` and writes the training outputs into `out_dir`; returns out_dir."""
    L.seed_everything(seed_value, workers=True, verbose=False)
    hp = hyperparameters(task)
    if epochs is not None:
        hp["max_epochs"] = epochs
    df = pd.read_csv(train_path) if train_path.endswith(".csv") else pd.read_parquet(train_path)
    positives = {1} if task == "binary" else {"gold"}
    risk = seed.fit_risk_tables(df, CATEGORICAL, hp["label_name"], positives,
                                hp["smooth_factor"], hp["count_threshold"])
    impute = seed.fit_impute(df, NUMERIC)
    features = seed.tabular_tensors(df, hp, risk)
    labels = seed.label_indices(df, hp)
    model = build_model(hp)
    loader = DataLoader(_Rows(features, labels), batch_size=hp["batch_size"], shuffle=True)
    fit_quietly(model, loader, hp["max_epochs"])
    return write_training_outputs(pathlib.Path(out_dir), model, hp, risk, impute)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--task", choices=["binary", "multiclass"], default="binary")
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()
    print(train(args.train, args.out, args.task, args.epochs))


if __name__ == "__main__":
    main()
