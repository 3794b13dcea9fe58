"""The `verdict-export` command: verdict.export's command line, plus the seed pipeline's training
outputs taken as they are (docs/migrating.md).

    verdict-export --training-output DIR --model-factory pkg.mod:build_model --sample-data S --out B
        DIR is the seed training step's model folder (what SageMaker packs into model.tar.gz):
        model.pth, hyperparameters.json, impute_dict.json, risk_table_map.json, tokenizer/.
        --state-dict and --hyperparameters default to the files in it; every other option of
        `python -m verdict.export` applies.

    verdict-export --onnx model.onnx --hyperparameters H --sample-data S --out B
        The seed's model.onnx (inputs named as the bundle's, softmax probabilities out), converted
        to PyTorch with onnx2torch (pip install 'verdict[onnx]'), exported like any model and checked
        against ONNX Runtime on the sample rows (max |dp| <= 1e-5). An operator onnx2torch cannot
        convert is an error naming it.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys
import types
from typing import Any

import torch

from . import export
from .export import ExportError, TOLERANCE

STATE_DICT = "model.pth"
HYPERPARAMETERS = "hyperparameters.json"


def training_output_args(folder: str, argv: list[str]) -> list[str]:
    """`argv` with --state-dict and --hyperparameters pointing into the seed's training output
    folder, unless given."""
    root = pathlib.Path(folder)
    if not root.is_dir():
        raise ExportError(f"training output '{folder}' is not a folder")
    added = []
    for flag, name in (("--state-dict", STATE_DICT), ("--hyperparameters", HYPERPARAMETERS)):
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            continue
        if not (root / name).is_file():
            raise ExportError(f"training output '{folder}' has no {name} (give {flag})")
        added += [flag, str(root / name)]
    return argv + added


# ---------------------------------------------------------------------------------------------
# --onnx


class OnnxModel(torch.nn.Module):
    """The converted ONNX graph behind the exporter's calling convention: forward(batch dict) with
    the bundle's input names; the seed's tabular inputs are [B, 1], the bundle's [B]."""

    def __init__(self, graph: torch.nn.Module, inputs: list[tuple[str, int]]):
        super().__init__()
        self.graph = graph
        self.inputs = inputs

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        args = []
        for name, rank in self.inputs:
            value = batch[name]
            args.append(value.unsqueeze(-1) if value.dim() + 1 == rank else value)
        return self.graph(*args)


def _stub_unloadable_torchvision() -> None:
    """onnx2torch imports torchvision for its detection operators (NonMaxSuppression, RoiAlign)
    alone. A torchvision built for another torch (PyPI's CUDA build beside a CPU torch) fails at
    import; then a stand-in takes its place, whose operators raise when a graph uses them."""
    try:
        import torchvision  # noqa: F401
        return
    except Exception:  # RuntimeError or OSError from its compiled operators
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ExportError("this ONNX operator needs torchvision, which cannot be imported with this torch")

    stub, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
    ops.nms = ops.roi_align = ops.box_convert = unavailable
    stub.ops = ops
    sys.modules.update({"torchvision": stub, "torchvision.ops": ops})


def _onnx_modules() -> tuple[Any, Any, Any]:
    _stub_unloadable_torchvision()
    try:
        import onnx
        import onnx2torch
        import onnxruntime
    except ImportError as error:
        raise ExportError(f"--onnx needs the onnx extra ({error.name} is missing): "
                          "pip install 'verdict[onnx]'") from None
    return onnx, onnx2torch, onnxruntime


def _graph_inputs(model: Any) -> list[tuple[str, int]]:
    initializers = {i.name for i in model.graph.initializer}
    return [(i.name, len(i.type.tensor_type.shape.dim)) for i in model.graph.input if i.name not in initializers]


