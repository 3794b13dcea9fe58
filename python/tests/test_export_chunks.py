"""Chunk-level programs (python/verdict/chunks.py): the exporter finds a text model's chunk encoders
and head (declared, or from the seed's layout), checks them against eager PyTorch in both batching
semantics and writes them into the bundle. Small untrained models; the engine's features are
replaced by a fixed batch with rows of 1 to 3 chunks of different lengths."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from torch import nn

from verdict import chunks, export
from verdict.examples.text_model import TinyBert, build_model
from verdict.export import ExportError, probabilities, recollate

MAX_SEN_LEN = 16


def hyperparameters(kind: str = "bimodal") -> dict:
    hp = {"id_name": "id", "label_name": "label", "is_binary": True, "num_classes": 2, "max_sen_len": MAX_SEN_LEN,
          "hidden_common_dim": 8, "bert_hidden": 16, "bert_layers": 1, "bert_heads": 2, "batch_size": 4,
          "tab_field_list": [] if kind == "text" else ["amount", "rating"],
          "model_class": "trimodal_bert" if kind == "trimodal" else "bimodal_bert"}
    if kind == "trimodal":
        hp.update(primary_text_name="dialogue", secondary_text_name="note")
    else:
        hp.update(text_name="dialogue")
    return hp


def text_columns(rows: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """ids and mask [rows, 3, MAX_SEN_LEN]: 1 to 3 chunks per row of 3 to MAX_SEN_LEN tokens."""
    ids = torch.zeros((rows, 3, MAX_SEN_LEN), dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for r in range(rows):
        for c in range(1 + r % 3):
            length = int(torch.randint(3, MAX_SEN_LEN + 1, (1,), generator=generator))
            ids[r, c, :length] = torch.randint(1000, 2000, (length,), generator=generator)
            ids[r, c, 0], ids[r, c, length - 1] = 101, 102
            mask[r, c, :length] = 1
    return ids, mask


def sample_batch(hp: dict, rows: int = 12) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(7)
    batch = {}
    for name in [hp.get("text_name"), hp.get("primary_text_name"), hp.get("secondary_text_name")]:
        if name:
            batch[f"{name}_input_ids"], batch[f"{name}_attention_mask"] = text_columns(rows, generator)
    for name in hp["tab_field_list"]:
        batch[name] = torch.randn(rows, generator=generator)
    return batch


def export_it(tmp_path, monkeypatch, model, hp, **options):
    """export_bundle on the fixed batch; returns (bundle folder, manifest, export_check.json)."""
    batch = sample_batch(hp)
    monkeypatch.setattr(export, "find_engine", lambda explicit=None: "verdict", raising=False)
    monkeypatch.setattr(export, "engine_features", lambda *args, **kwargs: batch)
    sample = tmp_path / "sample.csv"
    sample.write_text("unused\n1\n")
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text("{}")
    folder = tmp_path / "bundle"
    export.export_bundle(model, hp, str(sample), str(folder), tokenizer=str(tokenizer), **options)
    return folder, json.loads((folder / "verdict.json").read_text()), json.loads((folder / "export_check.json").read_text())


def seed_model(kind: str = "bimodal") -> nn.Module:
    torch.manual_seed(0)
    return build_model(hyperparameters(kind)).eval()


def loaded_programs(folder, manifest) -> chunks.Programs:
    entry = manifest["chunk_execution"]
    encoders = {f: load(folder / name) for f, name in entry["encoders"].items()}
    tabular = [i["name"] for i in entry["head_inputs"] if i["kind"] == "tabular"]
    return chunks.Programs(encoders, load(folder / entry["head"]), tabular)


def load(path) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return torch.jit.load(str(path))


def eager_probabilities(model, batch) -> torch.Tensor:
    with torch.inference_mode():
        return probabilities(model(batch), "binary", "logits")


# ---------------------------------------------------------------------------------------------
# The seed's layout


@pytest.mark.parametrize("kind", ["text", "bimodal", "trimodal"])
def test_seed_layout_is_exported_as_encoders_and_head(tmp_path, monkeypatch, kind):
    model = seed_model(kind)
    folder, manifest, check = export_it(tmp_path, monkeypatch, model, hyperparameters(kind))
    entry = manifest["chunk_execution"]
    fields = [f["name"] for f in manifest["text_fields"]]
    assert entry["encoders"] == {f: f"encoder_{f}.pt" for f in fields}
    assert entry["head"] == "head.pt"
    assert [i["name"] for i in entry["head_inputs"]] == [f"{f}_pooled" for f in fields] + \
        hyperparameters(kind)["tab_field_list"]
    assert [i["kind"] for i in entry["head_inputs"][: len(fields)]] == ["text_pooled"] * len(fields)
    for name in [*entry["encoders"].values(), "head.pt", "model.pt"]:
        assert name in manifest["sha256"]
    assert check["chunk_execution"]["seed_max_abs_difference"] <= export.TOLERANCE
    assert check["chunk_execution"]["served_max_abs_difference"] <= export.TOLERANCE
    # The head holds no BERT weights; the model got its BERTs back.
    head = load(folder / "head.pt")
    assert sum(p.numel() for p in head.parameters()) < 0.1 * sum(p.numel() for p in model.parameters())
    assert all(isinstance(m.bert, TinyBert) for m in model.modules() if hasattr(m, "bert"))
    assert set(model.state_dict()) == set(seed_model(kind).state_dict())


def test_programs_equal_the_model_row_by_row_and_in_seed_batches(tmp_path, monkeypatch):
    """Served: each row alone (B = 1, its own chunks). Seed: batches of the seed's collate, their
    padding chunks folded in as P_pad(T)."""
    hp = hyperparameters("bimodal")
    model = seed_model()
    folder, manifest, _ = export_it(tmp_path, monkeypatch, model, hp)
    programs = loaded_programs(folder, manifest)
    texts = chunks.text_inputs(manifest)
    pairs = [(t.ids, t.mask) for t in texts]
    batch = sample_batch(hp)
    tokens = None if manifest["chunk_execution"]["padding_invariant"] else MAX_SEN_LEN
    with torch.inference_mode():
        for r in range(len(batch["amount"])):
            alone = recollate(batch, pairs, slice(r, r + 1), tokens=MAX_SEN_LEN)
            mine = probabilities(chunks.run(programs, texts, alone, tokens)["served"], "binary", "logits")
            assert (mine - eager_probabilities(model, alone)).abs().max() <= 1e-5
        for start in range(0, 12, 4):
            seed_batch = recollate(batch, pairs, slice(start, start + 4), tokens=MAX_SEN_LEN)
            mine = probabilities(chunks.run(programs, texts, seed_batch, tokens)["seed"], "binary", "logits")
            assert (mine - eager_probabilities(model, seed_batch)).abs().max() <= 1e-5


class MaxOverChunks(nn.Module):
    """Seed-like layout (a .bert per text field) whose pooling is a max, not the plain mean."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.bert = TinyBert(16, 1, 2)
        self.out = nn.Linear(16, 2)

    def forward(self, batch):
        ids, mask = batch["dialogue_input_ids"], batch["dialogue_attention_mask"]
        b, c, t = ids.shape
        pooled = self.bert(ids.reshape(b * c, t), mask.reshape(b * c, t)).view(b, c, -1)
        return self.out(pooled.max(dim=1).values)


