#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/, from the goldens.

Run from the repository root: fuzz/make_seeds.py. The seeds are committed; this script says where
they come from and remakes them. Each seed is an input of the code under test followed by the
bytes the target reads its choices from (FuzzedDataProvider takes integers from the end).
"""
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CORPUS = ROOT / "fuzz" / "corpus"
MAX_SEED_BYTES = 1024
MAX_TEXT_SEEDS = 64


def write(target, seeds):
    out = CORPUS / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for seed in seeds:
        (out / hashlib.sha1(seed).hexdigest()).write_bytes(seed)


def golden_texts():
    texts = []
    for case in json.loads((GOLDEN / "text" / "pipeline.json").read_text())["cases"]:
        texts.append(case["input"].encode())
    for case in json.loads((GOLDEN / "text" / "steps.json").read_text())["cases"]:
        texts.append(case["input"].encode())
    for case in json.loads((GOLDEN / "text" / "utf8.json").read_text())["cases"]:
        texts.append(bytes.fromhex(case["hex"]))
    for case in json.loads((GOLDEN / "tokenizer" / "golden.json").read_text())["cases"]:
        if "text" in case:
            texts.append(case["text"].encode())
    unique = sorted({t[:MAX_SEED_BYTES] for t in texts}, key=lambda t: (len(t), t))
    step = max(1, len(unique) // MAX_TEXT_SEEDS)
    return unique[::step][:MAX_TEXT_SEEDS]  # short to long, evenly


def text_seeds(texts):
    # Trailing choice bytes: max_total_chunks, small limits, chunk_truncate, max_sen_len, steps.
    return [t + bytes([i % 5, i % 2, (i // 2) % 2, i % 6, i % 12]) for i, t in enumerate(texts)]


def encode_seeds(texts):
    return [t + bytes([(7 * i) % 41, i % 3]) for i, t in enumerate(texts)]


def small_tokenizer_json():
    full = json.loads((GOLDEN / "tokenizer" / "cased" / "tokenizer.json").read_text())
    vocab = full["model"]["vocab"]
    full["model"]["vocab"] = {k: v for k, v in vocab.items() if v < 120}
    return json.dumps(full, separators=(",", ":")).encode()


def load_seeds():
    vocab_dir = GOLDEN / "tokenizer" / "vocab_dir"
    vocab = b"\n".join((vocab_dir / "vocab.txt").read_bytes().splitlines()[:150]) + b"\n"
    config = (vocab_dir / "tokenizer_config.json").read_bytes()
    # Layout byte last: 0 tokenizer.json, 1 vocab.txt, 2 vocab.txt + config (length-prefixed
    # by FuzzedDataProvider's ConsumeRandomLengthString: backslashes escape, "\\ " ends it).
    with_config = config.replace(b"\\", b"\\\\") + b"\\ " + vocab
    return [small_tokenizer_json() + b"\x00", vocab + b"\x01", with_config + b"\x02"]


def csv_seeds():
    rows = [
        b"id,label,score,text\n1,0,0.5,hello\n2,1,1e-3,\"quoted, with comma\"\n",
        b"\xef\xbb\xbfid,label\n1,a\n2,NA\n3,\n4,nan\n5,NULL\n",
        b"a,b\n\"multi\nline\",2\n\"esc \"\"q\"\"\",3\n",
        b"x\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
        b"a,b\n1\n2,3,4\n",
        b"a,b\n\"unclosed,1\n",
        b"id,v\n1,1e39\n2,-inf\n3,0x10\n4, 7 \n",
        b"a,a\n1,2\n",
        b"",
        b"a,b\r\n1,2\r\n3,4\r\n",
    ]
    seeds = []
    for i, data in enumerate(rows):
        seeds.append(data + bytes([i % 4, 0]))  # block size choice, then csv
        seeds.append(data.replace(b",", b"\t") + bytes([(i + 1) % 4, 1]))  # tsv
    return seeds


def manifest_seeds():
    tiny = json.loads((GOLDEN / "bundle" / "tiny" / "verdict.json").read_text())
    model_digest = hashlib.sha256(b"model").hexdigest()
    tokenizer_digest = hashlib.sha256(
        (GOLDEN / "tokenizer" / "cased" / "tokenizer.json").read_bytes()).hexdigest()
    text = dict(tiny, task="binary", num_classes=2, class_labels=["0", "1"])
    text["inputs"] = tiny["inputs"] + [
        {"name": "t_ids", "kind": "text_ids", "field": "t"},
        {"name": "t_mask", "kind": "attention_mask", "field": "t"},
    ]
    text["text_fields"] = [{"name": "t", "steps": ["dialogue_splitter", "tokenizer"],
                            "max_sen_len": 16, "tokenizer": "tokenizer/tokenizer.json"}]
    text["sha256"] = {"model.pt": model_digest, "tokenizer/tokenizer.json": tokenizer_digest}
    outside = dict(tiny, model_file="../model.pt")
    seeds = []
    for i, manifest in enumerate([tiny, text, outside]):
        encoded = json.dumps(manifest, separators=(",", ":")).encode()
        seeds += [encoded + b"\x01", encoded + b"\x00"]
    return seeds


def main():
    texts = golden_texts()
    write("fuzz_text", text_seeds(texts))
    write("fuzz_tokenizer_encode", encode_seeds(texts))
    write("fuzz_tokenizer_load", load_seeds())
    write("fuzz_csv", csv_seeds())
    write("fuzz_manifest", manifest_seeds())


if __name__ == "__main__":
    main()
