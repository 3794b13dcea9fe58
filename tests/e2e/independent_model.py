"""A tabular classifier written without anything from verdict: a plain nn.Module factory, as a
user's own training code would have it. Used by test_independent_model.py through
`verdict-export --model-factory tests/e2e/independent_model.py:make`."""

import torch
from torch import nn


class RiskScorer(nn.Module):
    def __init__(self, fields, classes, hidden=16):
        super().__init__()
        self.fields = list(fields)
        self.scale = nn.Parameter(torch.ones(len(self.fields)))
        self.shift = nn.Parameter(torch.zeros(len(self.fields)))
        self.hidden = nn.Linear(len(self.fields), hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, batch):
        x = torch.stack([batch[name] for name in self.fields], dim=1)
        x = torch.tanh(x * self.scale + self.shift)
        return self.out(torch.nn.functional.gelu(self.hidden(x)))


def make(hyperparameters):
    classes = 2 if hyperparameters["is_binary"] else hyperparameters["num_classes"]
    return RiskScorer(hyperparameters["tab_field_list"], classes)