def convert_onnx(path: str) -> tuple[OnnxModel, Any]:
    """The ONNX model at `path` as a torch module (OnnxModel) and the loaded ONNX model."""
    onnx, onnx2torch, _ = _onnx_modules()
    try:
        model = onnx.load(path)
    except Exception as error:  # onnx raises its own and protobuf's errors
        raise ExportError(f"cannot read '{path}' as ONNX: {export._first_line(error)}") from None
    try:
        graph = onnx2torch.convert(model)
    except NotImplementedError as error:
        raise ExportError(f"'{path}': an operator cannot be converted to PyTorch "
                          f"({export._first_line(error)})") from None
    except Exception as error:
        raise ExportError(f"'{path}': onnx2torch failed: {export._first_line(error)}") from None
    return OnnxModel(graph, _graph_inputs(model)), model


def onnx_runtime_difference(path: str, module: OnnxModel, bundle_dir: str, sample_data: str,
                            engine: str | None) -> float:
    """max |p_ort - p_bundle| over the sample rows, the bundle's TorchScript model against ONNX
    Runtime on the inputs the engine computes."""
    _, _, onnxruntime = _onnx_modules()
    manifest = json.loads((pathlib.Path(bundle_dir) / export.MANIFEST).read_text())
    names = [i["name"] for i in manifest["inputs"]]
    batch = export.engine_features(export.find_engine(engine), bundle_dir, sample_data, names)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {}
    for name, rank in module.inputs:
        value = batch[name]
        feeds[name] = (value.unsqueeze(-1) if value.dim() + 1 == rank else value).numpy()
    expected = torch.from_numpy(session.run(None, feeds)[0]).double()
    scripted = torch.jit.load(str(pathlib.Path(bundle_dir) / export.MODEL_FILE))
    with torch.no_grad():
        got = scripted(*[batch[n] for n in names]).double()
    return float((got.reshape(expected.shape) - expected).abs().max())


def export_onnx(path: str, hyperparameters: dict, sample_data: str, out_dir: str, *,
                engine: str | None = None, **options: Any) -> export.ExportReport:
    """The seed's model.onnx (softmax probabilities out) into a bundle at `out_dir`, checked against
    ONNX Runtime; the bundle is removed again when they differ by more than TOLERANCE."""
    module, _ = convert_onnx(path)
    report = export.export_bundle(module.eval(), hyperparameters, sample_data, out_dir, output="probabilities",
                                  engine=engine, **options)
    difference = onnx_runtime_difference(path, module, report.bundle_dir, sample_data, engine)
    if not difference <= TOLERANCE:
        shutil.rmtree(report.bundle_dir, ignore_errors=True)
        raise ExportError(f"the bundle's probabilities differ from ONNX Runtime's on '{sample_data}' by "
                          f"{difference:.3g} (more than {TOLERANCE}); nothing written")
    report.notes.append(f"max |ONNX Runtime - exported| = {difference:.3g} on the sample rows")
    return report


def _onnx_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="verdict-export --onnx",
                                     description="the seed's model.onnx into a verdict bundle")
    parser.add_argument("--onnx", required=True, help="the training's model.onnx (softmax probabilities)")
    export.add_bundle_arguments(parser)
    args = parser.parse_args(argv)

    def convert() -> export.ExportReport:
        hp = export.read_hyperparameters(args.hyperparameters)
        return export_onnx(args.onnx, hp, args.sample_data, args.out, **export.bundle_options(args))

    return export.run_and_report(
        convert, lambda report: f"wrote {report.bundle_dir} from {args.onnx} ({report.rows_checked} rows checked)")


def main(argv: list[str] | None = None) -> int:
    """verdict-export: --onnx, --training-output, or verdict.export's options as they are."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--onnx" or a.startswith("--onnx=") for a in argv):
        return _onnx_main(argv)
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--training-output")
    known, rest = parser.parse_known_args(argv)
    if known.training_output is None:
        if "-h" in argv or "--help" in argv:
            print(__doc__)
        return export.main(argv)
    try:
        rest = training_output_args(known.training_output, rest)
    except ExportError as error:
        print(f"verdict-export: error: {error}", file=sys.stderr)
        return 1
    return export.main(rest)
