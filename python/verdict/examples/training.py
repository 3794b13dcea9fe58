"""What the example trainers share: a quiet Lightning fit on the CPU and the seed's training
outputs (model.pth, hyperparameters.json, risk_table_map.json, impute_dict.json)."""

from __future__ import annotations

import json
import logging
import pathlib
import warnings

import lightning as L
import torch
from torch.utils.data import DataLoader


def fit_quietly(model: L.LightningModule, loader: DataLoader, epochs: int) -> None:
    """Trains on the CPU without logger, checkpoints, progress bar or warnings."""
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                            enable_checkpointing=False, enable_progress_bar=False,
                            enable_model_summary=False, deterministic=True)
        trainer.fit(model, loader)


def write_training_outputs(out: pathlib.Path, model: torch.nn.Module, hp: dict, risk: dict,
                           impute: dict) -> str:
    """Writes what the seed's training step leaves for evaluation; returns the folder."""
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "model.pth")
    (out / "hyperparameters.json").write_text(json.dumps(hp, indent=2, sort_keys=True) + "\n")
    (out / "risk_table_map.json").write_text(json.dumps(risk, indent=2) + "\n")
    (out / "impute_dict.json").write_text(json.dumps(impute, indent=2) + "\n")
    return str(out)