def test_a_layout_that_does_not_match_is_exported_as_one_program(tmp_path, monkeypatch):
    _, manifest, check = export_it(tmp_path, monkeypatch, MaxOverChunks(), hyperparameters("text"))
    assert "chunk_execution" not in manifest
    assert any(n.startswith("chunk-level programs left out") for n in check["notes"])


def test_require_refuses_a_layout_that_does_not_match(tmp_path, monkeypatch):
    with pytest.raises(ExportError, match="differ from the model's forward"):
        export_it(tmp_path, monkeypatch, MaxOverChunks(), hyperparameters("text"), chunk_execution="require")


def test_off_writes_the_model_only(tmp_path, monkeypatch):
    folder, manifest, _ = export_it(tmp_path, monkeypatch, seed_model(), hyperparameters(), chunk_execution="off")
    assert "chunk_execution" not in manifest
    assert not (folder / "head.pt").exists()


def test_require_refuses_a_model_without_a_split(tmp_path, monkeypatch):
    class Plain(nn.Module):
        def forward(self, batch):
            return torch.stack([batch["amount"], batch["rating"]], dim=1)

    hp = dict(hyperparameters(), text_name=None)
    with pytest.raises(ExportError, match="neither declares"):
        export_it(tmp_path, monkeypatch, Plain(), hp, chunk_execution="require")


# ---------------------------------------------------------------------------------------------
# The declared protocol


