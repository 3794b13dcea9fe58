"""AOTInductor bundles (verdict-export --format aoti; docs/bundle-format.md, "backend").

Each program of the bundle (the model, and for chunk-level bundles each text field's encoder and
the head) is exported with torch.export, with dynamic dimensions (torch.export.Dim, min 1): the
batch B of every input; the chunks C and tokens T of a text input [B, C, T] (T up to the field's
max_sen_len); the chunks N and tokens T of an encoder's [N, T]. It is compiled and packaged with
torch._inductor.aoti_compile_and_package into a .pt2 file that the engine runs with
torch::inductor::AOTIModelPackageLoader. The package is compiled for this machine's device (CPU)
and instruction set, in fp32; the exporter's checks then run against the loaded package, as they
do against the TorchScript program.

Compiling needs a C++ compiler at export time (Inductor writes and compiles C++): a machine
without one gets an error saying so.
"""

from __future__ import annotations

import inspect
import pathlib
import re
import shutil
from typing import Any, Callable, Mapping

import torch

from . import chunks

MODEL_FILE = "model.pt2"
HEAD_FILE = "head.pt2"
# The package metadata key holding the number of inputs (read by src/bundle/program.cc).
INPUTS_KEY = "verdict_inputs"
# The most rows or chunks a call may have (torch.export needs a bound; the engine's calls are a
# batch of rows or chunks).
MAX_ROWS = 1 << 20


def encoder_file(text_field: str) -> str:
    """The bundle file of a text field's AOTInductor encoder: encoder_<field>.pt2."""
    return chunks.encoder_file(text_field) + "2"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _error(message: str) -> Exception:
    """The exporter's ExportError (export imports this module, so it is looked up when needed)."""
    from .export import ExportError
    return ExportError(message)


def check_compiler() -> None:
    """ExportError when no C++ compiler is on PATH (Inductor compiles the package's C++)."""
    from torch._inductor import config
    configured = config.cpp.cxx if isinstance(config.cpp.cxx, (tuple, list)) else (config.cpp.cxx,)
    candidates = [c for c in configured if c] or ["g++", "c++", "clang++"]
    if not any(shutil.which(c) for c in candidates):
        raise _error("--format aoti compiles C++ at export time, but no C++ compiler "
                        f"({', '.join(candidates)}) is on PATH: install one (apt-get install g++) "
                        "or export with --format torchscript")


def _shapes(module: torch.nn.Module, dynamic: list[dict[int, Any]]) -> tuple:
    """torch.export's dynamic_shapes for `module`'s forward: one entry per parameter, so a
    forward(*tensors) takes them as one tuple, a forward(ids, mask) one each."""
    parameters = inspect.signature(module.forward).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return (tuple(dynamic),)
    return tuple(dynamic)


def compile_program(module: torch.nn.Module, example: tuple[torch.Tensor, ...],
                    dynamic: list[dict[int, Any]], path: pathlib.Path) -> Callable[..., Any]:
    """Exports `module` (forward(*tensors)) on `example` with the dynamic dimensions `dynamic` (one
    {dim index: torch.export.Dim} per input), compiles it into the package `path` and returns the
    loaded package."""
    check_compiler()
    try:
        with torch.inference_mode(False), torch.no_grad():
            exported = torch.export.export(module.eval(), example, dynamic_shapes=_shapes(module, dynamic),
                                           strict=False)
            torch._inductor.aoti_compile_and_package(
                exported, package_path=str(path),
                inductor_configs={"aot_inductor.metadata": {INPUTS_KEY: str(len(example))}})
    except Exception as error:  # torch.export and Inductor fail in many types
        raise _error(f"cannot compile '{path.name}' with AOTInductor: {_first_line(error)}") from None
    return torch._inductor.aoti_load_package(str(path))


