"""End to end with text: train the example text-only, bimodal and trimodal BERT models, export them
with verdict-export, evaluate them with build/verdict eval, and compare with PyTorch eager
(tolerance 1e-5 on probabilities).

The eager side is independent of the engine: the seed's text preprocessing is the faithful Python
implementation of tests/golden/text/gen_text_golden.py (BeautifulSoup, Hugging Face tokenizers),
missing text is str(NaN) = "nan", tabular fields go through the seed's pandas preprocessing, and
batches are the seed's DataLoader batches (file order, batch_size rows, last one partial) collated
like the seed's collate (C = most chunks in the batch, all-zero padding chunks, T = max_sen_len).
"""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ROOT, run_engine
from e2e.helpers import collate, prediction_matrix, read_table, write_table
from verdict.examples import seed_preprocessing as seed
from verdict.examples.dialogue_data import hyperparameters, make_orders
from verdict.examples.train_text import DEFAULT_TOKENIZER, train
from verdict.export import _read_json_beside, build_model, export_bundle

sys.path.insert(0, str(ROOT / "tests" / "golden" / "text"))
import gen_text_golden as oracle  # noqa: E402  (the faithful Python implementation of the seed's processors)

PROBABILITY_TOLERANCE = 1e-5


# Each model is evaluated from one format (the test time stays modest); all three are covered.
FORMAT_OF = {"text": ".csv", "bimodal": ".csv", "trimodal": ".parquet"}


class MaskedMeanText(torch.nn.Module):
    """A text-only model whose output does not depend on token padding: per chunk the masked mean
    of token embeddings (an all-padding chunk gives zeros whatever T is), mean over chunks, linear."""

    def __init__(self, hp: dict):
        super().__init__()
        torch.manual_seed(0)
        self.ids_key, self.mask_key = f"{hp['text_name']}_input_ids", f"{hp['text_name']}_attention_mask"
        self.embedding = torch.nn.Embedding(30522, 16)
        self.linear = torch.nn.Linear(16, 2)

    def forward(self, batch: dict) -> torch.Tensor:
        mask = batch[self.mask_key].unsqueeze(-1).float()
        chunks = (self.embedding(batch[self.ids_key]) * mask).sum(2) / mask.sum(2).clamp(min=1.0)
        return self.linear(chunks.mean(1))


class Trained:
    def __init__(self, kind: str, root: pathlib.Path, engine: str, untrained: type | None = None):
        """Trains the example model of `kind`, or takes an `untrained` model class (built from the
        hyperparameters of `kind`), and exports it."""
        self.kind = kind
        data = root / "data"
        write_table(make_orders(240, seed=5), data / "train.csv")
        self.eval_df = make_orders(150, seed=6)
        self.sample = write_table(self.eval_df, data / "sample.csv")
        if untrained is None:
            self.train_output = pathlib.Path(train(str(data / "train.csv"), str(root / "train_output"), kind,
                                                   epochs=1, engine=engine))
            hp_path = self.train_output / "hyperparameters.json"
            self.hp = json.loads(hp_path.read_text())
            self.risk = _read_json_beside(str(hp_path), "risk_table_map.json")
            self.model = build_model("verdict.examples.text_model:build_model", self.hp,
                                     str(self.train_output / "model.pth"))
            tokenizer = self.train_output / "tokenizer"
        else:
            self.hp, self.risk, tokenizer = hyperparameters(kind), {}, DEFAULT_TOKENIZER
            self.model = untrained(self.hp).eval()
        self.report = export_bundle(self.model, self.hp, str(self.sample), str(root / "bundle"),
                                    risk_table_map=self.risk, engine=engine, tokenizer=tokenizer)
        self.bundle = pathlib.Path(self.report.bundle_dir)
        self.manifest = json.loads((self.bundle / "verdict.json").read_text())
        self.texts = self._seed_text_ids(self.eval_df)

    def _seed_text_ids(self, df: pd.DataFrame) -> dict[str, list]:
        """Per text field, each row's chunk ids by the seed's processors (str(cell): NaN -> "nan")."""
        hf = oracle.Hf(str(DEFAULT_TOKENIZER / "tokenizer.json"))
        return {field["name"]: [oracle.run_pipeline(field["steps"], str(cell), hf, field["max_sen_len"],
                                                    field["chunk_truncate"], field["max_total_chunks"])[1]
                                for cell in df[field["name"]].astype(object)]
                for field in self.manifest["text_fields"]}

    def eager(self, batch_size: int) -> np.ndarray:
        """The seed's evaluation of the evaluation rows, with the independent preprocessing."""
        df, texts = self.eval_df, self.texts
        tabular = seed.tabular_tensors(df, self.hp, self.risk) if self.hp["tab_field_list"] else {}
        outputs = []
        with torch.inference_mode(), _one_thread():
            for start in range(0, len(df), batch_size):
                rows = range(start, min(start + batch_size, len(df)))
                batch = {name: values[rows.start:rows.stop] for name, values in tabular.items()}
                for field in self.manifest["text_fields"]:
                    ids, mask = collate([texts[field["name"]][r] for r in rows], field["max_sen_len"])
                    batch[f"{field['name']}_input_ids"], batch[f"{field['name']}_attention_mask"] = ids, mask
                outputs.append(torch.softmax(self.model(batch).float(), dim=1))
        return torch.cat(outputs).numpy()


