"""The committed generated files are exactly what `make generate` writes today.

Runs every generator of tools/generate/ into a temporary directory (with this interpreter, which
must be the project's .venv: the tables come from its pinned packages and CPython 3.11) and
compares byte for byte with src/<stage>/generated/. A file that differs, is missing, or is no
longer generated fails the test, with the list of such files.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

from conftest import ROOT


def generated_files(root: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.glob("src/*/generated/*")}


def test_regenerating_gives_the_committed_files(tmp_path: pathlib.Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "generate" / "all.py"), "--root",
                          str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, f"tools/generate/all.py failed:\n{run.stderr}"
    fresh, committed = generated_files(tmp_path), generated_files(ROOT)
    assert fresh, "the generators wrote nothing"
    differing = sorted(name for name in fresh.keys() | committed.keys()
                       if fresh.get(name) != committed.get(name))
    assert not differing, ("regenerated files differ from the committed ones (run `make "
                           f"generate` and commit, or fix the generator): {differing}")