class Declared(nn.Module):
    """Declares its split; `pooling` is what its own forward does over the chunks."""

    def __init__(self, pooling: str = "mean"):
        super().__init__()
        torch.manual_seed(0)
        self.encoder = TinyBert(16, 1, 2)
        self.out = nn.Linear(17, 2)
        self.pooling = pooling

    def verdict_chunk_encoders(self):
        return {"dialogue": self.encoder}

    def verdict_head(self, pooled, batch):
        return self.out(torch.cat([pooled["dialogue"], batch["amount"][:, None]], dim=1))

    def forward(self, batch):
        ids, mask = batch["dialogue_input_ids"], batch["dialogue_attention_mask"]
        b, c, t = ids.shape
        pooled = self.encoder(ids.reshape(b * c, t), mask.reshape(b * c, t)).view(b, c, -1)
        if self.pooling == "real":  # mean over real chunks only: not the seed's mean
            real = (mask.sum(dim=2) > 0).to(pooled.dtype)
            means = (pooled * real[:, :, None]).sum(dim=1) / real.sum(dim=1, keepdim=True)
        else:
            means = pooled.mean(dim=1)
        return self.verdict_head({"dialogue": means}, batch)


def declared_hp() -> dict:
    return dict(hyperparameters("text"), tab_field_list=["amount"])


def test_a_declared_split_is_exported(tmp_path, monkeypatch):
    folder, manifest, check = export_it(tmp_path, monkeypatch, Declared(), declared_hp())
    entry = manifest["chunk_execution"]
    assert [i["name"] for i in entry["head_inputs"]] == ["dialogue_pooled", "amount"]
    assert any("chunk-level programs (declared)" in n for n in check["notes"])
    assert (folder / "encoder_dialogue.pt").is_file()
    head_weights = sum(p.numel() for p in load(folder / "head.pt").parameters())
    assert head_weights == sum(p.numel() for p in Declared().out.parameters())


def test_a_declared_split_that_differs_from_forward_is_refused(tmp_path, monkeypatch):
    with pytest.raises(ExportError, match=r"differ from the model's forward by .* in seed batches"):
        export_it(tmp_path, monkeypatch, Declared("real"), declared_hp())


def test_a_declared_split_must_name_every_text_field(tmp_path, monkeypatch):
    model = Declared()
    model.verdict_chunk_encoders = lambda: {"other": model.encoder}
    with pytest.raises(ExportError, match="must return {text field: module}"):
        export_it(tmp_path, monkeypatch, model, declared_hp())


def test_encoder_file_names_are_safe():
    assert chunks.encoder_file("dialogue") == "encoder_dialogue.pt"
    assert chunks.encoder_file("a/b c") == "encoder_a_b_c.pt"


# ---------------------------------------------------------------------------------------------
# The seed batch the programs are checked on


def seed_reference_of(batch: dict[str, torch.Tensor], kind: str = "trimodal"):
    """export.seed_reference for the seed model, given the eager probabilities of `batch`."""
    model, manifest = seed_model(kind), export.build_manifest(hyperparameters(kind))
    manifest["padding_invariant"] = False
    names = [i["name"] for i in manifest["inputs"]]
    given = eager_probabilities(model, batch)
    found = export.seed_reference(model, batch, names, manifest, chunks.text_inputs(manifest), given)
    return model, given, found


def test_the_checked_batch_is_the_seed_reference_when_every_field_holds_padding_chunks():
    batch = sample_batch(hyperparameters("trimodal"))  # rows of 1, 2 and 3 chunks in both fields
    _, given, (seed_batch, seed_eager) = seed_reference_of(batch)
    assert seed_batch is batch and seed_eager is given


def test_a_field_without_padding_chunks_gets_one_more_chunk_per_row():
    batch = sample_batch(hyperparameters("trimodal"))
    for name in ("note_input_ids", "note_attention_mask"):  # every row: the 3 chunks of row 2
        batch[name] = batch[name][2].expand_as(batch[name]).clone()
    model, _, (seed_batch, seed_eager) = seed_reference_of(batch)
    assert seed_batch["note_input_ids"].shape == (12, 4, MAX_SEN_LEN)
    assert seed_batch["dialogue_input_ids"].shape == (12, 4, MAX_SEN_LEN)
    assert torch.equal(seed_batch["note_input_ids"][:, :3], batch["note_input_ids"])
    assert not seed_batch["note_attention_mask"][:, 3].any()
    assert torch.equal(seed_eager, eager_probabilities(model, seed_batch))
