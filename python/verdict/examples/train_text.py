"""Trains an example text model (text only, bimodal or trimodal) the way the seed's training step
does, and writes the seed's training outputs: model.pth (state dict), hyperparameters.json,
risk_table_map.json, impute_dict.json and tokenizer/tokenizer.json.

The training inputs are computed by the engine itself (`verdict features`, the preprocessing
`verdict eval` applies), then each training batch is collated like the seed's collate: C = the
most chunks of a row in that batch, T = max_sen_len.

    python -m verdict.examples.train_text --train train.csv --out train_output/ --kind bimodal
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import tempfile

import lightning as L
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

from ..export import _text_pairs, engine_features, find_engine, recollate, tokenizer_file, write_manifest
from . import seed_preprocessing as seed
from .dialogue_data import CATEGORICAL, NUMERIC, hyperparameters
from .text_model import build_model
from .training import fit_quietly, write_training_outputs

# The real uncased BERT tokenizer (all-MiniLM-L6-v2's, i.e. bert-base-uncased) committed for tests.
DEFAULT_TOKENIZER = pathlib.Path(__file__).resolve().parents[3] / "tests" / "golden" / "tokenizer" / "uncased"


class _Rows(Dataset):
    def __init__(self, features: dict[str, torch.Tensor], labels: torch.Tensor):
        self.features, self.labels = features, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> int:
        return i


def _read(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def train(train_path: str, out_dir: str, kind: str = "bimodal", epochs: int | None = None,
          tokenizer: str | pathlib.Path = DEFAULT_TOKENIZER, engine: str | None = None, seed_value: int = 0) -> str:
    """Trains on `train_path` and writes the training outputs into `out_dir`; returns out_dir."""
    L.seed_everything(seed_value, workers=True, verbose=False)
    hp = hyperparameters(kind)
    if epochs is not None:
        hp["max_epochs"] = epochs
    df = _read(train_path)
    tabular = bool(hp["tab_field_list"])
    risk = seed.fit_risk_tables(df, CATEGORICAL, hp["label_name"], {1}) if tabular else {}
    impute = seed.fit_impute(df, NUMERIC) if tabular else {}
    out = pathlib.Path(out_dir)
    (out / "tokenizer").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tokenizer_file(tokenizer), out / "tokenizer" / "tokenizer.json")
    with tempfile.TemporaryDirectory(prefix="verdict-train-") as staging:
        manifest = write_manifest(hp, staging, out / "tokenizer", impute=impute, risk=risk)
        names = [i["name"] for i in manifest["inputs"]]
        features = engine_features(find_engine(engine), staging, train_path, names, max_rows=len(df))
    pairs = _text_pairs(manifest)
    tokens = int(hp["max_sen_len"])
    labels = seed.label_indices(df, hp)

    def collate(indices: list[int]) -> dict:
        rows = torch.tensor(indices)
        batch = recollate({n: t[rows] for n, t in features.items()}, pairs, tokens=tokens)
        batch["__label__"] = labels[rows]
        return batch

    model = build_model(hp)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: one thread is fastest, more only contend
    loader = DataLoader(_Rows(features, labels), batch_size=hp["batch_size"], shuffle=True, collate_fn=collate)
    fit_quietly(model, loader, hp["max_epochs"])
    torch.set_num_threads(threads)
    return write_training_outputs(out, model, hp, risk, impute)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kind", choices=["text", "bimodal", "trimodal"], default="bimodal")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--tokenizer", default=str(DEFAULT_TOKENIZER))
    args = parser.parse_args()
    print(train(args.train, args.out, args.kind, args.epochs, args.tokenizer))


if __name__ == "__main__":
    main()
