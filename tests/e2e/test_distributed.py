"""Scale-out (docs/scaling.md): `verdict eval` on 2 and 3 local ranks, under torchrun and with
the rank variables set by hand, gives the predictions and metrics.json of one process byte for
byte; a failing or missing rank fails the whole job cleanly; `eval --partial` on two instances
plus `verdict merge` equals one process too."""

from __future__ import annotations

import io
import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ENGINE, run_engine
from e2e.helpers import write_table
from verdict.examples.tabular_data import make_customers
from verdict.examples.train_tabular import train
from verdict.export import _read_json_beside, build_model, export_bundle

TORCHRUN = pathlib.Path(sys.executable).parent / "torchrun"
BATCH = "4"  # several windows of 16 model batches per rank on a few hundred rows


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, engine) -> pathlib.Path:
    root = tmp_path_factory.mktemp("dist")
    write_table(make_customers(600, "multiclass", seed=3), root / "train.csv")
    out = pathlib.Path(train(str(root / "train.csv"), str(root / "train_output"), "multiclass", epochs=1))
    hp_path = out / "hyperparameters.json"
    hp = json.loads(hp_path.read_text())
    model = build_model("verdict.examples.tabular_model:build_model", hp, str(out / "model.pth"))
    write_table(make_customers(100, "multiclass", seed=4), root / "sample.csv")
    report = export_bundle(model, hp, str(root / "sample.csv"), str(root / "bundle"),
                           impute_dict=_read_json_beside(str(hp_path), "impute_dict.json"),
                           risk_table_map=_read_json_beside(str(hp_path), "risk_table_map.json"),
                           engine=engine)
    return pathlib.Path(report.bundle_dir)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, pathlib.Path]:
    """One CSV file (shared by byte ranges), a folder of Parquet files with several row groups
    (shared by row groups, cut to the row) and a TSV file."""
    root = tmp_path_factory.mktemp("data")
    df = make_customers(437, "multiclass", seed=5)
    df.loc[7, "customer_id"] = 'quoted, "with\nnewline"'  # a CSV row spanning two lines
    paths = {"csv": write_table(df, root / "eval.csv"), "tsv": write_table(df, root / "eval.tsv")}
    (root / "pq").mkdir()
    for i, (begin, end) in enumerate([(0, 150), (150, 151), (151, 437)]):
        df.iloc[begin:end].to_parquet(root / "pq" / f"part-{i}.parquet", index=False, row_group_size=40)
    paths["parquet"] = root / "pq"
    return paths


