"""Hostile inputs at the features and text stages (issue 11, classes 1, 5 and 7): out-of-range
text options, text cells beyond the per-cell limits (docs/bundle-format.md "Limits") and numbers
that are finite in double but not in float32. Each gets one line `verdict: error: ...` naming
the option, or the file (standard input line), column and row; memory stays bounded."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import ENGINE, ROOT, run_engine

TOKENIZER = "tests/golden/tokenizer/uncased/tokenizer.json"
STEPS = "dialogue_splitter,text_normalizer,dialogue_chunker,tokenizer"
FIXTURE = ROOT / "tests" / "golden" / "bundle" / "tiny"
MESSAGE = "a message of about sixteen tokens, long enough to fill one chunk of sixteen"


def dialogue(messages: int, message: str = MESSAGE) -> str:
    return "".join(f"[bom] {message} [eom]" for _ in range(messages))


def preprocess(lines: list[str], *options: str) -> subprocess.CompletedProcess:
    args = ["preprocess", "--steps", STEPS, "--tokenizer", TOKENIZER, *options]
    return subprocess.run([str(ENGINE), *args], input="".join(json.dumps(t) + "\n" for t in lines),
                          capture_output=True, text=True, cwd=ROOT)


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("verdict: error: ")
    return lines[0]


@pytest.mark.parametrize("value", ["0", "1", "65537", "2147483647"])
def test_max_sen_len_out_of_range(value, engine):
    line = error_line(preprocess(["[bom] hi [eom]"], "--max-sen-len", value))
    assert f"text option max_sen_len is {value}; it must be between 2 and 65536" in line, line


@pytest.mark.parametrize("option", ["--max-sen-len", "--max-total-chunks"])
def test_negative_options_are_one_line_errors(option, engine):
    # The CLI refuses them (min 0); the text stage would too (a negative int arrives as SIZE_MAX).
    line = error_line(preprocess(["[bom] hi [eom]"], "--chunk-truncate", option, "-1"))
    assert option in line or option.lstrip("-").replace("-", "_") in line, line


@pytest.mark.parametrize("value", ["0", "65"])
def test_max_total_chunks_out_of_range_with_chunk_truncate(value, engine):
    line = error_line(preprocess(["[bom] hi [eom]"], "--max-sen-len", "16", "--chunk-truncate",
                                 "--max-total-chunks", value))
    assert f"text option max_total_chunks is {value}; it must be between 1 and 64" in line, line


@pytest.mark.parametrize("value", ["2", "65536"])
def test_max_sen_len_within_range(value, engine):
    done = preprocess(["[bom] hi [eom]"], "--max-sen-len", value)
    assert done.returncode == 0, done.stderr


def test_too_many_chunks_names_the_line(engine):
    done = preprocess(["[bom] fine [eom]", dialogue(64), dialogue(5000)], "--max-sen-len", "16")
    line = error_line(done)
    assert "standard input line 3: the text makes more than 64 chunks of max_sen_len 16" in line
    assert len(done.stdout.splitlines()) == 2  # the lines before it were written


def test_chunk_truncate_keeps_a_long_dialogue_within_the_limit(engine):
    done = preprocess([dialogue(5000)], "--max-sen-len", "16", "--chunk-truncate",
                      "--max-total-chunks", "5")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["input_ids"]) == 5


@pytest.mark.parametrize("messages", [10001, 50000])
def test_too_many_messages(messages, engine):
    line = error_line(preprocess([dialogue(messages, "hi")], "--max-sen-len", "512"))
    assert "standard input line 1: the text has more than 10000 messages" in line, line


def test_cell_over_the_byte_limit(engine):
    text = "[bom] " + "x" * (64 << 20) + " [eom]"
    line = error_line(preprocess([text], "--max-sen-len", "16"))
    assert f"standard input line 1: the text is {len(text)} bytes, more than 67108864" in line


@pytest.mark.parametrize("messages, limit", [(5000, "more than 64 chunks"),
                                             (50000, "more than 10000 messages")])
def test_memory_stays_bounded_for_huge_dialogues(messages, limit, engine):
    """The issue's cases: 5,000 messages took 3 GB and 50,000 were killed at 23 GB. Both are now
    refused early (5,000 messages make about 160 chunks of 512 tokens)."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(ENGINE), "preprocess", "--steps", STEPS, "--tokenizer",
         TOKENIZER, "--max-sen-len", "512"],
        input=json.dumps(dialogue(messages)) + "\n", capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1 and limit in done.stderr, done.stderr
    max_rss_kib = int(done.stderr.strip().splitlines()[-1])
    assert max_rss_kib < 1024 * 1024, max_rss_kib  # under 1 GiB


# ---------------------------------------------------------------------------------------------
# Numbers beyond float32 (eval on the tabular fixture).


@pytest.fixture
def bundle(tmp_path) -> pathlib.Path:
    copy = tmp_path / "bundle"
    shutil.copytree(FIXTURE, copy)
    return copy


def run_eval(tmp_path, bundle, body: str):
    data = tmp_path / "d.csv"
    data.write_text(body)
    return run_engine("eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir",
                      str(tmp_path / "out"), "--metrics-dir", str(tmp_path / "metrics"))


@pytest.mark.parametrize("value", ["1e39", "-1e39", "3.5e38", "1.7976931348623157e308"])
def test_number_beyond_float32_is_refused(tmp_path, bundle, value, engine):
    done = run_eval(tmp_path, bundle, f"id,a,b,label\n1,0.5,p,x\n2,{value},q,y\n")
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("verdict: error: ")
    assert "d.csv' column 'a' row 2: value " in last and "is beyond float32's range" in last, last
    metrics = tmp_path / "metrics"
    assert (metrics / "_FAILURE").exists() and not (metrics / "_SUCCESS").exists()
    assert not list((tmp_path / "out").glob("eval_predictions*"))


def test_numbers_at_float32_edges_and_missing_values_are_accepted(tmp_path, bundle, engine):
    done = run_eval(tmp_path, bundle, "id,a,b,label\n1,3.4e38,p,x\n2,1e-50,q,y\n3,,p,z\n4,nan,q,x\n")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "metrics" / "_SUCCESS").exists()
