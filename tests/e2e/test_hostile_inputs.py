"""One list of hostile inputs (issue 11, its 12 classes and their variations), each held to the
error contract of README and docs/errors.md:

- exit status 1 (130/143 for SIGINT/SIGTERM);
- exactly one stderr line besides the `[verdict] ` log lines, starting `verdict: error: ` and
  naming what is at fault (the file, key, column, row or option: each case lists the fragments);
- for `eval` and `metrics`: `_FAILURE` in the metrics directory, no `_SUCCESS` or `_HEALTH`, and
  no predictions file (complete-looking or partial) in the output directory;
- the user's files (data, bundle, tokenizer) byte for byte as they were.

Most cases use `verdict metrics`, `tokenize`, `preprocess` and `inspect` (no model run) to stay
fast; `eval` cases use the tiny tabular fixture bundle. The fixtures and tamperings come from the
topic suites (test_bad_input, test_bundle_hardening, test_table_hardening, test_job_hardening).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time
from typing import Callable

import pytest

from conftest import ENGINE, ROOT
from test_bad_input import FIXTURE, GOOD_CSV, write
from test_bundle_hardening import TOKENIZER, record_digests, small_tokenizer
from test_job_hardening import NanForLargeA, Raises, with_model
from test_table_hardening import HEADER, ROWS, parquet_bytes, predictions


@dataclasses.dataclass
class Run:
    """One engine call and what the contract checks around it."""

    args: list[str]
    env: dict = dataclasses.field(default_factory=dict)
    stdin: str | None = None
    markers: pathlib.Path | None = None  # the metrics directory (eval, metrics)
    out: pathlib.Path | None = None  # where no predictions file may be left
    kept: list[pathlib.Path] = dataclasses.field(default_factory=list)  # the user's files
    signal: int | None = None  # sent once the engine waits on its standard input
    cleanup: Callable[[], None] | None = None  # after the run (ends a helper process)


@dataclasses.dataclass
class Case:
    id: str
    issue_class: int  # the class of issue 11 it belongs to (0: none of them)
    make: Callable[[pathlib.Path], Run]  # writes the case's files under tmp_path
    says: tuple[str, ...]  # fragments of the error line ("{tmp}" is tmp_path)
    status: int = 1


CASES: list[Case] = []


def case(id: str, issue_class: int, *says: str, status: int = 1):
    def register(make):
        CASES.append(Case(id, issue_class, make, says, status))
        return make
    return register


# --- building blocks ----------------------------------------------------------------------------

def metrics(tmp: pathlib.Path, data: pathlib.Path, *options: str, env=None, kept=()) -> Run:
    return Run(["metrics", "--predictions", str(data), "--label-col", "label", "--no-plots",
                "--output-dir", str(tmp / "m"), *options], env=env or {}, markers=tmp / "m",
               kept=[data, *kept])


def metrics_on(body: str | bytes, name: str = "p.csv", *options: str, env=None):
    return lambda tmp: metrics(tmp, write(tmp / name, body), *options, env=env)


def fixture_bundle(tmp: pathlib.Path) -> pathlib.Path:
    copy = tmp / "bundle"
    if not copy.exists():
        shutil.copytree(FIXTURE, copy)
    return copy


def edit_manifest(bundle: pathlib.Path, edit: Callable[[dict], None]) -> pathlib.Path:
    manifest = json.loads((bundle / "verdict.json").read_text())
    edit(manifest)
    (bundle / "verdict.json").write_text(json.dumps(manifest))
    return bundle


def evaluate(tmp: pathlib.Path, bundle: pathlib.Path, data: pathlib.Path, *options: str, env=None) -> Run:
    return Run(["eval", "--model-dir", str(bundle), "--data", str(data), "--output-dir", str(tmp / "out"),
                "--metrics-dir", str(tmp / "metrics"), "--no-plots", *options],
               env=env or {}, markers=tmp / "metrics", out=tmp / "out", kept=[data, bundle])


def eval_on(body: str | bytes, *options: str, name: str = "d.csv", env=None):
    return lambda tmp: evaluate(tmp, fixture_bundle(tmp), write(tmp / name, body), *options, env=env)


def eval_with_bundle(edit: Callable[[pathlib.Path], None], *options: str):
    def make(tmp):
        bundle = fixture_bundle(tmp)
        edit(bundle)
        return evaluate(tmp, bundle, write(tmp / "d.csv", GOOD_CSV), *options)
    return make


def inspect_bundle(edit: Callable[[pathlib.Path], None]):
    def make(tmp):
        bundle = fixture_bundle(tmp)
        edit(bundle)
        return Run(["inspect", str(bundle)], kept=[bundle])
    return make


def tokenize_with(body: str | bytes, name: str = "tokenizer.json", stdin: str = '"hello"\n'):
    def make(tmp):
        tokenizer = write(tmp / "tok" / name, body)
        return Run(["tokenize", "--tokenizer", str(tokenizer)], stdin=stdin, kept=[tokenizer])
    return make


def preprocess(lines: list[str], *options: str, steps="dialogue_splitter,text_normalizer,dialogue_chunker,tokenizer"):
    def make(tmp):
        return Run(["preprocess", "--steps", steps, "--tokenizer", str(TOKENIZER), *options],
                   stdin="".join(json.dumps(line) + "\n" for line in lines))
    return make


def tampered_tokenizer(tamper: Callable[[dict], None]) -> str:
    tokenizer = small_tokenizer()
    tamper(tokenizer)
    return json.dumps(tokenizer)


def with_text_field(tokenizer_body: str | bytes, digests: bool = True):
    """The fixture bundle with a text field "t" read with tokenizer.json (written as given)."""
    def edit(bundle):
        def add(m):
            m["text_fields"] = [{"name": "t", "steps": ["tokenizer"], "max_sen_len": 8,
                                 "tokenizer": "tokenizer.json"}]
            m["inputs"] += [{"name": "t_ids", "kind": "text_ids", "field": "t"},
                            {"name": "t_mask", "kind": "attention_mask", "field": "t"}]
        edit_manifest(bundle, add)
        write(bundle / "tokenizer.json", tokenizer_body)
        if digests:
            record_digests(bundle)
    return edit


GOOD = predictions()


# --- 1. crashes: what used to abort --------------------------------------------------------------

@case("model-forward-raises", 1, "failed on a batch", "input a out of range")
def _(tmp):
    bundle = with_model(fixture_bundle(tmp), Raises())
    return evaluate(tmp, bundle, write(tmp / "d.csv", GOOD_CSV + "4,1000,p,x\n"))


for _tamper, _key in [
    (lambda t: t["post_processor"]["special_tokens"]["[CLS]"].update(ids=[999999999]),
     'post_processor.special_tokens["[CLS]"].ids'),
    (lambda t: t["model"]["vocab"].update({"[UNK]": 2147483647}), "model.vocab"),
    (lambda t: t["model"]["vocab"].update({"[UNK]": -1}), "model.vocab"),
    (lambda t: t["model"]["vocab"].update(hello=10**8), "model.vocab"),
    (lambda t: t.update(padding={"pad_id": 5}), "padding.pad_id"),
]:
    case(f"tokenize-id-beyond-vocabulary-{len(CASES)}-{_key}", 1, "tokenizer.json", _key)(
        tokenize_with(tampered_tokenizer(_tamper)))
    case(f"inspect-tokenizer-id-beyond-vocabulary-{len(CASES)}-{_key}", 12, "tokenizer.json", _key)(
        inspect_bundle(with_text_field(tampered_tokenizer(_tamper))))

case("eval-tokenizer-cls-beyond-vocabulary", 1, "tokenizer.json", "post_processor")(
    eval_with_bundle(with_text_field(tampered_tokenizer(
        lambda t: t["post_processor"]["special_tokens"]["[CLS]"].update(ids=[999999999])))))


@case("tokenize-path-component-over-255-bytes", 1, "t" * 300)
def _(tmp):
    return Run(["tokenize", "--tokenizer", str(tmp / ("t" * 300) / "tokenizer.json")], stdin='"hello"\n')


case("preprocess-max-sen-len-negative", 1, "max-sen-len")(preprocess(["[bom] hi [eom]"], "--max-sen-len", "-1"))
case("preprocess-max-total-chunks-negative", 1, "max-total-chunks")(
    preprocess(["[bom] hi [eom]"], "--chunk-truncate", "--max-total-chunks", "-1"))


# --- 2. a failed re-run never keeps the previous success -----------------------------------------

def after_success(make_bad: Callable[[pathlib.Path], Run]):
    """A successful metrics run first into the same directory, then the bad one."""
    def make(tmp):
        good = write(tmp / "good.csv", GOOD)
        done = subprocess.run([str(ENGINE), "metrics", "--predictions", str(good), "--label-col", "label",
                               "--no-plots", "--output-dir", str(tmp / "m")], capture_output=True, text=True)
        assert done.returncode == 0 and (tmp / "m" / "_SUCCESS").exists(), done.stderr
        run = make_bad(tmp)
        run.kept.append(good)
        return run
    return make


case("rerun-thresholds-not-a-number", 2, "threshold 'x'")(
    after_success(lambda tmp: metrics(tmp, tmp / "good.csv", "--thresholds", "0.3,x")))
case("rerun-threshold-above-one", 2, "1.5")(
    after_success(lambda tmp: metrics(tmp, tmp / "good.csv", "--thresholds", "1.5")))
case("rerun-thresholds-env-309-digits", 2, "VERDICT_THRESHOLDS")(
    after_success(lambda tmp: metrics(tmp, tmp / "good.csv", env={"VERDICT_THRESHOLDS": "9" * 309})))
case("rerun-bad-data", 2, "bad.csv", "row 2")(
    after_success(lambda tmp: metrics(tmp, write(tmp / "bad.csv", predictions([ROWS[0], "2,1,0.3,x"])))))
case("rerun-margin-negative", 2, "margin")(
    after_success(lambda tmp: metrics(tmp, tmp / "good.csv", "--margin", "-1")))
case("rerun-bootstrap-resamples-not-an-int", 2, "bootstrap-resamples")(
    after_success(lambda tmp: metrics(tmp, tmp / "good.csv", "--bootstrap-resamples", "abc")))
case("eval-batch-size-env-abc", 2, "BATCH_SIZE")(eval_on(GOOD_CSV, env={"BATCH_SIZE": "abc"}))
case("eval-batch-size-309-digits", 2, "batch-size")(eval_on(GOOD_CSV, "--batch-size", "9" * 309))


# --- 3. data loss: inputs are never deleted -------------------------------------------------------

@case("eval-data-is-the-predictions-file", 3, "eval_predictions.csv", "is where eval writes its predictions")
def _(tmp):
    run = evaluate(tmp, fixture_bundle(tmp), write(tmp / "out" / "eval_predictions.csv", GOOD_CSV))
    run.out = None  # the user's file of that name stays
    return run


@case("eval-data-is-the-predictions-file-tsv", 3, "eval_predictions.tsv", "is where eval writes its predictions")
def _(tmp):
    body = GOOD_CSV.replace(",", "\t")
    run = evaluate(tmp, fixture_bundle(tmp), write(tmp / "out" / "eval_predictions.tsv", body))
    run.out = None
    return run


# --- 4. concurrency: a second run into held directories -----------------------------------------

def while_locked(directory: str, make_run: Callable[[pathlib.Path], Run]):
    """The run while another process holds <tmp>/<directory>/.verdict.lock."""
    def make(tmp):
        run = make_run(tmp)
        lock = tmp / directory / ".verdict.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        holder = subprocess.Popen(["flock", "--exclusive", str(lock), "sleep", "30"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until the holder has the lock
            if subprocess.run(["flock", "--nonblock", str(lock), "true"]).returncode != 0:
                break
            time.sleep(0.02)
        run.cleanup = holder.kill
        run.markers = None  # the running job's directory is not touched: no _FAILURE written there
        return run
    return make


case("eval-metrics-dir-held-by-another-run", 4, "another verdict run is writing into", "metrics")(
    while_locked("metrics", eval_on(GOOD_CSV)))
case("eval-output-dir-held-by-another-run", 4, "another verdict run is writing into", "out")(
    while_locked("out", eval_on(GOOD_CSV)))
case("metrics-dir-held-by-another-run", 4, "another verdict run is writing into")(
    while_locked("m", metrics_on(GOOD)))


# --- 5. bounded memory: limits per cell and per vocabulary ---------------------------------------

case("preprocess-50000-messages", 5, "line 1", "messages")(preprocess(["[bom] a [eom]" * 50000]))
case("preprocess-5000-messages-chunk-per-message", 5, "line 1", "chunks")(
    preprocess(["".join(f"[bom] {'word ' * 20}[eom]" for _ in range(5000))], "--max-sen-len", "8"))
case("preprocess-single-text-over-max-messages", 5, "line 2")(
    preprocess(["fine", "x" * 20000], steps="text_normalizer,dialogue_chunker,tokenizer"))
case("tokenize-one-id-of-1e8", 5, "model.vocab", "100000000")(
    tokenize_with(tampered_tokenizer(lambda t: t["model"]["vocab"].update(hello=10**8))))
# Two tokens of one id leave id 2, [CLS]'s in the post-processor, without a token (fuzz_tokenizer_load).
case("tokenize-vocabulary-id-of-two-tokens", 1, "model.vocab", "'[CLS]' and '[UNK]' both have id 1")(
    tokenize_with(tampered_tokenizer(lambda t: t["model"]["vocab"].update({"[CLS]": 1}))))


# --- 6. files outside the bundle ------------------------------------------------------------------

for _name in ["/etc/hostname", "../model.pt", "sub/../../model.pt", "./../bundle/model.pt"]:
    case(f"inspect-model-file-{_name}", 6, "verdict.json", "key 'model_file'")(
        inspect_bundle(lambda b, n=_name: edit_manifest(b, lambda m: m.update(model_file=n))))
case("eval-model-file-absolute", 6, "verdict.json", "key 'model_file'", "absolute path")(
    eval_with_bundle(lambda b: edit_manifest(b, lambda m: m.update(model_file=str(b / "model.pt")))))


@case("inspect-model-file-symlink-out-of-the-bundle", 6, "key 'model_file'", "outside the bundle")
def _(tmp):
    outside = tmp / "elsewhere.pt"
    shutil.copy(FIXTURE / "model.pt", outside)
    bundle = fixture_bundle(tmp)
    os.symlink(outside, bundle / "link.pt")
    edit_manifest(bundle, lambda m: m.update(model_file="link.pt"))
    return Run(["inspect", str(bundle)], kept=[bundle, outside])


for _name in [str(TOKENIZER), "../tokenizer.json"]:
    case(f"inspect-tokenizer-outside-{_name[-20:]}", 6, "text_fields[0]", "key 'tokenizer'")(
        inspect_bundle(lambda b, n=_name: (with_text_field(TOKENIZER.read_text(), digests=False)(b),
                                           edit_manifest(b, lambda m: m["text_fields"][0].update(tokenizer=n)))))
case("inspect-digest-entry-outside", 6, "key 'sha256'", "..")(
    inspect_bundle(lambda b: edit_manifest(b, lambda m: m.update(sha256={"../x": "0" * 64}))))


# --- 7. no silent NaN: inputs and model outputs ---------------------------------------------------

case("eval-1e39-in-a-float32-field", 7, "d.csv", "column 'a' row 2")(
    eval_on("id,a,b,label\n1,0.5,p,x\n2,1e39,q,z\n"))
case("eval-minus-1e39", 7, "d.csv", "column 'a' row 1")(eval_on("id,a,b,label\n1,-1e39,p,x\n"))
case("eval-inf-in-a-field", 7, "d.csv", "column 'a' row 1")(eval_on("id,a,b,label\n1,inf,p,x\n"))
for _labelled in (True, False):
    _body = GOOD_CSV + "4,1000,p,x\n"
    if not _labelled:
        _body = "".join(line.rsplit(",", 1)[0] + "\n" for line in _body.splitlines())

    @case(f"eval-model-returns-nan-{'labels' if _labelled else 'no-labels'}", 7, "d.csv' row 4", "nan")
    def _(tmp, body=_body):
        return evaluate(tmp, with_model(fixture_bundle(tmp), NanForLargeA()), write(tmp / "d.csv", body))


case("metrics-score-nan", 7, "p.csv", "column 'prob_class_1' row 2")(
    metrics_on(predictions([ROWS[0], "2,1,0.3,nan", *ROWS[2:]])))
case("metrics-score-missing", 7, "p.csv", "column 'prob_class_1' row 3")(
    metrics_on(predictions([*ROWS[:2], "3,0,0.6,", ROWS[3]])))
case("metrics-score-inf", 7, "p.csv", "column 'prob_class_1' row 1")(
    metrics_on(predictions(["1,0,0.8,inf", *ROWS[1:]])))
case("metrics-score-minus-inf-parquet", 7, "p.parquet", "column 'prob_class_1'")(
    lambda tmp: metrics(tmp, write(tmp / "p.parquet", parquet_with(tmp, prob_class_1=[0.2, float("-inf"), 0.4, 0.9]))))


def parquet_with(tmp: pathlib.Path, **columns) -> bytes:
    import pandas as pd

    frame = pd.DataFrame({"id": [1, 2, 3, 4], "label": [0, 1, 0, 1], "prob_class_0": [0.8, 0.3, 0.6, 0.1],
                          "prob_class_1": [0.2, 0.7, 0.4, 0.9]})
    for name, values in columns.items():
        frame[name] = values
    path = tmp / "made.parquet"
    frame.to_parquet(path, index=False)
    body = path.read_bytes()
    path.unlink()
    return body


# --- 8. no skipped shards -------------------------------------------------------------------------

for _link, _target, _says in [("b.csv", "gone.csv", "does not exist"), ("deeper/b.csv", "../../nowhere.csv", "does not exist"),
                              ("loop.csv", "loop.csv", "cannot be followed"), ("shards", ".", "symlink to the folder"),
                              ("c.csv", "/nonexistent/abs.csv", "does not exist")]:
    @case(f"metrics-shard-link-{_link}", 8, _link, _says)
    def _(tmp, link=_link, target=_target):
        data = tmp / "data"
        write(data / "a.csv", GOOD)
        (data / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, data / link)
        return metrics(tmp, data)


@case("metrics-data-path-dangling-link", 8, "d.csv", "symlink")
def _(tmp):
    os.symlink("gone.csv", tmp / "d.csv")
    return metrics(tmp, tmp / "d.csv")


def fed_pipe(path: pathlib.Path, body: str | bytes) -> Callable[[], None]:
    """Makes `path` a FIFO that a thread feeds `body` into; returns what ends the thread (it
    releases a writer still waiting for a reader)."""
    os.mkfifo(path)

    def feed():
        try:
            path.write_bytes(body if isinstance(body, bytes) else body.encode())
        except OSError:  # the reader went away (BrokenPipeError)
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    def end():
        if writer.is_alive():
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)
    return end


for _name in ["p.csv", "p"]:
    @case(f"metrics-pipe-{_name}-with-a-bad-row", 12, f"{_name}' at row 2: ", "Expected 4 columns, got 2")
    def _(tmp, name=_name):
        end = fed_pipe(tmp / name, predictions([ROWS[0], "2,1", *ROWS[2:]]))
        return dataclasses.replace(metrics(tmp, tmp / name), cleanup=end)


@case("metrics-shard-is-a-pipe", 8, "b.csv' is a pipe, not a file")
def _(tmp):
    write(tmp / "data" / "a.csv", GOOD)
    os.mkfifo(tmp / "data" / "b.csv")  # was skipped: _SUCCESS on a.csv's rows alone
    return metrics(tmp, tmp / "data")


@case("metrics-folder-of-mixed-formats", 8, "data")
def _(tmp):
    write(tmp / "data" / "a.csv", GOOD)
    write(tmp / "data" / "b.tsv", GOOD.replace(",", "\t"))
    return metrics(tmp, tmp / "data")


@case("metrics-folder-without-data-files", 8, "data")
def _(tmp):
    write(tmp / "data" / "notes.txt", "no data here")
    return metrics(tmp, tmp / "data")


# --- 10. errors of one line (Arrow's messages, schemas, rows) --------------------------------------

case("metrics-unclosed-quote", 10, "p.csv' at row 2: ")(metrics_on(HEADER + "\n1,0,0.8,0.2\n2,\"unclosed,0.3\n3,0,0.6,0.4\n"))
case("metrics-unclosed-quote-500-lines", 10, "p.csv")(metrics_on(HEADER + "\n1,0,0.8,0.2\n2,1,\"" + "z\n" * 500))
case("metrics-row-with-extra-fields", 10, "p.csv' at row 2: ")(metrics_on(predictions([ROWS[0], "2,1,0.3,0.7,9,9", *ROWS[2:]])))
case("metrics-row-with-missing-fields", 10, "p.csv' at row 2: ")(metrics_on(predictions([ROWS[0], "2,1", *ROWS[2:]])))
case("metrics-tsv-row-with-extra-fields", 10, "p.tsv' at row 2: ")(
    metrics_on(predictions([ROWS[0], "2,1,0.3,0.7,9", *ROWS[2:]]).replace(",", "\t"), "p.tsv"))


def corrupt_parquet(kind: str):
    def make(tmp):
        good = parquet_bytes(tmp)
        footer = int.from_bytes(good[-8:-4], "little")
        body = {
            "corrupt": bytes(b if i < 4 or i >= len(good) // 2 or i % 3 else 0xA5 for i, b in enumerate(good)),
            "footer-only": b"PAR1" + good[-8 - footer:],
            "magic-only": b"PAR1",
            "text": b"PAR1\nnot\nparquet\nPAR1",
            "truncated": good[: len(good) // 2],
            "empty": b"",
            "bad-footer-length": good[:-8] + (10**9).to_bytes(4, "little") + b"PAR1",
        }[kind]
        return metrics(tmp, write(tmp / f"{kind}.parquet", body))
    return make


for _kind in ["corrupt", "footer-only", "magic-only", "text", "truncated", "empty", "bad-footer-length"]:
    case(f"metrics-parquet-{_kind}", 10, f"{_kind}.parquet")(corrupt_parquet(_kind))


# A quoted value is escaped: control characters of the data neither break the line nor reach the
# terminal (core's Quote).
case("metrics-score-with-an-escape-sequence", 10, "column 'prob_class_1' row 2: '0.7\\x1b[2J\\x07' is not a number")(
    metrics_on(predictions([ROWS[0], "2,1,0.3,0.7\x1b[2J\x07", *ROWS[2:]])))
case("metrics-score-with-a-quoted-line-break", 10, "row 2: '0.7\\r\\nx\\ty' is not a number")(
    metrics_on(predictions([ROWS[0], '2,1,0.3,"0.7\r\nx\ty"', *ROWS[2:]])))
case("metrics-row-with-extra-fields-and-a-nul", 10, "p.csv' at row 2: ", "'2,1,0.3,0.7,\\x00")(
    metrics_on(predictions([ROWS[0], "2,1,0.3,0.7,\x00", *ROWS[2:]])))


@case("metrics-shard-without-a-needed-column", 10, "b.csv", "has no column 'prob_class_")
def _(tmp):
    write(tmp / "data" / "a.csv", GOOD)
    write(tmp / "data" / "b.csv", predictions([r + ",1" for r in ROWS], "id,label,p0,p1,extra"))
    return metrics(tmp, tmp / "data")


@case("metrics-parquet-shard-of-another-type", 10, "b.parquet")
def _(tmp):
    write(tmp / "data" / "a.parquet", parquet_with(tmp))
    write(tmp / "data" / "b.parquet", parquet_with(tmp, prob_class_1=["0.2", "0.7", "x", "0.9"]))
    return metrics(tmp, tmp / "data")


# --- 11. scores that are not what they claim --------------------------------------------------------

for _bad in ["1.5", "-0.1", "26", "273", "inf"]:
    case(f"metrics-previous-score-{_bad}", 11, "column 'prev' row 2")(
        metrics_on("label,prob_class_0,prob_class_1,prev\n1,0.1,0.9,0.8\n0,0.8,0.2," + _bad + "\n1,0.3,0.7,0.4\n",
                   "p.csv", "--previous-score-col", "prev"))
case("metrics-previous-score-column-absent", 11, "prev")(
    metrics_on(GOOD, "p.csv", "--previous-score-col", "prev"))
case("eval-previous-score-26", 11, "column 'prev_0' row 2", "previous score 26")(
    eval_on("id,a,b,label,prev_0,prev_1,prev_2\n1,0.5,p,x,0.2,0.3,0.5\n2,0.1,q,z,26,0.1,0.2\n",
            env={"COMPARISON_MODE": "true", "PREVIOUS_SCORE_FIELD": "prev_0,prev_1,prev_2"}))


# --- 12. small edges: option ranges, single values -------------------------------------------------

for _option, _value, _says in [("--batch-size", "4294967297", "batch"), ("--batch-size", "-1", "batch"),
                               ("--threads", "-3", "threads"), ("--num-workers", "-1", "num"),
                               ("--device", "tpu", "DEVICE 'tpu'"), ("--device", "cuda:99999999999", "cuda:99999999999"),
                               ("--output-format", "xlsx", "xlsx"), ("--thresholds", "nan", "thresholds"),
                               ("--margin", "nan", "margin"), ("--comparison-mode", "maybe", "maybe"),
                               ("--statistical-tests", "2", "statistical")]:
    case(f"eval-option{_option}={_value}", 12, _says)(eval_on(GOOD_CSV, _option, _value))
for _variable, _value, _says in [("BATCH_SIZE", "4294967297", "BATCH_SIZE"), ("DEVICE", "tpu", "DEVICE 'tpu'"),
                                 ("OUTPUT_FORMAT", "json", "output format 'json'"),
                                 ("COMPARISON_MODE", "yes please", "COMPARISON_MODE")]:
    case(f"eval-env-{_variable}={_value}", 12, _says)(eval_on(GOOD_CSV, env={_variable: _value}))
for _option, _value, _says in [("--thresholds", "-0.1", "thresholds"), ("--thresholds", "", "thresholds"),
                               ("--bootstrap-resamples", "-5", "bootstrap"), ("--margin", "inf", "margin"),
                               ("--score-cols", "nope", "no column 'nope'"), ("--class-labels", "a,b,c", "class")]:
    case(f"metrics-option{_option}={_value or 'empty'}", 12, _says)(metrics_on(GOOD, "p.csv", _option, _value))
case("metrics-label-column-absent", 12, "p.csv", "no column 'lbl'")(
    lambda tmp: Run(["metrics", "--predictions", str(write(tmp / "p.csv", GOOD)), "--label-col", "lbl",
                     "--output-dir", str(tmp / "m")], markers=tmp / "m", kept=[tmp / "p.csv"]))
# A huge or control-laden column name asked for is quoted (cut to 60 bytes, escaped) in the error.
for _name, _label, _says in [("100kb", "L" * 100_000, "no column '" + "L" * 60 + "...'"),
                             ("escape", "lbl\x1b[31m\nx", "no column 'lbl\\x1b[31m\\nx'")]:
    case(f"metrics-label-column-absent-{_name}", 10, "p.csv", _says)(
        lambda tmp, _label=_label: Run(["metrics", "--predictions", str(write(tmp / "p.csv", GOOD)),
                                        "--label-col", _label, "--output-dir", str(tmp / "m")],
                                       markers=tmp / "m", kept=[tmp / "p.csv"]))
case("metrics-unknown-label", 12, "column 'label' row 2")(metrics_on(predictions([ROWS[0], "2,7,0.3,0.7"])))
case("metrics-missing-label", 12, "column 'label' row 2")(metrics_on(predictions([ROWS[0], "2,,0.3,0.7"])))
case("metrics-no-score-columns", 12, "p.csv")(metrics_on("id,label,score\n1,0,0.3\n"))


# --- other bad files: data, bundle, tokenizer ------------------------------------------------------

case("eval-missing-data-file", 0, "nope.csv", "does not exist")(
    lambda tmp: evaluate(tmp, fixture_bundle(tmp), tmp / "nope.csv"))
case("eval-empty-file", 0, "d.csv", "is empty")(eval_on(""))
case("eval-header-only", 0, "has no rows")(eval_on("id,a,b,label\n"))
case("eval-bom-only", 0, "d.csv")(eval_on(b"\xef\xbb\xbf"))
case("eval-missing-column", 0, "d.csv", "no column 'b'")(eval_on("id,a,label\n1,0.5,x\n"))
case("eval-non-numeric-value", 0, "d.tsv", "column 'a' row 2", "'abc' is not a number")(
    eval_on("id\ta\tb\tlabel\n1\t0.5\tp\tx\n2\tabc\tq\ty\n", name="d.tsv"))
case("eval-unknown-label", 0, "column 'label' row 2")(eval_on("id,a,b,label\n1,0.5,p,x\n2,1,q,w\n"))
case("eval-invalid-utf8-id", 0, "column 'id' row 2", "UTF-8")(eval_on(b"id,a,b,label\n1,0.5,p,x\n\xff\xfe,1,q,y\n"))
case("eval-invalid-utf8-category", 0, "column 'b' row 1", "UTF-8")(eval_on(b"id,a,b,label\n1,0.5,\xc3\x28,x\n"))
case("eval-nul-bytes-in-a-number", 0, "column 'a' row 1")(eval_on(b"id,a,b,label\n1,0.\x005,p,x\n"))
case("eval-huge-numeric-cell", 0, "column 'a' row 1")(eval_on("id,a,b,label\n1," + "9" * 5_000_000 + "x,p,x\n"))
case("eval-unsupported-extension", 0, "d.txt")(eval_on(GOOD_CSV, name="d.txt"))
case("eval-corrupt-model-file", 0, "cannot load model", "model.pt")(
    eval_with_bundle(lambda b: (b / "model.pt").write_bytes(b"\x00garbage")))
case("eval-empty-model-file", 0, "model.pt")(eval_with_bundle(lambda b: (b / "model.pt").write_bytes(b"")))
case("eval-truncated-model-file", 0, "model.pt")(
    eval_with_bundle(lambda b: (b / "model.pt").write_bytes((FIXTURE / "model.pt").read_bytes()[:300])))
case("eval-model-file-is-a-folder", 0, "model_file")(
    eval_with_bundle(lambda b: ((b / "model.pt").unlink(), (b / "model.pt").mkdir())))
case("eval-missing-manifest", 0, "has no verdict.json")(eval_with_bundle(lambda b: (b / "verdict.json").unlink()))
case("eval-missing-bundle", 0, "nowhere", "does not exist")(
    lambda tmp: evaluate(tmp, tmp / "nowhere", write(tmp / "d.csv", GOOD_CSV)))
for _body, _says in [("{not json", "is not valid JSON"), ("[1, 2]", "JSON object"), ("", "verdict.json"),
                     ('{"format_version": 1', "is not valid JSON"), (b'{"task": "\xff"}', "verdict.json")]:
    case(f"inspect-manifest-{str(_body)[:12]}", 0, _says)(
        inspect_bundle(lambda b, body=_body: write(b / "verdict.json", body)))
for _key, _value, _says in [("format_version", 99, "key 'format_version' is 99"), ("task", "regression", "key 'task'"),
                            ("num_classes", 2, "num_classes"), ("class_labels", ["a"], "key 'class_labels'"),
                            ("inputs", [], "key 'inputs'"), ("batch_size", 0, "key 'batch_size'"),
                            ("output", "scores", "key 'output'"), ("backend", "onnx", "key 'backend'"),
                            ("num_classes", "3", "key 'num_classes'"), ("tabular_fields", {"a": 1}, "tabular_fields")]:
    case(f"inspect-manifest-{_key}={_value}", 0, "verdict.json", _says)(
        inspect_bundle(lambda b, k=_key, v=_value: edit_manifest(b, lambda m: m.update({k: v}))))
case("inspect-manifest-without-inputs", 0, "key 'inputs'")(
    inspect_bundle(lambda b: edit_manifest(b, lambda m: m.pop("inputs"))))
case("inspect-risk-table-without-bins", 0, "key 'bins'")(
    inspect_bundle(lambda b: edit_manifest(b, lambda m: m["tabular_fields"][1]["risk_table"].pop("bins"))))
case("inspect-changed-model-file", 0, "key 'sha256'", "does not match")(
    inspect_bundle(lambda b: (record_digests(b), (b / "model.pt").write_bytes((b / "model.pt").read_bytes() + b"x"))))
for _body, _says in [("", "tokenizer.json"), ("{", "tokenizer.json"), ("[]", "tokenizer.json"),
                     ('{"model": {"type": "BPE", "vocab": {}}}', "tokenizer.json"),
                     (b"\xff\xfe\x00", "tokenizer.json"),
                     (json.dumps(small_tokenizer())[:150], "tokenizer.json")]:
    case(f"tokenize-tokenizer-json-{len(CASES)}-{str(_body)[:10]}", 0, _says)(tokenize_with(_body))
case("tokenize-empty-vocab-txt", 0, "vocab.txt")(tokenize_with("", name="vocab.txt"))
case("tokenize-missing-tokenizer", 0, "nowhere")(
    lambda tmp: Run(["tokenize", "--tokenizer", str(tmp / "nowhere" / "tokenizer.json")], stdin='"hi"\n'))
case("tokenize-input-not-json", 0, "line 2")(tokenize_with(json.dumps(small_tokenizer()), stdin='"hello"\nhello\n'))
case("preprocess-input-not-a-string", 0, "line 1")(
    lambda tmp: Run(["preprocess", "--steps", "tokenizer", "--tokenizer", str(TOKENIZER)], stdin="42\n"))
case("preprocess-unknown-step", 0, "no_such_step")(preprocess(["hi"], steps="no_such_step"))
case("preprocess-step-after-tokenizer", 0, "tokenizer")(preprocess(["hi"], steps="tokenizer,text_normalizer"))


# --- signals --------------------------------------------------------------------------------------

for _signal, _status in [(signal.SIGTERM, 143), (signal.SIGINT, 130)]:
    case(f"tokenize-{_signal.name}", 0, f"terminated by {_signal.name}", status=_status)(
        lambda tmp, s=_signal: dataclasses.replace(tokenize_with(json.dumps(small_tokenizer()))(tmp), signal=s))
    case(f"preprocess-{_signal.name}", 0, f"terminated by {_signal.name}", status=_status)(
        lambda tmp, s=_signal: dataclasses.replace(preprocess(["[bom] hi [eom]"])(tmp), signal=s))


# --- the contract -----------------------------------------------------------------------------------

def snapshot(paths: list[pathlib.Path]) -> dict:
    """Every file below `paths` (links as their target text) and its digest."""
    seen = {}
    for root in paths:
        for path in [root, *(sorted(root.rglob("*")) if root.is_dir() and not root.is_symlink() else [])]:
            if path.is_symlink():
                seen[str(path)] = "-> " + os.readlink(path)
            elif path.is_file():
                seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def execute(run: Run) -> subprocess.CompletedProcess:
    env = {**os.environ, **run.env}
    if run.signal is None:
        return subprocess.run([str(ENGINE), *run.args], input=run.stdin, capture_output=True, text=True,
                              errors="replace", env=env, timeout=120)
    # A signal mid-run: once the engine has read the first line and waits on its still open
    # standard input (read(0, ...) in /proc/<pid>/syscall), its handlers are in place.
    # A shell's background job inherits SIGINT ignored; the engine gets it as a terminal would.
    process = subprocess.Popen([str(ENGINE), *run.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace", env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    process.stdin.write(run.stdin)
    process.stdin.flush()
    syscall = pathlib.Path(f"/proc/{process.pid}/syscall")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if syscall.read_text().startswith("0 0x0 "):
            break
        time.sleep(0.01)
    process.send_signal(run.signal)
    process.wait(timeout=60)  # standard input stays open: the signal, not its end, stops the run
    stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_the_error_contract(tmp_path, engine, case):
    run = case.make(tmp_path)
    before = snapshot(run.kept)
    try:
        done = execute(run)
    finally:
        if run.cleanup is not None:
            run.cleanup()
    assert done.returncode == case.status, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("[verdict] ")]
    assert len(lines) == 1 and lines[0].startswith("verdict: error: "), done.stderr
    for fragment in case.says:
        assert fragment.replace("{tmp}", str(tmp_path)) in lines[0], lines[0]
    if run.markers is not None:
        assert (run.markers / "_FAILURE").read_text().startswith("Error: ")
        assert not (run.markers / "_SUCCESS").exists() and not (run.markers / "_HEALTH").exists()
    if run.out is not None and run.out.exists():
        assert list(run.out.glob("eval_predictions*")) == []
    assert snapshot(run.kept) == before, "the user's files changed"


def test_the_list_covers_every_class_of_the_issue():
    classes = {c.issue_class for c in CASES}
    assert set(range(1, 13)) - {9} <= classes, "class 9 is valid input read: test_table_hardening"
    assert len(CASES) >= 100 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name, file_name, body", [("p", "p.csv", GOOD), ("p", "p.tsv", GOOD.replace(",", "\t")),
                                                   ("p.tsv", "p.tsv", GOOD.replace(",", "\t"))])
def test_a_pipe_is_read_like_the_file(tmp_path, engine, name, file_name, body):
    """`--predictions <(zcat p.csv.gz)`: a pipe (FIFO) is read once into a temporary file, its
    format from its name or, without an extension, from its first bytes; the metrics are those of
    the same bytes in a file, and the copy is gone after the run."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    results = {}
    for kind in ["file", "pipe"]:
        path = tmp_path / kind / (name if kind == "pipe" else file_name)
        path.parent.mkdir()
        end = None
        if kind == "pipe":
            end = fed_pipe(path, body)
        else:
            write(path, body)
        run = metrics(tmp_path / kind, path, env={"TMPDIR": str(scratch)})
        done = execute(run)
        if end is not None:
            end()
        assert done.returncode == 0, done.stderr
        assert (run.markers / "_SUCCESS").exists()
        results[kind] = json.loads((run.markers / "metrics.json").read_text())
    assert results["pipe"] == results["file"]
    assert list(scratch.iterdir()) == []


def test_eval_reads_a_pipe_like_the_file(tmp_path, engine):
    """`verdict eval --data <(cat d.csv)`: the data path resolved twice by a job (the output check,
    then the plan) reads the pipe once; the predictions are the file's, byte for byte."""
    predictions = {}
    for kind in ["file", "pipe"]:
        data = tmp_path / kind / "d"
        data.parent.mkdir()
        end = fed_pipe(data, GOOD_CSV) if kind == "pipe" else None
        if end is None:
            data = write(data.with_suffix(".csv"), GOOD_CSV)
        run = evaluate(tmp_path / kind, fixture_bundle(tmp_path), data)
        done = execute(run)
        if end is not None:
            end()
        assert done.returncode == 0, done.stderr
        predictions[kind] = (run.out / "eval_predictions.csv").read_bytes()
    assert predictions["pipe"] == predictions["file"]
