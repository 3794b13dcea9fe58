"""export_bundle's sample data as a pandas DataFrame: the same bundle as from the file, and no
temporary folder left behind."""

from __future__ import annotations

import json
import pathlib
import tempfile

import numpy as np
import pandas as pd
import pytest

from verdict.export import ExportError, export_bundle
from conftest import ENGINE
from tiny_models import HP, Linear


def leftovers() -> set[str]:
    return {p.name for p in pathlib.Path(tempfile.gettempdir()).glob("verdict-sample-*")}


def test_dataframe_sample_gives_the_file_sample_bundle(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30), "y": rng.integers(0, 2, 30)})
    frame.loc[3, "a"] = np.nan
    frame.to_csv(tmp_path / "sample.csv", index=False)
    before = leftovers()
    from_file = export_bundle(Linear(), HP, str(tmp_path / "sample.csv"), str(tmp_path / "file"), engine=str(ENGINE))
    from_frame = export_bundle(Linear(), HP, frame, str(tmp_path / "frame"), engine=str(ENGINE))
    assert leftovers() == before
    assert from_frame.rows_checked == from_file.rows_checked
    manifest = {k: v for k, v in json.loads((tmp_path / "frame" / "verdict.json").read_text()).items()
                if k not in ("sha256", "created_by")}
    assert manifest == {k: v for k, v in json.loads((tmp_path / "file" / "verdict.json").read_text()).items()
                        if k not in ("sha256", "created_by")}


def test_sample_of_another_type_is_refused(tmp_path):
    with pytest.raises(ExportError, match="sample data must be a path or a pandas DataFrame, not list"):
        export_bundle(Linear(), HP, [[1, 2, 0]], str(tmp_path / "bundle"), engine=str(ENGINE))
