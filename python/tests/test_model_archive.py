"""`verdict eval` (and verdict.evaluate) on a model directory holding the seed's model.tar.gz: the
archive is unpacked into a private temporary folder that is removed afterwards; members that would
leave it are refused with one line, exit status 1, _FAILURE and nothing written outside."""

from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import tarfile
import tempfile

import numpy as np
import pandas as pd
import pytest

import verdict
from verdict.export import export_bundle
from conftest import ENGINE
from tiny_models import HP, Linear


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    root = tmp_path_factory.mktemp("archive")
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50), "y": rng.integers(0, 2, 50)}).to_csv(
        root / "eval.csv", index=False)
    export_bundle(Linear(), HP, str(root / "eval.csv"), str(root / "bundle"), engine=str(ENGINE))
    return root / "bundle", root / "eval.csv"


def eval_dir(model_dir: pathlib.Path, data: pathlib.Path, out: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENGINE), "eval", "--model-dir", str(model_dir), "--data", str(data),
                           "--output-dir", str(out / "eval"), "--metrics-dir", str(out / "metrics"), "--no-plots"],
                          capture_output=True, text=True, env={**os.environ, "TMPDIR": str(out / "tmp")})


def verdict_temp_folders(out: pathlib.Path) -> list[str]:
    return [p.name for p in (out / "tmp").iterdir()]


@pytest.mark.parametrize("top", ["", "bundle/"])
def test_eval_on_the_archive_equals_eval_on_the_bundle(exported, tmp_path, top):
    bundle, data = exported
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        tar.add(bundle, arcname=top or ".")
    (tmp_path / "tmp").mkdir()
    done = eval_dir(model_dir, data, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "metrics" / "_SUCCESS").exists()
    assert verdict_temp_folders(tmp_path) == []  # removed afterwards
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.tar.gz"]  # nothing written beside it
    plain = eval_dir(bundle, data, tmp_path / "plain")
    assert plain.returncode == 0, plain.stderr
    assert (json.loads((tmp_path / "metrics" / "metrics.json").read_text())
            == json.loads((tmp_path / "plain" / "metrics" / "metrics.json").read_text()))
    result = verdict.evaluate(model_dir, data, no_plots=True)
    assert result.metrics == json.loads((tmp_path / "metrics" / "metrics.json").read_text())


def add(tar: tarfile.TarFile, name: str, *, data: bytes = b"x", type=tarfile.REGTYPE, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = type
    info.linkname = link
    info.size = len(data) if type == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if type == tarfile.REGTYPE else None)


@pytest.mark.parametrize("member, message", [
    (dict(name="{outside}/escaped"), "is an absolute path"),
    (dict(name="../escaped"), "has a '..' component"),
    (dict(name="link", type=tarfile.SYMTYPE, link="{outside}"), "links to the absolute path"),
    (dict(name="sub/link", type=tarfile.SYMTYPE, link="../../escaped"), "outside the folder"),
    (dict(name="hard", type=tarfile.LNKTYPE, link="../escaped"), "has a '..' component"),
    (dict(name="fifo", type=tarfile.FIFOTYPE), "special file"),
])
def test_members_leaving_the_folder_are_refused(exported, tmp_path, member, message):
    bundle, data = exported
    outside = tmp_path / "outside"
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (tmp_path / "tmp").mkdir()
    member = {k: v.format(outside=outside) if isinstance(v, str) else v for k, v in member.items()}
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        tar.add(bundle, arcname=".")
        add(tar, **member)
    done = eval_dir(model_dir, data, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("verdict: error: model archive ") and message in lines[-1], done.stderr
    assert lines[-1].endswith("; refused")
    assert (tmp_path / "metrics" / "_FAILURE").exists() and not (tmp_path / "metrics" / "_SUCCESS").exists()
    assert not outside.exists() and not (tmp_path / "escaped").exists()
    assert verdict_temp_folders(tmp_path) == []
    with pytest.raises(verdict.Error, match=message):
        verdict.evaluate(model_dir, data)


def test_training_output_without_a_bundle_says_how_to_export(tmp_path):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        add(tar, "model.pth")
        add(tar, "hyperparameters.json", data=b"{}")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "data.csv").write_text("a,b,y\n1,2,0\n")
    done = eval_dir(model_dir, tmp_path / "data.csv", tmp_path)
    assert done.returncode == 1
    assert "verdict-export --training-output" in done.stderr.strip().splitlines()[-1]
