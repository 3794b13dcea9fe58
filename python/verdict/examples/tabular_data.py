"""A generated customer data set with a learnable label, for the tabular examples and tests.

Numeric features (with missing values), categorical features (with a missing category) and either
a binary label (0/1) or a three-class label ("bronze", "silver", "gold").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ["age", "income", "tenure_months", "num_orders", "avg_basket"]
CATEGORICAL = ["region", "channel"]
CLASSES = ["bronze", "silver", "gold"]
REGION_EFFECT = {"north": 0.8, "south": -0.4, "east": 0.2, "west": -0.9, "islands": 1.5}
CHANNEL_EFFECT = {"web": 0.3, "app": 0.9, "store": -0.6}


def make_customers(rows: int, task: str = "binary", seed: int = 0) -> pd.DataFrame:
    """`rows` customers; task is "binary" or "multiclass"."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "customer_id": [f"C{seed:02d}-{i:06d}" for i in range(rows)],
        "age": rng.integers(18, 85, rows).astype(float),
        "income": np.round(rng.lognormal(10.5, 0.6, rows), 2),
        "tenure_months": rng.integers(0, 121, rows).astype(float),
        "num_orders": rng.poisson(6, rows).astype(float),
        "avg_basket": np.round(rng.gamma(3.0, 20.0, rows), 2),
        "region": rng.choice(list(REGION_EFFECT), rows, p=[0.3, 0.25, 0.2, 0.2, 0.05]),
        "channel": rng.choice(list(CHANNEL_EFFECT), rows, p=[0.5, 0.3, 0.2]),
    })
    latent = (0.03 * (df["age"] - 50) + 0.8 * (np.log(df["income"]) - 10.5) + 0.015 * df["tenure_months"]
              - 0.12 * df["num_orders"] + 0.01 * df["avg_basket"] + df["region"].map(REGION_EFFECT)
              + df["channel"].map(CHANNEL_EFFECT) + rng.normal(0, 0.8, rows))
    if task == "binary":
        df["label"] = (rng.random(rows) < 1 / (1 + np.exp(-(latent - 0.5)))).astype(int)
    else:
        cuts = np.quantile(latent, [0.45, 0.8])
        df["label"] = np.array(CLASSES)[np.searchsorted(cuts, latent)]
    for column, rate in [("age", 0.05), ("income", 0.08), ("avg_basket", 0.03), ("region", 0.04)]:
        df.loc[rng.random(rows) < rate, column] = np.nan
    return df


def hyperparameters(task: str = "binary") -> dict:
    """Seed-style hyperparameters.json content for the example model."""
    binary = task == "binary"
    return {
        "id_name": "customer_id",
        "label_name": "label",
        "full_field_list": ["customer_id", *NUMERIC, *CATEGORICAL, "label"],
        "tab_field_list": [*NUMERIC, *CATEGORICAL],
        "cat_field_list": list(CATEGORICAL),
        "is_binary": binary,
        "num_classes": 2 if binary else len(CLASSES),
        "multiclass_categories": [0, 1] if binary else list(CLASSES),
        "batch_size": 128,
        "eval_batch_size_multiplier": 2.0,
        "hidden_common_dim": 32,
        "lr": 0.01,
        "max_epochs": 6,
        "smooth_factor": 0.0,
        "count_threshold": 0,
        "model_class": "tabular_mlp",
    }
