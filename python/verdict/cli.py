"""The `verdict` console script and `python -m verdict`: runs the engine's executable.

The wheel holds it at verdict/bin/verdict (beside verdict-model, which it runs for eval, inspect
and features); in a development checkout, $VERDICT_BIN or the checkout's build/verdict.
"""

from __future__ import annotations

import os
import pathlib
import sys


def executable() -> pathlib.Path:
    """The verdict executable this package runs."""
    installed = pathlib.Path(__file__).resolve().parent / "bin" / "verdict"
    if installed.is_file():
        return installed
    if os.environ.get("VERDICT_BIN"):
        return pathlib.Path(os.environ["VERDICT_BIN"])
    return pathlib.Path(__file__).resolve().parents[2] / "build" / "verdict"


def main() -> int:
    binary = executable()
    if not binary.is_file():
        print(f"verdict: error: the engine executable {binary} is missing: install the verdict "
              "wheel (pip install .) or build the checkout (make build)", file=sys.stderr)
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(binary, [str(binary), *sys.argv[1:]])
    return 1  # not reached: execv replaces the process
