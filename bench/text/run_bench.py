#!/usr/bin/env python3
"""Text cleaning throughput: verdict vs the seed's Python processors, same corpus, one run.

Steps timed: dialogue_splitter, html_normalizer (BeautifulSoup 4.12.3 html.parser),
emoji_remover, text_normalizer, i.e. the seed's default steps before the chunker. Both sides run
one thread; each reports its best of --repeats runs. The corpus is the generated buyer/seller
dialogues of tests/golden/text/gen_text_golden.py (HTML, entities, emoji, many scripts).

Usage: .venv/bin/python bench/text/run_bench.py --bench build/bench/text/verdict_text_bench
       [--dialogues 3000] [--repeats 3]
Prints MB/s for both and the ratio; the outputs are checked to be identical.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'golden', 'text'))
import gen_text_golden as seed  # noqa: E402


def clean(text):
    messages = seed.dialogue_splitter(text)
    messages = [seed.html_normalizer(m) for m in messages]
    messages = [seed.emoji_remover(m) for m in messages]
    return [seed.text_normalizer(m) for m in messages]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bench', required=True, help='path to the verdict_text_bench binary')
    parser.add_argument('--dialogues', type=int, default=3000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(7)
    corpus = [seed.random_dialogue(rng) for _ in range(args.dialogues)]
    size_mb = sum(len(t.encode('utf-8')) for t in corpus) / 1e6

    best = float('inf')
    for _ in range(args.repeats):
        start = time.perf_counter()
        outputs = [clean(t) for t in corpus]
        best = min(best, time.perf_counter() - start)
    checksum = sum(len(m.encode('utf-8')) for out in outputs for m in out)

    with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False, encoding='utf-8') as f:
        for t in corpus:
            f.write(json.dumps(t, ensure_ascii=False) + '\n')
        corpus_path = f.name
    try:
        line = subprocess.run([args.bench, corpus_path, str(args.repeats)], check=True,
                              capture_output=True, text=True).stdout.split()
    finally:
        os.unlink(corpus_path)
    verdict_seconds, verdict_checksum = float(line[1]), int(line[3])

    print('corpus: %d dialogues, %.2f MB' % (len(corpus), size_mb))
    print('python seed processors: %8.3f s  %8.2f MB/s' % (best, size_mb / best))
    print('verdict text pipeline : %8.3f s  %8.2f MB/s' % (verdict_seconds,
                                                           size_mb / verdict_seconds))
    print('ratio (verdict / python): %.1fx' % (best / verdict_seconds))
    print('outputs identical (byte checksum): %s' % (checksum == verdict_checksum))


if __name__ == '__main__':
    main()