class _one_thread:
    """Small eager batches run fastest on one thread on a shared machine."""

    def __enter__(self):
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.threads)


@pytest.fixture(scope="session", params=["text", "bimodal", "trimodal"])
def trained(request, tmp_path_factory, engine) -> Trained:
    return Trained(request.param, tmp_path_factory.mktemp(request.param), engine)


def evaluate(trained: Trained, data: pathlib.Path, out: pathlib.Path, *extra: str):
    done = run_engine("eval", "--model-dir", str(trained.bundle), "--data", str(data), "--threads", "1",
                      "--output-dir", str(out / "eval"), "--metrics-dir", str(out / "metrics"), *extra)
    assert done.returncode == 0, done.stderr
    return done


def test_export_wrote_text_fields(trained):
    manifest = trained.manifest
    names = [i["name"] for i in manifest["inputs"]]
    for field in manifest["text_fields"]:
        assert f"{field['name']}_input_ids" in names and f"{field['name']}_attention_mask" in names
        assert field["tokenizer"] == "tokenizer.json" and (trained.bundle / "tokenizer.json").exists()
        assert field["max_sen_len"] == 32 and field["chunk_truncate"] and field["max_total_chunks"] == 4
    assert {f["name"] for f in manifest["tabular_fields"]} == set(trained.hp["tab_field_list"])
    # The seed's BERT mean includes padding chunks, whose pooled output depends on T.
    assert manifest["padding_invariant"] is False
    check = json.loads((trained.bundle / "export_check.json").read_text())
    assert check["max_abs_difference"] <= PROBABILITY_TOLERANCE
    assert check["padding_difference"] > PROBABILITY_TOLERANCE


def test_trimodal_steps_default_to_the_seeds(trained):
    if trained.hp["model_class"] != "trimodal_bert":
        pytest.skip("trimodal only")
    steps = {f["name"]: f["steps"] for f in trained.manifest["text_fields"]}
    assert steps["dialogue"][-2:] == ["dialogue_chunker", "tokenizer"] and "html_normalizer" in steps["dialogue"]
    assert steps["seller_note"] == ["dialogue_splitter", "text_normalizer", "dialogue_chunker", "tokenizer"]


def test_eval_matches_eager(trained, tmp_path):
    suffix = FORMAT_OF[trained.kind]
    data = write_table(trained.eval_df, tmp_path / f"eval{suffix}")
    evaluate(trained, data, tmp_path)
    predictions = read_table(tmp_path / "eval" / f"eval_predictions{suffix}")
    assert list(predictions["order_id"]) == list(trained.eval_df["order_id"])
    got = prediction_matrix(predictions, 2)
    want = trained.eager(trained.manifest["batch_size"])
    np.testing.assert_allclose(got, want, atol=PROBABILITY_TOLERANCE, rtol=0)


def test_batches_span_table_batches(trained, tmp_path):
    """Shards of 40, 50 and 60 rows with batch size 7: model batches cross every shard boundary,
    and each row's padding chunks come from the seed's batch, not the shard's."""
    folder = tmp_path / "shards"
    bounds = [0, 40, 90, 150]
    for i in range(3):
        write_table(trained.eval_df.iloc[bounds[i]:bounds[i + 1]], folder / f"part-{i:05d}.parquet")
    evaluate(trained, folder, tmp_path, "--batch-size", "7")
    got = prediction_matrix(read_table(tmp_path / "eval" / "eval_predictions.parquet"), 2)
    want = trained.eager(7)
    np.testing.assert_allclose(got, want, atol=PROBABILITY_TOLERANCE, rtol=0)
    if trained.kind == "bimodal":
        # Batch composition matters (seed §3.6): another batch size gives other probabilities.
        assert np.abs(want - trained.eager(5)).max() > PROBABILITY_TOLERANCE


def test_padding_invariant_model_is_padded_to_the_longest_chunk(tmp_path_factory, engine):
    """The exporter finds this model padding-invariant, so the engine pads each batch only to its
    longest chunk; under seed batching the probabilities still match the seed's collate
    (T = max_sen_len), and under served batching (this bundle's default) each row's are those of
    the row alone (the seed's collate of a batch of one)."""
    model = Trained("text", tmp_path_factory.mktemp("invariant"), engine, untrained=MaskedMeanText)
    assert model.manifest["padding_invariant"] is True
    out = tmp_path_factory.mktemp("invariant_eval")
    evaluate(model, model.sample, out, "--batch-size", "7", "--batching", "seed")
    got = prediction_matrix(read_table(out / "eval" / "eval_predictions.csv"), 2)
    np.testing.assert_allclose(got, model.eager(7), atol=PROBABILITY_TOLERANCE, rtol=0)
    served = tmp_path_factory.mktemp("invariant_served")
    done = evaluate(model, model.sample, served, "--batch-size", "7")
    got = prediction_matrix(read_table(served / "eval" / "eval_predictions.csv"), 2)
    np.testing.assert_allclose(got, model.eager(1), atol=PROBABILITY_TOLERANCE, rtol=0)
    # The log and report.html say which batching ran, and the stages' busy seconds.
    assert "batching served" in done.stderr and "busy per stage" in done.stderr
    report = (served / "metrics" / "report.html").read_text()
    assert ">batching<" in report and ">served<" in report and ">busy seconds per predict stage" in report
