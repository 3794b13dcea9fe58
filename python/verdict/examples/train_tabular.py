"""Trains the example tabular classifier the way the seed's training step does, and writes the
seed's training outputs: model.pth (state dict), hyperparameters.json, risk_table_map.json,
impute_dict.json.

    python -m verdict.examples.train_tabular --train train.csv --out train_output/ --task binary
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import warnings

import lightning as L
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

from . import seed_preprocessing as seed
from .tabular_data import CATEGORICAL, NUMERIC, hyperparameters
from .tabular_model import build_model


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
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = L.Trainer(max_epochs=hp["max_epochs"], accelerator="cpu", devices=1, logger=False,
                            enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, deterministic=True)
        trainer.fit(model, loader)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pth")
    (out / "hyperparameters.json").write_text(json.dumps(hp, indent=2, sort_keys=True) + "\n")
    (out / "risk_table_map.json").write_text(json.dumps(risk, indent=2) + "\n")
    (out / "impute_dict.json").write_text(json.dumps(impute, indent=2) + "\n")
    return str(out)


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
