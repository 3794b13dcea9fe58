"""The example tabular classifier: a Lightning module whose forward takes the seed's batch dict.

`build_model(hyperparameters)` is the factory verdict-export calls
(--model-factory verdict.examples.tabular_model:build_model).
"""

from __future__ import annotations

import lightning as L
import torch
from torch import nn


class TabularClassifier(L.LightningModule):
    """Per-feature standardisation (BatchNorm, running statistics at evaluation), then an MLP to
    logits [B, K]."""

    def __init__(self, hyperparameters: dict):
        super().__init__()
        self.fields = list(hyperparameters["tab_field_list"])
        classes = 2 if hyperparameters.get("is_binary", True) else int(hyperparameters["num_classes"])
        hidden = int(hyperparameters.get("hidden_common_dim", 32))
        self.lr = float(hyperparameters.get("lr", 0.01))
        self.norm = nn.BatchNorm1d(len(self.fields))
        self.body = nn.Sequential(nn.Linear(len(self.fields), hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, batch: dict) -> torch.Tensor:
        x = torch.stack([batch[f].to(torch.float32) for f in self.fields], dim=1)
        return self.body(self.norm(x))

    def training_step(self, batch: dict, batch_index: int) -> torch.Tensor:
        loss = nn.functional.cross_entropy(self(batch), batch["__label__"])
        self.log("train_loss", loss, prog_bar=False)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def build_model(hyperparameters: dict) -> TabularClassifier:
    return TabularClassifier(hyperparameters)