def eval_args(bundle: pathlib.Path, data: pathlib.Path, out: pathlib.Path, *extra: str) -> list[str]:
    return ["eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir", str(out / "eval"),
            "--metrics-dir", str(out / "metrics"), "--batch-size", BATCH, *extra]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def by_hand(world: int, args: list[str], ranks=None, env=None) -> list[subprocess.CompletedProcess]:
    """The ranks started with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT alone."""
    port = str(free_port())
    procs = []
    for rank in ranks if ranks is not None else range(world):
        rank_env = {k: v for k, v in os.environ.items() if k not in ("LOCAL_WORLD_SIZE", "GROUP_RANK")}
        rank_env.update(env or {})
        rank_env.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                        MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
        procs.append(subprocess.Popen([str(ENGINE), *args], env=rank_env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    done = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def under_torchrun(world: int, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(TORCHRUN), "--no-python", "--standalone", f"--nproc-per-node={world}",
                           str(ENGINE), *args], capture_output=True, text=True, timeout=300)


def outputs(out: pathlib.Path) -> dict[str, bytes]:
    """The files a run leaves, by name: predictions, metrics.json, markers."""
    files = {p.name: p.read_bytes() for p in (out / "eval").iterdir() if p.is_file() and not p.name.startswith(".")}
    for name in ("metrics.json", "comparison_report.txt", "comparison_flips.csv", "_SUCCESS", "_FAILURE"):
        if (out / "metrics" / name).exists():
            files[name] = (out / "metrics" / name).read_bytes()
    return files


@pytest.fixture(scope="module")
def single(bundle, data, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """One process's outputs for each data layout: the reference."""
    refs = {}
    for name, path in data.items():
        out = tmp_path_factory.mktemp(f"single-{name}")
        done = run_engine(*eval_args(bundle, path, out))
        assert done.returncode == 0, done.stderr
        refs[name] = outputs(out)
    return refs


def assert_same_as_single(out: pathlib.Path, reference: dict[str, bytes]):
    got = outputs(out)
    assert "_SUCCESS" in got and "_FAILURE" not in got
    assert sorted(got) == sorted(reference)
    for name, expected in reference.items():
        if name == "_SUCCESS":
            continue
        if name.endswith(".parquet"):  # same rows and types; row groups may differ
            pd.testing.assert_frame_equal(pd.read_parquet(out / "eval" / name),
                                          pd.read_parquet(io.BytesIO(expected)))
        elif name == "comparison_report.txt":  # its time stamp aside
            def undated(text: bytes) -> list[bytes]:
                return [line for line in text.splitlines() if not line.startswith(b"Generated: ")]
            assert undated(got[name]) == undated(expected), f"{name} differs from one process's"
        else:
            assert got[name] == expected, f"{name} differs from one process's"
    assert not [p for p in (out / "eval").iterdir() if p.name.startswith(".verdict-rank")]


@pytest.mark.parametrize("world", [2, 3])
@pytest.mark.parametrize("layout", ["csv", "parquet", "tsv"])
def test_torchrun_ranks_equal_one_process(bundle, data, single, tmp_path, world, layout):
    done = under_torchrun(world, eval_args(bundle, data[layout], tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_as_single(tmp_path, single[layout])


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_set_by_hand_equal_one_process(bundle, data, single, tmp_path, world):
    done = by_hand(world, eval_args(bundle, data["csv"], tmp_path))
    assert [d.returncode for d in done] == [0] * world, [d.stderr[-2000:] for d in done]
    assert_same_as_single(tmp_path, single["csv"])


def test_more_ranks_than_batches(bundle, tmp_path):
    small = write_table(make_customers(40, "multiclass", seed=6), tmp_path / "small.csv")
    one = run_engine(*eval_args(bundle, small, tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    done = by_hand(3, eval_args(bundle, small, tmp_path / "three"))  # one window of 64 rows
    assert [d.returncode for d in done] == [0, 0, 0], [d.stderr[-2000:] for d in done]
    assert outputs(tmp_path / "three")["metrics.json"] == outputs(tmp_path / "one")["metrics.json"]


@pytest.mark.parametrize("launcher", ["by hand", "torchrun"])
def test_a_failing_rank_fails_the_job_on_every_rank(bundle, tmp_path, launcher):
    df = make_customers(200, "multiclass", seed=7)
    df["age"] = df["age"].astype(object)
    df.loc[150, "age"] = "abc"  # in rank 1's share (rows 128..199: windows of 64 rows)
    bad = write_table(df, tmp_path / "bad.csv")
    if launcher == "torchrun":  # it ends the other ranks once one exits: rank 0 still records
        done = under_torchrun(2, eval_args(bundle, bad, tmp_path))
        assert done.returncode == 1, done.stderr[-3000:]  # torchrun's own status for a failed rank
        assert done.stderr.count("verdict: error: rank 1 of 2 failed: ") >= 1, done.stderr[-3000:]
    else:
        done = by_hand(2, eval_args(bundle, bad, tmp_path))
        assert [d.returncode for d in done] == [1, 1]
        for d in done:
            lines = [line for line in d.stderr.splitlines() if line.startswith("verdict: error:")]
            assert len(lines) == 1, d.stderr
            assert "rank 1 of 2 failed: " in lines[0] and "row 151" in lines[0] and "'age'" in lines[0]
    failure = (tmp_path / "metrics" / "_FAILURE").read_text()
    assert "rank 1 of 2 failed" in failure and "row 151" in failure
    assert not (tmp_path / "metrics" / "_SUCCESS").exists()
    assert not (tmp_path / "metrics" / "metrics.json").exists()
    assert [p.name for p in (tmp_path / "eval").iterdir()] == [".verdict.lock"], \
        "no predictions, partial or complete, and no rank's scratch folder"


def test_a_rank_that_never_joins_is_reported_after_the_timeout(bundle, data, tmp_path):
    done = by_hand(2, eval_args(bundle, data["csv"], tmp_path, "--rank-timeout", "3"), ranks=[0])
    assert done[0].returncode == 1
    assert "did not all join the process group" in done[0].stderr
    assert "--rank-timeout" in (tmp_path / "metrics" / "_FAILURE").read_text()
    assert not (tmp_path / "metrics" / "_SUCCESS").exists()


def test_partial_instances_and_merge_equal_one_process(bundle, tmp_path):
    df = make_customers(300, "multiclass", seed=8)
    whole = tmp_path / "whole"
    write_table(df.iloc[:128], whole / "a" / "part.csv")  # whole windows of 16 model batches
    write_table(df.iloc[128:], whole / "b" / "part.csv")
    one = run_engine(*eval_args(bundle, whole, tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    for host, folder in (("algo-2", "b"), ("algo-1", "a")):  # finishing order does not matter
        config = tmp_path / host / "resourceconfig.json"
        config.parent.mkdir(parents=True)
        config.write_text(json.dumps({"current_host": host, "hosts": ["algo-1", "algo-2"]}))
        done = run_engine(*eval_args(bundle, whole / folder, tmp_path / host, "--partial",
                                     "--resource-config", str(config)))
        assert done.returncode == 0, done.stderr
        assert (tmp_path / host / "eval" / f"eval_predictions.part-{host}.csv").exists()
        assert (tmp_path / host / "metrics" / f"scored_rows.part-{host}.verdict").exists()
        assert not (tmp_path / host / "eval" / "eval_predictions.csv").exists()
    merged = tmp_path / "merged"
    done = run_engine("merge", str(tmp_path / "algo-1"), str(tmp_path / "algo-2"),
                      "--metrics-dir", str(merged / "metrics"), "--output-dir", str(merged / "eval"))
    assert done.returncode == 0, done.stderr
    assert_same_as_single(merged, outputs(tmp_path / "one"))


def test_merge_without_parts_is_a_one_line_error(tmp_path):
    (tmp_path / "empty").mkdir()
    done = run_engine("merge", str(tmp_path / "empty"), "--metrics-dir", str(tmp_path / "m"))
    assert done.returncode == 1
    assert done.stderr.count("verdict: error:") == 1 and "scored_rows.part-" in done.stderr
    assert (tmp_path / "m" / "_FAILURE").exists()


def test_partial_under_a_launcher_is_refused(bundle, data, tmp_path):
    done = by_hand(2, eval_args(bundle, data["csv"], tmp_path, "--partial"))
    for d in done:
        assert d.returncode == 1
        assert d.stderr.count("verdict: error: --partial is for instances without network peers") == 1
    assert "drop --partial" in (tmp_path / "metrics" / "_FAILURE").read_text()


def test_text_model_on_ranks_equals_one_process(engine, tmp_path):
    """A bimodal text model under both batchings: seed pads a row's chunks per model batch, served
    groups the rows of a window by length into the model's calls, so the shares start at window
    boundaries for every call to be one process's. The intra-op thread count is fixed: LibTorch's
    kernels may round differently on another number of threads, in one process as on ranks."""
    from verdict.examples.dialogue_data import make_orders
    from verdict.examples.train_text import train as train_text

    write_table(make_orders(120, seed=5), tmp_path / "train.csv")
    out = pathlib.Path(train_text(str(tmp_path / "train.csv"), str(tmp_path / "train_output"), "bimodal",
                                  epochs=1, engine=engine))
    hp_path = out / "hyperparameters.json"
    hp = json.loads(hp_path.read_text())
    model = build_model("verdict.examples.text_model:build_model", hp, str(out / "model.pth"))
    data = write_table(make_orders(90, seed=6), tmp_path / "eval.csv")
    bundle = pathlib.Path(export_bundle(model, hp, str(data), str(tmp_path / "bundle"),
                                        risk_table_map=_read_json_beside(str(hp_path), "risk_table_map.json"),
                                        engine=engine, tokenizer=out / "tokenizer").bundle_dir)
    for batching in ("seed", "served"):
        args = ["eval", "--model-dir", str(bundle), "--data", str(data), "--batch-size", "2",
                "--batching", batching, "--threads", "1"]
        one, three = tmp_path / batching / "one", tmp_path / batching / "three"
        done = run_engine(*args, "--output-dir", str(one / "eval"), "--metrics-dir", str(one / "metrics"))
        assert done.returncode == 0, done.stderr
        done = under_torchrun(3, [*args, "--output-dir", str(three / "eval"), "--metrics-dir", str(three / "metrics")])
        assert done.returncode == 0, done.stderr[-3000:]
        assert_same_as_single(three, outputs(one))


def test_comparison_mode_on_ranks_equals_one_process(bundle, tmp_path):
    df = make_customers(300, "multiclass", seed=9)
    rng = np.random.default_rng(9)
    previous = rng.dirichlet(np.ones(3), len(df))
    columns = [f"prev_{c}" for c in range(3)]
    for c, column in enumerate(columns):
        df[column] = previous[:, c]
    df.loc[17, "prev_0"] = np.nan  # a row left out of the comparison
    data = write_table(df, tmp_path / "eval.csv")
    env = {"COMPARISON_MODE": "true", "PREVIOUS_SCORE_FIELD": ",".join(columns)}
    one = run_engine(*eval_args(bundle, data, tmp_path / "one"), env=env)
    assert one.returncode == 0, one.stderr
    reference = outputs(tmp_path / "one")
    assert "eval_predictions_with_comparison.csv" in reference and "comparison_report.txt" in reference
    done = by_hand(3, eval_args(bundle, data, tmp_path / "three"), env=env)
    assert [d.returncode for d in done] == [0, 0, 0], [d.stderr[-2000:] for d in done]
    assert_same_as_single(tmp_path / "three", reference)