def _dims(manifest: Mapping[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """The batch and chunk Dims, and each text field's token Dim (up to its max_sen_len)."""
    batch = torch.export.Dim("batch", min=1, max=MAX_ROWS)
    chunk = torch.export.Dim("chunks", min=1, max=MAX_ROWS)
    tokens = {f["name"]: torch.export.Dim(f"tokens_{re.sub(r'[^A-Za-z0-9_]', '_', f['name'])}", min=1,
                                          max=int(f["max_sen_len"]))
              for f in manifest.get("text_fields", [])}
    return batch, chunk, tokens


def model_example(batch: dict[str, torch.Tensor], manifest: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The sample rows as the model's export example: at least 2 rows, and for text inputs at
    least 2 chunks (a padding chunk added) and 2 tokens, so that no dimension is taken for a
    constant 1."""
    from .export import recollate  # the exporter's collate (export imports this module)
    rows = len(next(iter(batch.values())))
    if rows < 2:
        batch = {n: torch.cat([t, t]) for n, t in batch.items()}
    texts = chunks.text_inputs(manifest)
    if texts:
        tokens = max(2, int(batch[texts[0].ids].shape[2]))
        batch = recollate(batch, [(t.ids, t.mask) for t in texts], tokens=tokens, extra_chunks=1)
    return batch


def export_model(model: torch.nn.Module, batch: dict[str, torch.Tensor], names: list[str],
                 manifest: Mapping[str, Any], folder: pathlib.Path, positional: Callable) -> Callable:
    """Compiles the whole model (`positional`: PositionalModel of it) into folder/model.pt2 and
    returns the loaded package."""
    example = model_example(batch, manifest)
    batch_dim, chunk_dim, tokens = _dims(manifest)
    kinds = {i["name"]: i for i in manifest["inputs"]}
    dynamic = [{0: batch_dim} if kinds[n]["kind"] == "tabular" else
               {0: batch_dim, 1: chunk_dim, 2: tokens[kinds[n]["field"]]} for n in names]
    return compile_program(positional(model, names), tuple(example[n] for n in names), dynamic,
                           folder / MODEL_FILE)


def remove_split(texts: list[chunks.TextInputs], folder: pathlib.Path) -> None:
    """Removes the chunk-level packages compile_split wrote into `folder` (left out of the bundle)."""
    for name in [*(encoder_file(t.field) for t in texts), HEAD_FILE]:
        (folder / name).unlink(missing_ok=True)


def compile_split(split: chunks.Split, texts: list[chunks.TextInputs], batch: dict[str, torch.Tensor],
                  manifest: Mapping[str, Any], folder: pathlib.Path) -> chunks.Programs:
    """Compiles each encoder ((ids, mask) [N, T], N and T dynamic) and the head (pooled means
    [B, H] and tabular [B], B dynamic) into folder/encoder_<field>.pt2 and folder/head.pt2, and
    returns the loaded packages as Programs."""
    batch_dim, chunk_dim, tokens = _dims(manifest)
    encoders = {}
    for text in texts:
        ids, mask = chunks.encoder_example(batch, text)
        if ids.shape[0] < 2:
            ids, mask = torch.cat([ids, ids]), torch.cat([mask, mask])
        token_dim = tokens[text.field]
        encoders[text.field] = compile_program(split.encoders[text.field], (ids, mask),
                                               [{0: chunk_dim, 1: token_dim}] * 2,
                                               folder / encoder_file(text.field))
    tabular = [i["name"] for i in split.head_inputs if i["kind"] == "tabular"]
    eager = chunks.Programs(split.encoders, split.head, tabular)
    example = model_example({n: t[:chunks.TRACE_ROWS] for n, t in batch.items()}, manifest)
    with torch.inference_mode():
        means = [m.clone() for m in chunks.pooled_means(eager, texts, example, None)["served"]]
    head_example = (*means, *[example[n].clone() for n in tabular])
    head = compile_program(split.head, head_example, [{0: batch_dim}] * len(head_example), folder / HEAD_FILE)
    return chunks.Programs(encoders, head, tabular)
