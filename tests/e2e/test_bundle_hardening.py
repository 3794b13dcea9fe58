"""A tampered bundle is refused by `verdict inspect` and `verdict eval` alike, with one line
`verdict: error: ...` naming verdict.json and the key (or the tokenizer file and its key), exit
status 1, `_FAILURE` and no `_SUCCESS`: paths leaving the bundle, files that do not match the
sha256 recorded at export, files missing or not listed, tokenizers with ids beyond their
vocabulary. An intact bundle with digests passes both."""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import ENGINE, ROOT, run_engine
from test_bad_input import FIXTURE, GOOD_CSV, assert_failed, run_eval, write

TOKENIZER = ROOT / "tests" / "golden" / "tokenizer" / "uncased" / "tokenizer.json"


@pytest.fixture
def bundle(tmp_path, engine) -> pathlib.Path:
    copy = tmp_path / "bundle"
    shutil.copytree(FIXTURE, copy)
    return copy


def edit_manifest(bundle: pathlib.Path, **keys) -> None:
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest.update(keys)
    (bundle / "verdict.json").write_text(json.dumps(manifest, indent=2))


def record_digests(bundle: pathlib.Path) -> dict:
    """The "sha256" key as verdict-export writes it: every file but verdict.json."""
    digests = {path.relative_to(bundle).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
               for path in sorted(bundle.rglob("*")) if path.is_file() and path.name != "verdict.json"}
    edit_manifest(bundle, sha256=digests)
    return digests


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    """stderr without the timestamped log lines."""
    return [line for line in done.stderr.splitlines() if not line.startswith("[verdict] ")]


def assert_refused(tmp_path, bundle, *fragments):
    """inspect and eval both answer one error line holding every fragment; eval leaves _FAILURE."""
    inspected = run_engine("inspect", str(bundle))
    assert inspected.returncode == 1, inspected.stdout
    lines = error_lines(inspected)
    assert len(lines) == 1 and lines[0].startswith("verdict: error: "), inspected.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    evaluated = run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV))
    assert evaluated.returncode == 1
    assert error_lines(evaluated) == lines, evaluated.stderr
    assert_failed(evaluated, tmp_path, *fragments)


# --- paths stay inside the bundle -------------------------------------------------------------

@pytest.mark.parametrize("name", ["ABSOLUTE", "../bundle/model.pt", "sub/../../bundle/model.pt"])
def test_model_file_outside_the_bundle(tmp_path, bundle, name):
    name = str(bundle / "model.pt") if name == "ABSOLUTE" else name
    edit_manifest(bundle, model_file=name)
    assert_refused(tmp_path, bundle, "verdict.json", "key 'model_file'")


def test_model_file_through_a_symlink_out_of_the_bundle(tmp_path, bundle):
    outside = tmp_path / "elsewhere.pt"
    shutil.copy(bundle / "model.pt", outside)
    (bundle / "link.pt").symlink_to(outside)
    edit_manifest(bundle, model_file="link.pt")
    assert_refused(tmp_path, bundle, "verdict.json", "key 'model_file'", "outside the bundle")


def test_tokenizer_outside_the_bundle(tmp_path, bundle):
    add_text_field(bundle, str(TOKENIZER.resolve()))
    assert_refused(tmp_path, bundle, "verdict.json", "text_fields[0]", "key 'tokenizer'", "absolute path")


def test_digest_entry_outside_the_bundle(tmp_path, bundle):
    digests = record_digests(bundle)
    edit_manifest(bundle, sha256={**digests, "../bundle/model.pt": digests["model.pt"]})
    assert_refused(tmp_path, bundle, "verdict.json", "key 'sha256'", "leaves the bundle")


# --- integrity --------------------------------------------------------------------------------

def test_intact_bundle_with_digests_passes(tmp_path, bundle):
    record_digests(bundle)
    inspected = run_engine("inspect", str(bundle))
    assert inspected.returncode == 0, inspected.stderr
    assert "integrity:   1 files match their sha256" in inspected.stdout
    assert "sha256" not in inspected.stderr
    done = run_eval(tmp_path, bundle, write(tmp_path / "d.csv", GOOD_CSV))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "metrics" / "_SUCCESS").exists()


def test_bundle_without_digests_loads_with_one_warning(tmp_path, bundle):
    inspected = run_engine("inspect", str(bundle))
    assert inspected.returncode == 0, inspected.stderr
    warnings = [line for line in inspected.stderr.splitlines() if "sha256" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0] and "verdict.json" in warnings[0]
    assert "integrity:   not recorded" in inspected.stdout


