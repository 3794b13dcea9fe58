"""Reading data under hostile input (issue 11, classes 8-10): a shard that cannot be read is an
error naming it, a CSV row of many megabytes reads (the block grows), and every error of the
table stage is one line `verdict: error: ...` with exit status 1, `_FAILURE` and no `_SUCCESS`."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from conftest import run_engine

HEADER = "id,label,prob_class_0,prob_class_1"
ROWS = ["1,0,0.8,0.2", "2,1,0.3,0.7", "3,0,0.6,0.4", "4,1,0.1,0.9"]


def write(path: pathlib.Path, body: str | bytes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return path


def predictions(rows=ROWS, header=HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def run_metrics(tmp_path, data):
    return run_engine("metrics", "--predictions", str(data), "--label-col", "label",
                      "--output-dir", str(tmp_path / "m"))


def assert_failed(done, tmp_path, *fragments):
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("[verdict]")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("verdict: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert (tmp_path / "m" / "_FAILURE").read_text().startswith("Error: ")
    assert not (tmp_path / "m" / "_SUCCESS").exists()


@pytest.mark.parametrize("link,target,says", [
    ("b.csv", "gone.csv", "which does not exist"),
    ("deeper/b.csv", "../../nowhere.csv", "which does not exist"),
    ("loop.csv", "loop.csv", "cannot be followed"),
    ("shards", ".", "symlink to the folder"),
])
def test_unreadable_shard_link_is_an_error(tmp_path, link, target, says):
    data = tmp_path / "data"
    write(data / "a.csv", predictions())
    (data / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, data / link)
    assert_failed(run_metrics(tmp_path, data), tmp_path, str(data / link), says)


def test_unreadable_shard_file_is_an_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    data = tmp_path / "data"
    write(data / "a.csv", predictions())
    write(data / "b.csv", predictions()).chmod(0)
    assert_failed(run_metrics(tmp_path, data), tmp_path, str(data / "b.csv"), "cannot be read")


@pytest.mark.parametrize("cell_mb,at_row", [(10, 2), (10, 0), (20, 3)])
def test_row_of_many_megabytes_reads(tmp_path, cell_mb, at_row):
    rows = [row + ",short" for row in ROWS]
    rows[at_row] = ROWS[at_row] + ",\"" + "x, \n" * (cell_mb << 18) + "\""
    data = write(tmp_path / "p.csv", predictions(rows, HEADER + ",note"))
    done = run_metrics(tmp_path, data)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m" / "_SUCCESS").exists()
    reference = tmp_path / "reference"
    assert run_metrics(reference, write(tmp_path / "r.csv", predictions())).returncode == 0
    got = json.loads((tmp_path / "m" / "metrics.json").read_text())
    want = json.loads((reference / "m" / "metrics.json").read_text())
    assert got["auc_roc"] == want["auc_roc"] and got["log_loss"] == want["log_loss"]


@pytest.mark.parametrize("tail", ["2,\"unclosed,0.3\n3,0,0.6,0.4\n", "2,1,\"" + "z\n" * 500])
def test_unclosed_quote_is_one_line(tmp_path, tail):
    data = write(tmp_path / "p.csv", HEADER + "\n1,0,0.8,0.2\n" + tail)
    done = run_metrics(tmp_path, data)
    assert_failed(done, tmp_path, str(data))
    assert len(done.stderr.splitlines()[-1]) < 500


def parquet_bytes(tmp_path) -> bytes:
    pd = pytest.importorskip("pandas")
    path = tmp_path / "good.parquet"
    rows = [row.split(",") for row in ROWS]
    frame = pd.DataFrame({"id": [int(r[0]) for r in rows], "label": [int(r[1]) for r in rows],
                          "prob_class_0": [float(r[2]) for r in rows],
                          "prob_class_1": [float(r[3]) for r in rows]})
    frame.to_parquet(path, index=False)
    return path.read_bytes()


def test_corrupt_and_footer_only_parquet_are_one_line(tmp_path):
    good = parquet_bytes(tmp_path)
    footer = int.from_bytes(good[-8:-4], "little")
    corrupt = bytearray(good)
    corrupt[4:len(good) // 2:3] = b"\xa5" * len(range(4, len(good) // 2, 3))
    for name, body in [("corrupt", bytes(corrupt)), ("footer_only", b"PAR1" + good[-8 - footer:]),
                       ("magic_only", b"PAR1"), ("text", b"PAR1\nnot\nparquet\nPAR1")]:
        out = tmp_path / name
        data = write(out / f"{name}.parquet", body)
        assert_failed(run_metrics(out, data), out, str(data))


def test_shard_without_a_needed_column_names_it(tmp_path):
    data = tmp_path / "data"
    write(data / "a.csv", predictions())
    write(data / "b.csv", predictions([r + ",1" for r in ROWS], "id,label,p0,p1,extra"))
    assert_failed(run_metrics(tmp_path, data), tmp_path, str(data / "b.csv"),
                  "has no column 'prob_class_")
