"""Option values from flags and environment variables are converted by verdict's own parsers:
a bad value or an unknown flag is one line naming the flag or variable, exit status 1, and for
eval and metrics a _FAILURE that replaces the markers of an earlier successful run."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from conftest import ROOT, run_engine

FIXTURE = ROOT / "tests" / "golden" / "bundle" / "tiny"
GOOD_CSV = "id,a,b,label\n1,0.5,p,x\n2,,q,z\n3,2,,y\n"
INT_RANGE = "[0, 2147483647]"


@pytest.fixture
def job(tmp_path) -> dict[str, pathlib.Path]:
    """A bundle, its data, and the directories of one successful eval and metrics run."""
    bundle = tmp_path / "bundle"
    shutil.copytree(FIXTURE, bundle)
    data = tmp_path / "d.csv"
    data.write_text(GOOD_CSV)
    paths = {"bundle": bundle, "data": data, "out": tmp_path / "out", "metrics": tmp_path / "metrics",
             "assessed": tmp_path / "assessed"}
    assert run_eval(paths).returncode == 0
    assert run_metrics(paths).returncode == 0
    assert (paths["metrics"] / "_SUCCESS").exists() and (paths["assessed"] / "_SUCCESS").exists()
    return paths


def run_eval(paths, *extra, env=None):
    return run_engine("eval", "--model-dir", str(paths["bundle"]), "--data", str(paths["data"]),
                      "--output-dir", str(paths["out"]), "--metrics-dir", str(paths["metrics"]), *extra,
                      env=env)


def run_metrics(paths, *extra, env=None):
    return run_engine("metrics", "--predictions", str(paths["out"] / "eval_predictions.csv"), "--label-col",
                      "label", "--class-labels", "x,y,z", "--output-dir", str(paths["assessed"]), *extra,
                      env=env)


def assert_option_error(done, markers: pathlib.Path | None, expected: str):
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"verdict: error: {expected}"]
    if markers is not None:
        assert (markers / "_FAILURE").read_text() == f"Error: {expected}"
        assert not (markers / "_SUCCESS").exists() and not (markers / "_HEALTH").exists()


EVAL_CASES = [
    ([], {"BATCH_SIZE": "abc"}, f"BATCH_SIZE: 'abc' is not an integer in {INT_RANGE}"),
    (["--batch-size", "4294967297"], {}, f"--batch-size: '4294967297' is not an integer in {INT_RANGE}"),
    ([], {"BATCH_SIZE": "9" * 309}, f"BATCH_SIZE: '{'9' * 60}...' is not an integer in {INT_RANGE}"),
    ([], {"VERDICT_THRESHOLDS": "2"}, "VERDICT_THRESHOLDS: threshold '2' is not a number in [0, 1]"),
    ([], {"COMPARISON_MODE": "maybe"},
     "COMPARISON_MODE: 'maybe' is not a boolean (true/false, 1/0, yes/no, on/off)"),
    (["--margin", "-1"], {}, "--margin: '-1' is not a number in [0, 1.7976931348623157e+308]"),
    (["--bogus", "1"], {}, "unknown option '--bogus' (see verdict eval --help)"),
    (["--no-plots=yes"], {}, "--no-plots: takes no value"),
    (["--log-level", "loud"], {}, "unknown option '--log-level' (see verdict eval --help)"),
    ([], {"VERDICT_LOG_LEVEL": "loud"}, "VERDICT_LOG_LEVEL: log level 'loud' is not one of debug, info, warning, error, quiet"),
]


@pytest.mark.parametrize("extra,env,expected", EVAL_CASES)
def test_eval_bad_option_after_a_successful_run(job, extra, env, expected):
    assert_option_error(run_eval(job, *extra, env=env), job["metrics"], expected)


METRICS_CASES = [
    ([], {"VERDICT_THRESHOLDS": "2"}, "VERDICT_THRESHOLDS: threshold '2' is not a number in [0, 1]"),
    (["--thresholds", "0.5,abc"], {}, "--thresholds: threshold 'abc' is not a number in [0, 1]"),
    ([], {"STATISTICAL_TESTS": "maybe"},
     "STATISTICAL_TESTS: 'maybe' is not a boolean (true/false, 1/0, yes/no, on/off)"),
    (["--bootstrap-resamples", "-5"], {}, f"--bootstrap-resamples: '-5' is not an integer in {INT_RANGE}"),
    (["--bogus"], {}, "unknown option '--bogus' (see verdict metrics --help)"),
]


@pytest.mark.parametrize("extra,env,expected", METRICS_CASES)
def test_metrics_bad_option_after_a_successful_run(job, extra, env, expected):
    assert_option_error(run_metrics(job, *extra, env=env), job["assessed"], expected)


def test_markers_go_where_the_flags_say_even_after_the_bad_value(job, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    done = run_engine("eval", "--batch-size", "x", "--model-dir", str(job["bundle"]), "--metrics-dir",
                      str(elsewhere))
    assert_option_error(done, elsewhere, f"--batch-size: 'x' is not an integer in {INT_RANGE}")


def test_flag_beats_environment(job):
    done = run_eval(job, "--batch-size", "2", "--comparison-mode", "FALSE",
                    env={"BATCH_SIZE": "abc", "COMPARISON_MODE": "maybe"})
    assert done.returncode == 0, done.stderr
    assert (job["metrics"] / "_SUCCESS").exists()


def test_global_log_level_before_the_command(job):
    done = run_engine("--log-level", "quiet", "eval", "--model-dir", str(job["bundle"]), "--data",
                      str(job["data"]), "--output-dir", str(job["out"]), "--metrics-dir", str(job["metrics"]))
    assert done.returncode == 0 and done.stderr == ""


@pytest.mark.parametrize("args,expected", [
    (["tokenize"], "--tokenizer is required"),
    (["features", "--model-dir", "b", "--data", "d"], "--out is required"),
    (["inspect"], "BUNDLE is required"),
    (["inspect", "a", "b"], "unexpected argument 'b'"),
    (["tokenize", "--tokenizer", "t", "--max-length", "-1"],
     "--max-length: '-1' is not an integer in [0, 9223372036854775807]"),
    (["frobnicate"], "unknown command 'frobnicate' (see verdict --help)"),
    ([], "a command is required (see verdict --help)"),
])
def test_other_commands_fail_in_one_line(args, expected):
    assert_option_error(run_engine(*args), None, expected)


@pytest.mark.parametrize("command", ["eval", "metrics", "inspect", "tokenize", "preprocess", "features"])
def test_help_lists_flags_variables_and_defaults(command):
    done = run_engine(command, "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"Usage: verdict {command} [options]")
    if command == "eval":
        assert "  --batch-size INT  [env BATCH_SIZE]  (default: 0)\n" in done.stdout
        assert "(default: /opt/ml/processing/input/model)" in done.stdout
        assert "  --thresholds LIST  [env VERDICT_THRESHOLDS]  (default: 0.3,0.5,0.7)\n" in done.stdout


def test_main_help_lists_commands():
    done = run_engine("--help")
    assert done.returncode == 0
    for command in ["eval", "metrics", "inspect", "tokenize", "preprocess", "features", "--log-level"]:
        assert f"  {command}" in done.stdout