@pytest.mark.parametrize("change", [b"x", b""])
def test_changed_model_file(tmp_path, bundle, change):
    record_digests(bundle)
    body = (bundle / "model.pt").read_bytes()
    (bundle / "model.pt").write_bytes(body + change if change else body[:-1])
    assert_refused(tmp_path, bundle, "key 'sha256' does not match", "model.pt")


def test_listed_file_missing(tmp_path, bundle):
    write(bundle / "extra" / "notes.txt", "provenance")
    record_digests(bundle)
    (bundle / "extra" / "notes.txt").unlink()
    assert_refused(tmp_path, bundle, "key 'sha256' lists", "notes.txt", "does not exist")


def test_used_file_not_listed(tmp_path, bundle):
    digests = record_digests(bundle)
    del digests["model.pt"]
    edit_manifest(bundle, sha256=digests)
    assert_refused(tmp_path, bundle, "key 'sha256' does not list 'model.pt'")


def test_tokenizer_not_listed(tmp_path, bundle):
    add_text_field(bundle, "tokenizer.json", TOKENIZER.read_text())
    digests = record_digests(bundle)
    del digests["tokenizer.json"]
    edit_manifest(bundle, sha256=digests)
    assert_refused(tmp_path, bundle, "key 'sha256' does not list 'tokenizer.json'")


def test_malformed_digest(tmp_path, bundle):
    digests = record_digests(bundle)
    edit_manifest(bundle, sha256={**digests, "model.pt": digests["model.pt"].upper()})
    assert_refused(tmp_path, bundle, "key 'sha256'", "64 lowercase hex digits")


# --- tokenizers: inspect loads them as eval does ----------------------------------------------

def small_tokenizer() -> dict:
    """A valid WordPiece tokenizer.json with ids 0..4."""
    special = {name: {"id": name, "ids": [i], "tokens": [name]} for name, i in (("[CLS]", 2), ("[SEP]", 3))}
    return {
        "model": {"type": "WordPiece", "unk_token": "[UNK]",
                  "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4}},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing", "special_tokens": special,
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}]},
    }


def add_text_field(bundle: pathlib.Path, tokenizer: str, body: str | None = None) -> None:
    """Declares a text field "t" read with `tokenizer` (written with `body` when given)."""
    manifest = json.loads((bundle / "verdict.json").read_text())
    manifest["text_fields"] = [{"name": "t", "steps": ["tokenizer"], "max_sen_len": 8, "tokenizer": tokenizer}]
    manifest["inputs"] += [{"name": "t_ids", "kind": "text_ids", "field": "t"},
                           {"name": "t_mask", "kind": "attention_mask", "field": "t"}]
    (bundle / "verdict.json").write_text(json.dumps(manifest, indent=2))
    if body is not None:
        write(bundle / tokenizer, body)


def cls_out_of_vocabulary(t):
    t["post_processor"]["special_tokens"]["[CLS]"]["ids"] = [999999999]


def unk_id_int32_max(t):
    t["model"]["vocab"]["[UNK]"] = 2147483647


def one_huge_vocabulary_id(t):
    t["model"]["vocab"]["hello"] = 10**8


def pad_id_out_of_vocabulary(t):
    t["padding"] = {"pad_id": 5}


@pytest.mark.parametrize("tamper, key", [
    (cls_out_of_vocabulary, 'post_processor.special_tokens["[CLS]"].ids'),
    (unk_id_int32_max, "model.vocab"),
    (one_huge_vocabulary_id, "model.vocab"),
    (pad_id_out_of_vocabulary, "padding.pad_id"),
])
def test_tokenizer_ids_beyond_the_vocabulary(tmp_path, bundle, tamper, key):
    tokenizer = small_tokenizer()
    tamper(tokenizer)
    add_text_field(bundle, "tokenizer.json", json.dumps(tokenizer))
    record_digests(bundle)
    assert_refused(tmp_path, bundle, "tokenizer.json", f"key '{key}'")
    tokenized = subprocess.run([str(ENGINE), "tokenize", "--tokenizer", str(bundle / "tokenizer.json")],
                               input='"hello"\n', capture_output=True, text=True)
    assert tokenized.returncode == 1
    assert error_lines(tokenized) == error_lines(run_engine("inspect", str(bundle))), tokenized.stderr


@pytest.mark.parametrize("suffix", ["", "/tokenizer.json", ".txt"])
def test_tokenize_with_an_overlong_path_component(tmp_path, engine, suffix):
    path = str(tmp_path / ("t" * 300)) + suffix
    done = subprocess.run([engine, "tokenize", "--tokenizer", path], input='"hello"\n',
                          capture_output=True, text=True)
    assert done.returncode == 1
    lines = error_lines(done)
    assert len(lines) == 1 and lines[0].startswith("verdict: error: ") and "t" * 300 in lines[0], done.stderr
