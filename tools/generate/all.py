#!/usr/bin/env python3
"""Regenerates every generated source file (`make generate`).

Each generator module in this folder has OUTPUT, the path of its file relative to the repository
root (always under src/<stage>/generated/), and render(), which returns the file's text. The
tables are read from the pinned Python packages (requirements.txt) and CPython 3.11's
unicodedata, so run this with the project's .venv; tests/test_generated.py checks that the
committed files are exactly what it writes.

Usage: .venv/bin/python tools/generate/all.py [--root DIR] [GENERATOR ...]
  --root DIR   write under DIR instead of the repository root (DIR/src/<stage>/generated/...)
  GENERATOR    module names to run (default: all), e.g. unicode_text
"""

import argparse
import importlib
import os
import sys

GENERATORS = ["unicode_text", "unicode_tokenizer"]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=REPO_ROOT)
    parser.add_argument("generators", nargs="*", metavar="GENERATOR")
    args = parser.parse_args()
    unknown = sorted(set(args.generators) - set(GENERATORS))
    if unknown:
        parser.error(f"unknown generator(s) {unknown}; known: {GENERATORS}")
    if sys.version_info[:2] != (3, 11):
        sys.exit("the tables follow CPython 3.11's Unicode data: run with .venv/bin/python (3.11)")
    for name in args.generators or GENERATORS:
        module = importlib.import_module(name)
        path = os.path.join(args.root, module.OUTPUT)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(module.render())
        print(f"{module.OUTPUT}: written by tools/generate/{name}.py")


if __name__ == "__main__":
    main()
