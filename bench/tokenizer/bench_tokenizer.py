#!/usr/bin/env python3
"""Tokenizer throughput: verdict's WordPiece vs Hugging Face `tokenizers` encode_batch.

Both tokenize the same in-memory lines with the same tokenizer.json (HF with padding and
truncation switched off, verdict's Encode without max_length), with one thread and with all
cores (HF single-thread runs under RAYON_NUM_THREADS=1, in its own process). Before timing, the
ids of every line are checked to be identical. MB/s = input UTF-8 bytes / median wall time of
--repeats runs (after one warm-up run). Printed: MB/s for each, and the ratio. Because the
development machines are small shared VMs, the same figures from process CPU time are printed
too (cpu columns): for one thread they are what an idle core would give.

Corpora (written to the work directory):
  english       docstrings of the Python standard library (English prose), ~--mb MB
  multilingual  sentences drawn from English, French, German, Russian, Greek, Arabic, Hindi,
                Chinese, Japanese and Korean word lists (accents, CJK, Cyrillic, marks)

The C++ driver (bench/tokenizer/tokenizer_bench.cc) is built here with g++ -O3 from the
tokenizer and core sources, unless --bin names one built with -DVERDICT_BUILD_BENCH=ON.

  .venv/bin/python bench/tokenizer/bench_tokenizer.py [--mb 4] [--repeats 5]
"""

import argparse
import ast
import json
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCES = ["src/tokenizer/encode.cc", "src/tokenizer/load.cc", "src/tokenizer/tokenizer.cc",
           "src/tokenizer/unicode.cc", "src/tokenizer/vocab.cc", "src/core/core.cc",
           "bench/tokenizer/tokenizer_bench.cc"]
DEFAULT_TOKENIZER = os.path.join(ROOT, "tests/golden/tokenizer/uncased/tokenizer.json")

MULTILINGUAL_WORDS = {
    "en": "the order was shipped yesterday and the buyer asked for a refund because the item "
          "arrived damaged please confirm the tracking number".split(),
    "fr": "la commande a été expédiée hier et l'acheteur a demandé un remboursement parce que "
          "l'article est arrivé endommagé veuillez confirmer le numéro de suivi".split(),
    "de": "die Bestellung wurde gestern versandt und der Käufer bat um eine Rückerstattung weil "
          "der Artikel beschädigt ankam bitte bestätigen Sie die Sendungsnummer".split(),
    "ru": "заказ был отправлен вчера и покупатель попросил вернуть деньги потому что товар "
          "прибыл повреждённым пожалуйста подтвердите номер отслеживания".split(),
    "el": "η παραγγελία στάλθηκε χθες και ο αγοραστής ζήτησε επιστροφή χρημάτων επειδή το "
          "προϊόν έφτασε κατεστραμμένο".split(),
    "ar": "تم شحن الطلب أمس وطلب المشتري استرداد المبلغ لأن المنتج وصل تالفا يرجى تأكيد رقم "
          "التتبع".split(),
    "hi": "ऑर्डर कल भेजा गया था और खरीदार ने रिफंड मांगा क्योंकि सामान क्षतिग्रस्त पहुंचा".split(),
    "zh": list("订单昨天已发货买家要求退款因为商品到达时已损坏请确认跟踪号码"),
    "ja": "注文は 昨日 発送 されました 購入者 は 商品 が 破損 して 届いた ため 返金 を 求めました".split(),
    "ko": "주문은 어제 발송되었고 구매자는 상품이 손상되어 도착했기 때문에 환불을 요청했습니다".split(),
}


def english_corpus(target_bytes):
    """Docstrings of the standard library, one paragraph per line; repeated up to target_bytes
    when the library has fewer (about 1.6 MB)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    lines, size = [], 0
    for dirpath, _, files in sorted(os.walk(stdlib)):
        if "test" in dirpath or "site-packages" in dirpath:
            continue
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            try:
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)):
                    doc = ast.get_docstring(node)
                    for para in (doc or "").split("\n\n"):
                        para = " ".join(para.split())
                        if len(para) > 40:
                            lines.append(para)
                            size += len(para.encode())
                            if size >= target_bytes:
                                return lines
    return lines * -(-target_bytes // size)  # whole copies, at least target_bytes


def multilingual_corpus(target_bytes):
    rng = random.Random(1)
    langs = list(MULTILINGUAL_WORDS)
    lines, size = [], 0
    while size < target_bytes:
        parts = []
        for _ in range(rng.randint(2, 6)):
            words = MULTILINGUAL_WORDS[rng.choice(langs)]
            start = rng.randrange(len(words))
            parts.append(" ".join(words[start:start + rng.randint(3, 12)]) + rng.choice(".,!? "))
        line = " ".join(parts)
        lines.append(line)
        size += len(line.encode())
    return lines


def build(work):
    binary = os.path.join(work, "verdict_tokenizer_bench")
    paths = [os.path.join(ROOT, s) for s in SOURCES]
    deps = paths + [os.path.join(ROOT, "src/tokenizer", f) for f in os.listdir(
        os.path.join(ROOT, "src/tokenizer"))]
    if os.path.exists(binary) and os.path.getmtime(binary) > max(map(os.path.getmtime, deps)):
        return binary
    cmd = ["g++", "-std=c++20", "-O3", "-DNDEBUG", "-pthread", "-I" + os.path.join(ROOT, "src"),
           *paths, "-o", binary]
    print("building:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return binary


def write_jsonl(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


def hf_worker(tokenizer, corpus, repeats):
    """Runs in a subprocess so that RAYON_NUM_THREADS applies; prints seconds per repeat."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer)
    tok.no_padding()
    tok.no_truncation()
    with open(corpus, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    tok.encode_batch(texts)  # warm-up
    seconds, cpu_seconds = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        tok.encode_batch(texts)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds}))


