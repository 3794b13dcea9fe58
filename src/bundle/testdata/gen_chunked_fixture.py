"""Writes src/bundle/testdata/chunked/, a tiny bundle with chunk-level programs, and expected.json,
the probabilities eager PyTorch gives for fixed rows in both batching semantics.

The model is a one-layer BERT-like chunk encoder (BERT's masking: masked keys get the float32
minimum, so an all-padding chunk attends uniformly to its T positions and its pooled vector
depends on T), a plain mean over the chunks and a head over the mean and one tabular field. It
declares its split (verdict_chunk_encoders/verdict_head), traced and checked by the exporter's
own functions. The C++ tests (src/bundle, src/infer) compare against expected.json within 1e-5.

Run: .venv/bin/python src/bundle/testdata/gen_chunked_fixture.py
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys

import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "python"))
from verdict import chunks  # noqa: E402
from verdict.export import PositionalModel, file_digests, probabilities  # noqa: E402

HERE = pathlib.Path(__file__).parent
BUNDLE = HERE / "chunked"
VOCAB = 64
HIDDEN = 8
MAX_SEN_LEN = 12
BATCH_SIZE = 3
# Rows: each a list of chunks (token ids below VOCAB, [CLS]=2 ... [SEP]=3) and the tabular x.
ROWS = [
    ([[2, 10, 11, 3]], 0.5),
    ([[2, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 3], [2, 22, 3]], -1.0),
    ([[2, 30, 31, 32, 3], [2, 33, 34, 3], [2, 35, 3]], 2.0),
    ([[2, 40, 3]], 0.0),
    ([[2, 41, 42, 43, 44, 45, 46, 3], [2, 47, 48, 49, 3]], 1.5),
    ([[2, 50, 51, 52, 53, 54, 55, 56, 57, 58, 3]], -0.5),
    ([[2, 60, 3], [2, 61, 62, 3], [2, 63, 3], [2, 9, 8, 7, 6, 5, 3]], 3.0),
]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(VOCAB, HIDDEN)
        self.positions = nn.Embedding(MAX_SEN_LEN + 8, HIDDEN)
        self.attention = nn.MultiheadAttention(HIDDEN, 2, batch_first=True)
        self.norm = nn.LayerNorm(HIDDEN)
        self.pooler = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.words(ids) + self.positions(torch.arange(ids.shape[1]))[None]
        bias = (1.0 - mask[:, None, :].to(x.dtype)) * torch.finfo(torch.float32).min
        bias = bias.repeat_interleave(2, dim=0).expand(-1, ids.shape[1], -1)
        context, _ = self.attention(x, x, x, attn_mask=bias, need_weights=False)
        return torch.tanh(self.pooler(self.norm(x + context)[:, 0]))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(11)
        self.encoder = Encoder()
        self.out = nn.Linear(HIDDEN + 1, 2)

    def verdict_chunk_encoders(self):
        return {"t": self.encoder}

    def verdict_head(self, pooled, batch):
        return self.out(torch.cat([pooled["t"] * 3, batch["x"][:, None]], dim=1))

    def forward(self, batch):
        ids, mask = batch["t_input_ids"], batch["t_attention_mask"]
        b, c, t = ids.shape
        pooled = self.encoder(ids.reshape(b * c, t), mask.reshape(b * c, t)).view(b, c, -1)
        return self.verdict_head({"t": pooled.mean(dim=1)}, batch)


def collated(rows: list, tokens: int) -> dict[str, torch.Tensor]:
    """The seed's collate of `rows`: C = the most chunks, T = `tokens`, zeros elsewhere."""
    chunks_ = max(len(r[0]) for r in rows)
    ids = torch.zeros((len(rows), chunks_, tokens), dtype=torch.int64)
    for i, (row, _) in enumerate(rows):
        for c, chunk in enumerate(row):
            ids[i, c, : len(chunk)] = torch.tensor(chunk)
    return {"t_input_ids": ids, "t_attention_mask": (ids != 0).to(torch.int64),
            "x": torch.tensor([x for _, x in rows], dtype=torch.float32)}


