"""`verdict tokenize` against Hugging Face tokenizers and `verdict preprocess` against the golden
chunks and ids of the seed's processors (tests/golden/text/pipeline.json, written by
gen_text_golden.py); both exact."""

from __future__ import annotations

import itertools
import json
import subprocess

import pytest
from tokenizers import Tokenizer

from conftest import ENGINE, ROOT

TOKENIZERS = ["tests/golden/tokenizer/uncased/tokenizer.json", "tests/golden/tokenizer/cased/tokenizer.json"]
TEXTS = ["Hello, World!", "naïve café ÉLAN", "[SEP] inside [CLS] text", "emoji 😀 and 👩‍👩‍👧",
         "中文字符 and ひらがな", "tab\tand\u00a0nbsp\u200bzero-width", "x" * 150, "", "   "]


def run(args, lines):
    done = subprocess.run([str(ENGINE), *args], input="".join(json.dumps(t) + "\n" for t in lines),
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("path", TOKENIZERS)
@pytest.mark.parametrize("max_length", [0, 6])
def test_tokenize_matches_hugging_face(path, max_length, engine):
    hf = Tokenizer.from_file(str(ROOT / path))
    hf.no_padding()
    if max_length:
        hf.enable_truncation(max_length)
    else:
        hf.no_truncation()
    args = ["tokenize", "--tokenizer", path] + (["--max-length", str(max_length)] if max_length else [])
    assert run(args, TEXTS) == [hf.encode(t).ids for t in TEXTS]


def test_tokenize_rejects_a_line_that_is_not_a_json_string(engine):
    done = subprocess.run([str(ENGINE), "tokenize", "--tokenizer", TOKENIZERS[0]], input='"ok"\n42\n',
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert "standard input line 2 is not a JSON-encoded string" in done.stderr


def _config(case):
    return (case["tokenizer"], tuple(case["steps"]), case["max_sen_len"], case["chunk_truncate"],
            case["max_total_chunks"])


def test_preprocess_matches_the_seed_processors(engine):
    cases = json.loads((ROOT / "tests/golden/text/pipeline.json").read_text())["cases"]
    checked = 0
    for config, group in itertools.groupby(sorted(cases, key=_config), key=_config):
        group = list(group)
        tokenizer, steps, max_sen_len, truncate, max_chunks = config
        if "tokenizer" not in steps:
            continue
        args = ["preprocess", "--steps", ",".join(steps), "--tokenizer", tokenizer,
                "--max-sen-len", str(max_sen_len), "--max-total-chunks", str(max_chunks)]
        if truncate:
            args.append("--chunk-truncate")
        outputs = run(args, [c["input"] for c in group])
        for case, out in zip(group, outputs):
            assert out["chunks"] == case["chunks"]
            unpadded = [[i for i, m in zip(ids, mask) if m] for ids, mask in zip(out["input_ids"], out["attention_mask"])]
            assert unpadded == case["input_ids"]
            assert all(len(ids) == max(max_sen_len, len(ids)) for ids in out["input_ids"])
            checked += 1
    assert checked > 100
