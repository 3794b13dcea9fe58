"""The tiny tabular model and hyperparameters the Python tests export: two numeric columns a and b,
a binary label y, one seeded linear layer (the same weights in every test)."""

from __future__ import annotations

import torch
from torch import nn

HP = {"label_name": "y", "tab_field_list": ["a", "b"], "is_binary": True, "num_classes": 2}


class Linear(nn.Module):
    """forward(batch) -> [B, width] from batch["a"] and batch["b"], optionally passed through
    `head` (softmax, sigmoid...)."""

    def __init__(self, width: int = 2, head=None):
        super().__init__()
        torch.manual_seed(0)
        self.layer = nn.Linear(2, width)
        self.head = head

    def forward(self, batch):
        out = self.layer(torch.stack([batch["a"], batch["b"]], dim=1))
        return self.head(out) if self.head is not None else out
