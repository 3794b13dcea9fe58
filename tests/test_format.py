"""The C++ sources are as clang-format writes them (.clang-format: Google style, 100 columns), so
that `make format` on a change touches only the change."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT

PATTERNS = ["src/*.cc", "src/*.h", "fuzz/*.cc", "fuzz/*.h", "bench/*.cc", "bench/*.h"]


def sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files", *PATTERNS], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.split()
    return [path for path in listed if "/generated/" not in path]


def test_cpp_sources_are_clang_formatted():
    tool = shutil.which("clang-format") or shutil.which("clang-format-14")
    if tool is None:
        pytest.skip("clang-format is not installed (tools/setup.sh installs it)")
    files = sources()
    assert files
    checked = subprocess.run([tool, "--dry-run", "--Werror", *files], cwd=ROOT, capture_output=True,
                             text=True)
    unformatted = sorted({line.split(":")[0] for line in checked.stderr.splitlines() if ": error:" in line})
    assert checked.returncode == 0, f"run `make format`: {unformatted}"
