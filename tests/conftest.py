"""Shared fixtures: the engine binary and helpers to run it."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# VERDICT_BIN points the tests at another build of the engine (a helper's own build directory).
ENGINE = pathlib.Path(os.environ.get("VERDICT_BIN") or ROOT / "build" / "verdict")


@pytest.fixture(scope="session")
def engine() -> str:
    if not ENGINE.exists():
        pytest.fail(f"{ENGINE} is missing: run `make build` first")
    return str(ENGINE)


def run_engine(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([str(ENGINE), *args], capture_output=True, text=True, env=full_env)
