"""The example text models: the seed's BimodalBert and TrimodalBert structure (reference notes §3.3,
§3.5) with a small BERT encoder written in plain PyTorch, so it trains at demo time on a few CPU
cores and traces to TorchScript with dynamic batch, chunk and token counts.

Batch dict keys as in the seed: `<field>_input_ids` and `<field>_attention_mask`, int64 [B, C, T];
each tabular field a float [B]. forward returns logits [B, K].

The layout is the seed's (a TextBertBase per text field holding its encoder as `.bert`, a plain
mean over the chunks), so verdict-export also writes each field's chunk encoder and the head as
separate programs for chunk-level execution (python/verdict/chunks.py, docs/bundle-format.md).

`build_model(hyperparameters)` is the factory verdict-export calls
(--model-factory verdict.examples.text_model:build_model): "trimodal_bert" builds TrimodalBert,
anything else BimodalBert (without tabular fields: text only).
"""

from __future__ import annotations

import math

import lightning as L
import torch
from torch import nn

VOCAB_SIZE = 30522  # the uncased BERT vocabulary of tests/golden/tokenizer/uncased
MAX_POSITIONS = 512


class BertLayer(nn.Module):
    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(hidden // heads)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn = nn.Sequential(nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden))
        self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        n, t, h = x.shape
        q, k, v = self.qkv(x).view(n, t, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        scores = q @ k.transpose(-1, -2) * self.scale + bias
        context = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(n, t, h)
        x = self.norm1(x + self.out(context))
        return self.norm2(x + self.ffn(x))


class TinyBert(nn.Module):
    """BERT's embeddings, encoder and pooler (tanh(W h[CLS] + b)); ids/mask [N, T] -> [N, H]. Like
    Hugging Face's BERT, masked keys get the float32 minimum added to their attention scores, so an
    all-padding chunk attends uniformly to its T positions."""

    def __init__(self, hidden: int, layers: int, heads: int):
        super().__init__()
        self.words = nn.Embedding(VOCAB_SIZE, hidden)
        self.positions = nn.Embedding(MAX_POSITIONS, hidden)
        self.types = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(hidden, heads) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.norm(self.words(ids) + self.positions(positions)[None] + self.types.weight[0])
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return torch.tanh(self.pooler(x[:, 0]))


class TextBertBase(nn.Module):
    """[B, C, T] -> BERT pooled output per chunk -> plain mean over all C chunks (padding chunks
    included, as in the seed) -> Dropout, Linear(H -> hidden_common_dim)."""

    def __init__(self, field: str, hp: dict):
        super().__init__()
        self.ids_key = f"{field}_{hp.get('text_input_ids_key', 'input_ids')}"
        self.mask_key = f"{field}_{hp.get('text_attention_mask_key', 'attention_mask')}"
        hidden = int(hp["bert_hidden"])
        self.bert = TinyBert(hidden, int(hp["bert_layers"]), int(hp["bert_heads"]))
        self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, int(hp["hidden_common_dim"])))

    def forward(self, batch: dict) -> torch.Tensor:
        ids, mask = batch[self.ids_key], batch[self.mask_key]
        b, c, t = ids.shape
        pooled = self.bert(ids.reshape(b * c, t), mask.reshape(b * c, t))
        return self.head(pooled.view(b, c, -1).mean(dim=1))


class TabAE(nn.Module):
    """LayerNorm over the stacked tabular fields, Linear, ReLU (seed §3.4)."""

    def __init__(self, hp: dict):
        super().__init__()
        self.fields = list(hp["tab_field_list"])
        self.net = nn.Sequential(nn.LayerNorm(len(self.fields)), nn.Linear(len(self.fields), int(hp["hidden_common_dim"])),
                                 nn.ReLU())

    def forward(self, batch: dict) -> torch.Tensor:
        return self.net(torch.stack([batch[f].to(torch.float32) for f in self.fields], dim=1))


class _Classifier(L.LightningModule):
    def __init__(self, hp: dict):
        super().__init__()
        self.lr = float(hp.get("lr", 1e-3))
        self.classes = 2 if hp.get("is_binary", True) else int(hp["num_classes"])

    def training_step(self, batch: dict, batch_index: int) -> torch.Tensor:
        return nn.functional.cross_entropy(self(batch), batch["__label__"])

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.lr)


class BimodalBert(_Classifier):
    """logits = Linear(ReLU(concat[text, tab])) (seed §3.5); without tabular fields, text only."""

    def __init__(self, hp: dict):
        super().__init__(hp)
        self.text = TextBertBase(hp["text_name"], hp)
        self.tab = TabAE(hp) if hp.get("tab_field_list") else None
        width = int(hp["hidden_common_dim"]) * (2 if self.tab is not None else 1)
        self.classifier = nn.Linear(width, self.classes)

    def forward(self, batch: dict) -> torch.Tensor:
        parts = [self.text(batch)]
        if self.tab is not None:
            parts.append(self.tab(batch))
        return self.classifier(torch.relu(torch.cat(parts, dim=1)))


class TrimodalBert(_Classifier):
    """Two independent text encoders and the tabular branch; head ReLU, Dropout, Linear(total -> F),
    ReLU, Dropout, Linear(F -> K) with F = max(128, total // 2) (seed §3.5)."""

    def __init__(self, hp: dict):
        super().__init__(hp)
        self.primary = TextBertBase(hp["primary_text_name"], hp)
        self.secondary = TextBertBase(hp["secondary_text_name"], hp)
        self.tab = TabAE(hp) if hp.get("tab_field_list") else None
        total = int(hp["hidden_common_dim"]) * (3 if self.tab is not None else 2)
        fusion = max(128, total // 2)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.1), nn.Linear(total, fusion), nn.ReLU(), nn.Dropout(0.1),
                                  nn.Linear(fusion, self.classes))

    def forward(self, batch: dict) -> torch.Tensor:
        parts = [self.primary(batch), self.secondary(batch)]
        if self.tab is not None:
            parts.append(self.tab(batch))
        return self.head(torch.cat(parts, dim=1))


def build_model(hyperparameters: dict) -> _Classifier:
    if hyperparameters.get("model_class") == "trimodal_bert":
        return TrimodalBert(hyperparameters)
    return BimodalBert(hyperparameters)
