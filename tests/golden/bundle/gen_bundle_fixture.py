"""Writes a tiny TorchScript bundle and the probabilities PyTorch gives for fixed inputs.

The C++ bundle test loads tests/golden/bundle/tiny/ and checks Model::Run against
expected.json (tolerance 1e-6 absolute). Run: .venv/bin/python tests/golden/bundle/gen_bundle_fixture.py
"""
import json
import pathlib

import torch

HERE = pathlib.Path(__file__).parent / "tiny"


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 3)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.linear(torch.stack([a, b], dim=1))


def main():
    torch.manual_seed(7)
    HERE.mkdir(parents=True, exist_ok=True)
    model = Tiny().eval()
    a = torch.tensor([0.5, -1.0, 2.0])
    b = torch.tensor([1.5, 0.0, -3.0])
    traced = torch.jit.trace(model, (a, b))
    traced.save(str(HERE / "model.pt"))
    probs = torch.softmax(model(a, b), dim=1)
    manifest = {
        "format": "verdict-bundle",
        "format_version": 1,
        "created_by": "gen_bundle_fixture.py",
        "backend": "torchscript",
        "model_file": "model.pt",
        "task": "multiclass",
        "num_classes": 3,
        "class_labels": ["x", "y", "z"],
        "output": "logits",
        "id_field": "id",
        "label_field": "label",
        "batch_size": 2,
        "inputs": [
            {"name": "a", "kind": "tabular", "field": "a"},
            {"name": "b", "kind": "tabular", "field": "b"},
        ],
        "tabular_fields": [
            {"name": "a", "missing_value": -1.0},
            {"name": "b", "missing_value": 0.5, "risk_table": {"bins": {"p": 0.25}, "default_bin": 0.1}},
        ],
    }
    (HERE / "verdict.json").write_text(json.dumps(manifest, indent=2) + "\n")
    expected = {"a": a.tolist(), "b": b.tolist(), "probabilities": probs.flatten().tolist()}
    (HERE.parent / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main()
