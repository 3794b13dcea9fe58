"""Unit tests of the exporter's pure parts: manifest building, factory and state-dict loading."""

from __future__ import annotations

import collections

import pytest
import torch

from verdict.export import ExportError, build_manifest, load_factory, load_state_dict

BASE = {"id_name": "id", "label_name": "y", "tab_field_list": ["a", "color"], "cat_field_list": ["color"],
        "is_binary": True, "num_classes": 2, "batch_size": 16, "eval_batch_size_multiplier": 2.0}
RISK = {"color": {"bins": {"red": 0.7, "blue": 0.2}, "default_bin": 0.4}}


def test_binary_manifest_follows_the_seed_keys():
    m = build_manifest(BASE, risk=RISK, impute={"a": 3.5})
    assert m["task"] == "binary" and m["class_labels"] == ["0", "1"]
    assert m["batch_size"] == 32  # batch_size * eval_batch_size_multiplier
    assert [i["name"] for i in m["inputs"]] == ["a", "color"]
    fields = {f["name"]: f for f in m["tabular_fields"]}
    assert fields["a"]["missing_value"] == -1.0  # the seed filled missing numbers with -1.0
    assert fields["color"]["risk_table"]["bins"]["red"] == 0.7


def test_impute_mode_uses_the_impute_values():
    m = build_manifest(BASE, risk=RISK, impute={"a": 3.5}, missing_values="impute")
    assert m["tabular_fields"][0]["missing_value"] == 3.5


def test_multiclass_labels_are_normalised_like_the_seed():
    hp = dict(BASE, is_binary=False, num_classes=3, multiclass_categories=[1.0, 2.0, "x"])
    assert build_manifest(hp, risk=RISK)["class_labels"] == ["1", "2", "x"]


@pytest.mark.parametrize("change, message", [
    ({"num_classes": 3}, "is_binary is true but num_classes is 3"),
    ({"is_binary": False, "num_classes": 3, "multiclass_categories": [0, 0, 1]}, "3 distinct labels"),
    ({"tab_field_list": []}, "no inputs"),
])
def test_inconsistent_hyperparameters_are_errors(change, message):
    with pytest.raises(ExportError, match=message):
        build_manifest(dict(BASE, **change), risk=RISK)


def test_categorical_field_needs_a_risk_table():
    with pytest.raises(ExportError, match="'color' is categorical"):
        build_manifest(BASE, risk={})


def test_factory_spec_errors(tmp_path):
    with pytest.raises(ExportError, match="MODULE:FUNC"):
        load_factory("no_colon")
    with pytest.raises(ExportError, match="cannot import"):
        load_factory("verdict_no_such_module:f")
    (tmp_path / "m.py").write_text("def make(hp):\n    return None\n")
    with pytest.raises(ExportError, match="has no function 'other'"):
        load_factory(f"{tmp_path / 'm.py'}:other")
    assert callable(load_factory(f"{tmp_path / 'm.py'}:make"))


class Pickled:
    pass


def test_state_dict_never_unpickles_objects(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(2), "payload": Pickled()}, path)
    with pytest.raises(ExportError, match="weights only"):
        load_state_dict(str(path))


def test_lightning_checkpoint_state_dict(tmp_path):
    path = tmp_path / "last.ckpt"
    torch.save({"state_dict": collections.OrderedDict(w=torch.ones(1)), "epoch": 3}, path)
    assert list(load_state_dict(str(path))) == ["w"]
    with pytest.raises(ExportError, match="does not exist"):
        load_state_dict(str(tmp_path / "missing.pth"))