def time_hf(tokenizer, corpus, threads, repeats):
    env = dict(os.environ)
    if threads == 1:
        env["RAYON_NUM_THREADS"] = "1"
    else:
        env.pop("RAYON_NUM_THREADS", None)
        env["TOKENIZERS_PARALLELISM"] = "true"
    out = subprocess.run([sys.executable, __file__, "--hf-worker", "--tokenizer", tokenizer,
                          "--corpus", corpus, "--repeats", str(repeats)],
                         env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    return statistics.median(result["seconds"]), statistics.median(result["cpu_seconds"])


def time_verdict(binary, tokenizer, corpus, threads, repeats):
    out = subprocess.run([binary, "time", tokenizer, corpus, str(threads), str(repeats + 1)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out)  # the first run is the warm-up
    return statistics.median(result["seconds"][1:]), statistics.median(result["cpu_seconds"][1:])


def verify(binary, tokenizer, corpus, texts):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer)
    tok.no_padding()
    tok.no_truncation()
    want = [e.ids for e in tok.encode_batch(texts)]
    with open(corpus, encoding="utf-8") as f:
        got = subprocess.run([binary, "ids", tokenizer], stdin=f, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    bad = sum(1 for w, g in zip(want, got) if json.loads(g) != w) + abs(len(want) - len(got))
    return bad, sum(len(w) for w in want)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer", default=DEFAULT_TOKENIZER)
    parser.add_argument("--mb", type=float, default=4.0, help="size of each corpus")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", default=os.path.join(ROOT, "build-tokenizer-bench"))
    parser.add_argument("--bin", help="prebuilt verdict_tokenizer_bench")
    parser.add_argument("--hf-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hf_worker:
        return hf_worker(args.tokenizer, args.corpus, args.repeats)

    os.makedirs(args.work, exist_ok=True)
    binary = args.bin or build(args.work)
    cores = os.cpu_count()
    import tokenizers
    print(f"tokenizer {os.path.relpath(args.tokenizer, ROOT)}, HF tokenizers "
          f"{tokenizers.__version__}, {cores} cores, median of {args.repeats} runs")
    print(f"{'corpus':<13} {'MB':>5} {'threads':>7} {'verdict MB/s':>13} {'HF MB/s':>9} "
          f"{'ratio':>7} | {'verdict cpu':>11} {'HF cpu':>7} {'ratio':>7}")
    failed = False
    for name, make in (("english", english_corpus), ("multilingual", multilingual_corpus)):
        texts = make(int(args.mb * 1e6))
        corpus = os.path.join(args.work, f"{name}.jsonl")
        write_jsonl(corpus, texts)
        size = sum(len(t.encode()) for t in texts)
        bad, tokens = verify(binary, args.tokenizer, corpus, texts)
        if bad:
            print(f"{name}: {bad} of {len(texts)} lines have different ids")
            failed = True
            continue
        for threads in sorted({1, cores}):
            v, v_cpu = time_verdict(binary, args.tokenizer, corpus, threads, args.repeats)
            h, h_cpu = time_hf(args.tokenizer, corpus, threads, args.repeats)
            mb = size / 1e6
            cpu = f"{mb / v_cpu:11.1f} {mb / h_cpu:7.1f} {h_cpu / v_cpu:6.1f}x" if threads == 1 else ""
            print(f"{name:<13} {mb:5.1f} {threads:>7} {mb / v:13.1f} {mb / h:9.1f} {h / v:6.1f}x"
                  f" | {cpu}", flush=True)
        print(f"{'':<13} ids identical on {len(texts)} lines ({tokens} tokens)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