def manifest() -> dict:
    return {
        "format": "verdict-bundle", "format_version": 1, "created_by": "gen_chunked_fixture.py",
        "backend": "torchscript", "model_file": "model.pt", "task": "binary", "num_classes": 2,
        "class_labels": ["0", "1"], "output": "logits", "id_field": "id", "label_field": "label",
        "batch_size": BATCH_SIZE, "padding_invariant": False,
        "inputs": [{"name": "t_input_ids", "kind": "text_ids", "field": "t"},
                   {"name": "t_attention_mask", "kind": "attention_mask", "field": "t"},
                   {"name": "x", "kind": "tabular", "field": "x"}],
        "tabular_fields": [{"name": "x", "missing_value": -1.0}],
        "text_fields": [{"name": "t", "steps": ["tokenizer"], "max_sen_len": MAX_SEN_LEN,
                         "chunk_truncate": False, "max_total_chunks": 5, "tokenizer": "vocab.txt"}],
    }


def main() -> None:
    model = Model().eval()
    shutil.rmtree(BUNDLE, ignore_errors=True)
    BUNDLE.mkdir(parents=True)
    for name in ("vocab.txt", "tokenizer_config.json"):
        shutil.copyfile(ROOT / "tests/golden/tokenizer/vocab_dir" / name, BUNDLE / name)
    m = manifest()
    everything = collated(ROWS, MAX_SEN_LEN)
    names = [i["name"] for i in m["inputs"]]
    with torch.no_grad():
        whole = torch.jit.trace(PositionalModel(model, names), tuple(everything[n] for n in names))
    whole.save(str(BUNDLE / "model.pt"))
    split = chunks.find_split(model, m, everything)
    texts = chunks.text_inputs(m)
    programs = chunks.trace_split(split, texts, everything)
    chunks.release(split)
    programs.encoders["t"].save(str(BUNDLE / "encoder_t.pt"))
    programs.head.save(str(BUNDLE / "head.pt"))
    with torch.inference_mode():
        served = [probabilities(model(collated([row], MAX_SEN_LEN)), "binary", "logits")[0].tolist()
                  for row in ROWS]
        seed = []
        for start in range(0, len(ROWS), BATCH_SIZE):
            batch = collated(ROWS[start:start + BATCH_SIZE], MAX_SEN_LEN)
            seed += probabilities(model(batch), "binary", "logits").tolist()
        # The programs agree with eager in both semantics, each call padded to its longest chunk.
        for semantics, want, batches in (("served", served, [collated([r], MAX_SEN_LEN) for r in ROWS]),
                                         ("seed", seed, [collated(ROWS[s:s + BATCH_SIZE], MAX_SEN_LEN)
                                                         for s in range(0, len(ROWS), BATCH_SIZE)])):
            got = torch.cat([probabilities(chunks.run(programs, texts, b, None)[semantics], "binary", "logits")
                             for b in batches])
            assert float((got - torch.tensor(want)).abs().max()) <= 1e-6, semantics
        pad = {t: chunks.padding_chunk(programs.encoders["t"], t).tolist() for t in (4, MAX_SEN_LEN)}
    (BUNDLE / "reference_probabilities.json").write_text(json.dumps(
        {"format": "verdict-reference-probabilities", "semantics": "served", "rows": len(ROWS),
         "probabilities": served}, indent=1) + "\n")
    m["chunk_execution"] = {"encoders": {"t": "encoder_t.pt"}, "head": "head.pt",
                            "head_inputs": [{"name": "t_pooled", "kind": "text_pooled", "field": "t"},
                                            {"name": "x", "kind": "tabular", "field": "x"}],
                            "padding_invariant": True}
    m["reference"] = {"torch": torch.__version__, "transformers": "n/a", "attention_implementation": "n/a",
                      "probabilities": "reference_probabilities.json"}
    m["sha256"] = file_digests(BUNDLE)
    (BUNDLE / "verdict.json").write_text(json.dumps(m, indent=2) + "\n")
    (HERE / "chunked_expected.json").write_text(json.dumps(
        {"rows": [{"chunks": c, "x": x} for c, x in ROWS], "batch_size": BATCH_SIZE, "served": served,
         "seed": seed, "padding_chunk": {str(t): v for t, v in pad.items()}}, indent=1) + "\n")


if __name__ == "__main__":
    main()
