"""Writes a tiny text model (TorchScript) for the infer stage's batching tests.

The model takes `t_input_ids` and `t_attention_mask`, int64 [B, C, T], like the seed's text
models: each chunk is pooled (masked mean of token embeddings, then tanh of a linear layer),
and the row is the plain mean over all C chunks, as the seed's models do. A padding chunk (all
zeros) pools to tanh(bias), not zero, so under the seed's collate a row's score depends on its
neighbours' chunk counts; padding tokens inside a chunk change nothing (padding-invariant).
Run: .venv/bin/python tests/golden/infer/gen_text_fixture.py
"""
import pathlib

import torch

HERE = pathlib.Path(__file__).parent / "text"


class TinyText(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(128, 8)
        self.pool = torch.nn.Linear(8, 8)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, t_input_ids: torch.Tensor, t_attention_mask: torch.Tensor) -> torch.Tensor:
        mask = t_attention_mask.unsqueeze(-1).float()
        tokens = (self.embedding(t_input_ids) * mask).sum(dim=2)
        pooled = torch.tanh(self.pool(tokens / mask.sum(dim=2).clamp(min=1.0)))
        return self.head(pooled.mean(dim=1))


def main():
    torch.manual_seed(11)
    HERE.mkdir(parents=True, exist_ok=True)
    model = TinyText().eval()
    ids = torch.randint(1, 128, (2, 3, 5))
    mask = torch.ones_like(ids)
    scripted = torch.jit.trace(model, (ids, mask))
    scripted.save(str(HERE / "model.pt"))


if __name__ == "__main__":
    main()
