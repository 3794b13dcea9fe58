"""The seed pipeline's training-side tabular preprocessing, in pandas, for the examples.

This is what the seed's training did to tabular fields (reference notes §4, §5.10), kept here so
the example models are trained exactly like the seed's: risk tables fitted on the training data,
numbers parsed with missing values filled with -1.0, categorical values mapped through their risk
table by their Python str(). Tests also use it as an independent oracle for the engine.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import torch


def fit_risk_tables(df: pd.DataFrame, fields: list[str], label: str, positive_labels: set,
                    smooth_factor: float = 0.0, count_threshold: int = 0) -> dict:
    """Risk table per categorical field: smoothed positive rate per category (seed §5.10)."""
    y = df[label].isin(positive_labels).astype(float)
    tables = {}
    for field in fields:
        keys = df[field].astype(str)
        keep = df[field].notna()
        default = float(y[keep].mean()) if keep.any() else 0.5
        smooth = int(len(df[keep]) * smooth_factor)
        bins = {}
        for category, group in y[keep].groupby(keys[keep]):
            count = len(group)
            risk = float(group.mean())
            if count >= count_threshold:
                bins[str(category)] = (count * risk + smooth * default) / (count + smooth)
            else:
                bins[str(category)] = default
        tables[field] = {"bins": bins, "default_bin": default}
    return tables


def fit_impute(df: pd.DataFrame, fields: list[str]) -> dict:
    """Mean imputation values (what the seed fits; its batch paths never apply them)."""
    return {f: float(pd.to_numeric(df[f], errors="coerce").mean()) for f in fields}


def tabular_tensors(df: pd.DataFrame, hp: Mapping, risk: Mapping) -> dict[str, torch.Tensor]:
    """float32 [N] per tab field, as the seed's dataset produced them."""
    categorical = set(hp.get("cat_field_list") or [])
    batch = {}
    for field in hp["tab_field_list"]:
        if field in categorical:
            table = risk[field]
            values = df[field].astype(str).map(lambda v: table["bins"].get(v, table["default_bin"]))
        else:
            values = pd.to_numeric(df[field], errors="coerce").fillna(-1.0)
        batch[field] = torch.tensor(np.asarray(values, dtype=np.float64), dtype=torch.float32)
    return batch


def label_indices(df: pd.DataFrame, hp: Mapping) -> torch.Tensor:
    """Class index of each row's label, per multiclass_categories (binary: 0/1)."""
    categories = [str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)
                  for c in hp.get("multiclass_categories") or [0, 1]]
    index = {c: i for i, c in enumerate(categories)}
    return torch.tensor([index[str(v)] for v in df[hp["label_name"]]], dtype=torch.long)
