"""Lower precision at export: how far bf16 (and fp16 where a GPU can run it) moves the exported
model's probabilities from fp32 on the sample rows, recorded in verdict.json "precision"
(docs/bundle-format.md) with the tolerance `verdict eval --precision` checks a slice of the data
against.

The lower precision runs as in the engine (src/bundle/program.cc): bf16 with the program's
floating-point weights converted (and its floating-point inputs cast), or, when the traced graph
refuses them, under autocast to bf16; fp16 always under autocast (matmuls, linear layers and
convolutions in it, weights kept float32, everything else as traced). The output is converted back
to float32 before softmax or sigmoid.
"""

from __future__ import annotations

import math
import pathlib
import warnings
from typing import Callable

import torch

# The largest max |dp| against fp32 eval accepts by default (bundle::kDefaultPrecisionTolerance).
DEFAULT_TOLERANCE = 0.05
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _load(path: pathlib.Path, device: str) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():  # TorchScript is deprecated upstream; LibTorch still loads it
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
        return torch.jit.load(str(path), map_location=device).eval()


# (inputs of one call, positionally; the fp32 probabilities of the same rows)
Batch = tuple[list[torch.Tensor], torch.Tensor]


def _run(program: torch.jit.ScriptModule, inputs: list[torch.Tensor], dtype: torch.dtype,
         device: str, converted: bool) -> torch.Tensor:
    """The program's raw output in `dtype`: with its weights converted (`converted`; floating-point
    inputs cast too) or under autocast."""
    inputs = [t.to(device) for t in inputs]
    with torch.inference_mode():
        if converted:
            out = program(*[t.to(dtype) if t.is_floating_point() else t for t in inputs])
        else:
            with torch.autocast(device, dtype=dtype):
                out = program(*inputs)
    return out[0] if isinstance(out, (tuple, list)) else out


def max_difference(path: pathlib.Path, batches: list[Batch],
                   to_probabilities: Callable[[torch.Tensor], torch.Tensor], dtype: torch.dtype,
                   device: str = "cpu") -> float:
    """max |dp| between the program at `path` run in `dtype` on each batch's inputs and the batch's
    fp32 probabilities; infinite when the lower precision gives NaN."""
    converted = dtype == torch.bfloat16
    program = _load(path, device).to(dtype) if converted else _load(path, device)
    worst = 0.0
    for inputs, reference in batches:
        try:
            out = _run(program, inputs, dtype, device, converted)
        except RuntimeError:
            if not converted:
                raise
            # the graph refuses converted weights: autocast, as the engine does
            program, converted = _load(path, device), False
            out = _run(program, inputs, dtype, device, converted)
        probs = to_probabilities(out.float().cpu())
        if not probs.numel():
            continue
        difference = (probs - reference).abs()
        if difference.isnan().any():
            return float("inf")
        worst = max(worst, float(difference.max()))
    return worst


def precision_entries(path: pathlib.Path, batches: list[Batch],
                      to_probabilities: Callable[[torch.Tensor], torch.Tensor], notes: list[str],
                      tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """verdict.json's "precision": for bf16 (and fp16 when CUDA is available: LibTorch's CPU fp16
    kernels are too slow to be used) the measured max |dp| from fp32 on the batches (the sample
    rows) and the tolerance. A measurement over the tolerance is kept, with a note: eval will then
    refuse that precision (or, under auto, run fp32)."""
    entries = {}
    for name, dtype in DTYPES.items():
        device = "cuda" if name == "fp16" else "cpu"
        if device == "cuda" and not torch.cuda.is_available():
            continue
        measured = max_difference(path, batches, to_probabilities, dtype, device)
        # NaN (an overflow in the lower precision) is recorded as 1.0, the most a probability moves.
        entries[name] = {"max_abs_dp": min(measured, 1.0), "tolerance": tolerance}
        if measured > tolerance:
            what = "gives NaN probabilities" if math.isinf(measured) else \
                f"moves the probabilities by {measured:.3g} from fp32"
            notes.append(f"{name} {what} on the sample, over the tolerance {tolerance}: verdict eval "
                         f"--precision {name} will refuse this bundle")
    return entries
