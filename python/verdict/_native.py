"""Loads the engine module, verdict._engine.

An installed wheel holds it inside the package. In a development checkout (python/ on the path,
tools/setup.sh) the build folder holds it instead, at <build>/python/verdict/_engine*.so; the
build folder is the first of these that has it: the one of `engine` (a verdict binary), of
$VERDICT_BIN, the checkout's build/ (`make build`).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pathlib
import sys
from types import ModuleType

from .errors import Error

_MODULE = "verdict._engine"


def _from_build_folder(engine: str | None) -> ModuleType:
    binaries = [engine, os.environ.get("VERDICT_BIN"),
                pathlib.Path(__file__).resolve().parents[2] / "build" / "verdict"]
    folders = [pathlib.Path(b).resolve().parent for b in binaries if b]
    found = [m for folder in folders for m in sorted((folder / "python" / "verdict").glob("_engine*.so"))]
    if not found:
        raise Error(f"the engine module is not in {folders[0]}/python/verdict: install the verdict "
                    "wheel (pip install .), or build it in the checkout (make build; in another "
                    "build folder: cmake --build DIR --target _engine)")
    spec = importlib.util.spec_from_file_location(_MODULE, found[0])
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE] = module
    spec.loader.exec_module(module)
    return module


def engine_module(engine: str | None = None) -> ModuleType:
    """verdict._engine (loaded once per process). `engine`: a verdict binary whose build folder's
    module to use in a development checkout; ignored once a module is loaded or installed."""
    if _MODULE in sys.modules:
        return sys.modules[_MODULE]
    if importlib.util.find_spec(_MODULE) is not None:
        return importlib.import_module(_MODULE)
    return _from_build_folder(engine)
