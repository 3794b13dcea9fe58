"""Chunk-level programs: a text model's chunk encoders and its head, exported separately.

The seed's BERT-family models (reference notes §3.3, §3.5) run a text encoder on every chunk of a
row, average the pooled chunk vectors over the row's C chunks (the seed's collate adds all-zero
padding chunks, which are averaged too) and pass the mean, with the tabular fields, through a head.
The engine runs such a model faster when it has the two halves: the encoder on real chunks only,
sorted by length across rows, then the head on the means (docs/bundle-format.md, "chunk_execution").

The exporter finds the halves in one of two ways:

- **Declared**: the model has the two methods of the protocol
      verdict_chunk_encoders(self) -> dict[str, nn.Module]
          text field -> module whose forward(ids int64 [N, T], mask int64 [N, T]) returns the
          pooled chunk vectors, float32 [N, H];
      verdict_head(self, pooled: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor
          pooled: text field -> the mean of a row's pooled chunk vectors, float32 [B, H];
          batch: the tabular inputs {name: float32 [B]}; returns what forward returns.
- **Layout**: the seed's module layout, a TextBertBase-like submodule per text field that holds
  its BERT as `.bert` and takes the plain mean of the pooled outputs over the chunks. The encoder
  is that `.bert`, called as the submodule calls it (its pooled output: the tensor it returns or
  its `pooler_output`); the head is the whole model with each `.bert` replaced by the given mean
  (one chunk per row, whose mean is itself).

Either way the split is checked against the eager model, in both batching semantics, before it is
written: `seed` (the sample rows as one batch of the seed's collate, padding chunks included) and
`served` (each row alone: its own chunks, no padding chunks). A declared split that differs by more
than the tolerance is refused; a layout that does not match is left out (the model is exported as
one program, as before) with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch
from torch import nn

ENCODERS_METHOD = "verdict_chunk_encoders"
HEAD_METHOD = "verdict_head"
HEAD_FILE = "head.pt"
# Chunks per encoder call in the checks, like the engine's calls (sorted by length).
CHECK_CHUNKS_PER_CALL = 64
# Rows of a text model's checked sample its programs are traced on (the whole model too, in
# export.py): tracing runs the model once, and the checks then run every checked row.
TRACE_ROWS = 4


class SplitError(Exception):
    """The model's chunk-level split cannot be exported or does not match the model."""


@dataclass
class TextInputs:
    """A text field and the names of its ids and mask inputs."""
    field: str
    ids: str
    mask: str


@dataclass
class Split:
    """A model cut into chunk encoders and a head; `source` is "declared" or "layout"."""
    encoders: dict[str, nn.Module]
    head: nn.Module
    head_inputs: list[dict]
    source: str
    _restore: Callable[[], None] = field(default=lambda: None, repr=False)


def text_inputs(manifest: Mapping[str, Any]) -> list[TextInputs]:
    """The manifest's text fields with their ids and mask input names, in manifest order."""
    found = []
    for text_field in manifest.get("text_fields", []):
        of_field = {i["kind"]: i["name"] for i in manifest["inputs"] if i["field"] == text_field["name"]}
        found.append(TextInputs(text_field["name"], of_field["text_ids"], of_field["attention_mask"]))
    return found


def head_inputs(manifest: Mapping[str, Any]) -> list[dict]:
    """The head's positional inputs: each text field's pooled mean, then the tabular inputs."""
    pooled = [{"name": f"{t.field}_pooled", "kind": "text_pooled", "field": t.field} for t in text_inputs(manifest)]
    return pooled + [dict(i) for i in manifest["inputs"] if i["kind"] == "tabular"]


def encoder_file(text_field: str) -> str:
    """The bundle file of a text field's encoder: encoder_<field>.pt, odd characters as '_'."""
    return f"encoder_{re.sub(r'[^A-Za-z0-9_.-]', '_', text_field)}.pt"


def first_tensor(out: Any, error: type[Exception] = SplitError, wanted: str = "a tensor") -> torch.Tensor:
    """A model's output tensor: `out` itself, or the first element of a tuple/list output; else
    `error` saying the model returned something other than `wanted`."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    raise error(f"the model returned {type(out).__name__}, not {wanted}")


# ---------------------------------------------------------------------------------------------
# Declared split


class _DeclaredHead(nn.Module):
    """Positional (pooled means..., tabular...) -> model.verdict_head(pooled, batch)."""

    def __init__(self, model: nn.Module, fields: list[str], tabular: list[str]):
        super().__init__()
        self.model, self.fields, self.tabular = model, list(fields), list(tabular)

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        pooled = dict(zip(self.fields, tensors[: len(self.fields)]))
        batch = dict(zip(self.tabular, tensors[len(self.fields):]))
        return first_tensor(getattr(self.model, HEAD_METHOD)(pooled, batch))


def _declared(model: nn.Module, manifest: Mapping[str, Any]) -> Split:
    fields = [t.field for t in text_inputs(manifest)]
    encoders = getattr(model, ENCODERS_METHOD)()
    if not isinstance(encoders, Mapping) or sorted(encoders) != sorted(fields):
        listed = sorted(encoders) if isinstance(encoders, Mapping) else type(encoders).__name__
        raise SplitError(f"{ENCODERS_METHOD}() must return {{text field: module}} for the text fields "
                         f"{fields}, not {listed}")
    for name, module in encoders.items():
        if not isinstance(module, nn.Module):
            raise SplitError(f"{ENCODERS_METHOD}()['{name}'] is {type(module).__name__}, not an nn.Module")
    inputs = head_inputs(manifest)
    tabular = [i["name"] for i in inputs if i["kind"] == "tabular"]
    split = Split(dict(encoders), _DeclaredHead(model, fields, tabular), inputs, "declared")
    split._restore = _hold_out(model, list(encoders.values()))
    return split


def _hold_out(model: nn.Module, modules: list[nn.Module]) -> Callable[[], None]:
    """Replaces `modules` inside `model` by empty modules, so that the traced head does not carry
    the encoders' weights; returns the function that puts them back."""
    held = [(parent, name, child) for parent in model.modules() for name, child in parent._modules.items()
            if any(child is m for m in modules)]
    for parent, name, _ in held:
        parent._modules[name] = nn.Module()

    def restore() -> None:
        for parent, name, child in held:
            parent._modules[name] = child
    return restore


# ---------------------------------------------------------------------------------------------
# The seed's layout


@dataclass
class _Call:
    """How a text submodule called its `.bert`: where the ids and the mask went, what came back."""
    args: list[Any]
    kwargs: dict[str, Any]
    output: Any


def _is_same(a: Any, b: torch.Tensor) -> bool:
    return isinstance(a, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))


def _pooled_of(output: Any) -> torch.Tensor | None:
    if isinstance(output, torch.Tensor):
        return output
    pooled = getattr(output, "pooler_output", None)
    return pooled if isinstance(pooled, torch.Tensor) else None


class _ChunkEncoder(nn.Module):
    """(ids [N, T], mask [N, T]) -> pooled [N, H]: `.bert` called as its text submodule calls it."""

    def __init__(self, bert: nn.Module, call: _Call, ids: torch.Tensor, mask: torch.Tensor):
        super().__init__()
        self.bert = bert
        # Each argument: "ids", "mask" or a constant that the submodule passed (None, a flag).
        self.args = [self._role(a, ids, mask) for a in call.args]
        self.kwargs = {k: self._role(v, ids, mask) for k, v in call.kwargs.items()}

    @staticmethod
    def _role(value: Any, ids: torch.Tensor, mask: torch.Tensor) -> Any:
        if _is_same(value, ids):
            return ("ids",)
        if _is_same(value, mask):
            return ("mask",)
        if isinstance(value, torch.Tensor):
            raise SplitError("its .bert takes a tensor that is neither the chunk ids nor the mask")
        return ("constant", value)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        def value(role):
            return ids if role[0] == "ids" else mask if role[0] == "mask" else role[1]
        out = self.bert(*[value(r) for r in self.args], **{k: value(r) for k, r in self.kwargs.items()})
        return _pooled_of(out)


class _LayoutHead(nn.Module):
    """The whole model with each text submodule's `.bert` replaced by the given pooled means: every
    row gets one chunk (ids and mask of ones, [B, 1, 1]) whose pooled vector is the mean."""

    def __init__(self, model: nn.Module, texts: list[TextInputs], feeds: list["_Feed"], tabular: list[str]):
        super().__init__()
        self.model, self.texts, self.feeds, self.tabular = model, texts, feeds, tabular

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        batch = dict(zip(self.tabular, tensors[len(self.texts):]))
        for text, feed, pooled in zip(self.texts, self.feeds, tensors):
            ones = torch.ones_like(pooled[:, :1], dtype=torch.long)[:, :, None]
            batch[text.ids], batch[text.mask] = ones, ones
            feed.value = pooled
        return first_tensor(self.model(batch))


class _Feed:
    """Stands in for a `.bert` (a plain callable, so tracing inlines it): returns the pooled means
    it was given, as the BERT returned its pooled output (a tensor or an object with
    `pooler_output`)."""

    def __init__(self, example: Any):
        self.kind = type(example)
        self.value: torch.Tensor | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.value if issubclass(self.kind, torch.Tensor) else self.kind(pooler_output=self.value)


def _candidates(model: nn.Module) -> list[nn.Module]:
    """Submodules (or the model itself) holding a module as `.bert`; none inside another."""
    found: list[nn.Module] = []
    for module in model.modules():
        if isinstance(getattr(module, "bert", None), nn.Module) and \
                not any(module in set(outer.modules()) for outer in found):
            found.append(module)
    return found


def _record_calls(model: nn.Module, bases: list[nn.Module], batch: dict[str, torch.Tensor],
                  names: list[str]) -> list[_Call | None]:
    """Runs the model once and records each base's first `.bert` call."""
    calls: list[_Call | None] = [None] * len(bases)
    handles = []
    for index, base in enumerate(bases):
        def hook(module, args, kwargs, output, index=index):
            if calls[index] is None:
                calls[index] = _Call(list(args), dict(kwargs), output)
        handles.append(base.bert.register_forward_hook(hook, with_kwargs=True))
    try:
        with torch.inference_mode():
            model({n: batch[n] for n in names})
    finally:
        for handle in handles:
            handle.remove()
    return calls


def _layout(model: nn.Module, manifest: Mapping[str, Any], batch: dict[str, torch.Tensor]) -> Split | None:
    texts = text_inputs(manifest)
    bases = _candidates(model)
    if len(bases) != len(texts):
        return None
    names = [i["name"] for i in manifest["inputs"]]
    probe = {n: t[:2] for n, t in batch.items()}
    calls = _record_calls(model, bases, probe, names)
    encoders: dict[str, nn.Module] = {}
    ordered: list[tuple[nn.Module, _Call]] = []
    for text in texts:
        ids, mask = probe[text.ids], probe[text.mask]
        flat_ids, flat_mask = ids.reshape(-1, ids.shape[-1]), mask.reshape(-1, mask.shape[-1])
        match = [(b, c) for b, c in zip(bases, calls)
                 if c is not None and any(_is_same(a, flat_ids) for a in [*c.args, *c.kwargs.values()])]
        if len(match) != 1 or _pooled_of(match[0][1].output) is None:
            return None
        base, call = match[0]
        encoders[text.field] = _ChunkEncoder(base.bert, call, flat_ids, flat_mask)
        ordered.append((base, call))
    feeds = [_Feed(call.output) for _, call in ordered]
    inputs = head_inputs(manifest)
    head = _LayoutHead(model, texts, feeds, [i["name"] for i in inputs if i["kind"] == "tabular"])
    split = Split(encoders, head, inputs, "layout")
    split._restore = _replace_berts([b for b, _ in ordered], feeds)
    return split


def _replace_berts(bases: list[nn.Module], feeds: list[_Feed]) -> Callable[[], None]:
    """Puts each feed in place of its base's `.bert` (so the head holds no BERT weights) and
    returns the function that puts the BERTs back, in their places."""
    saved = [dict(base._modules) for base in bases]
    for base, feed in zip(bases, feeds):
        del base._modules["bert"]
        object.__setattr__(base, "bert", feed)

    def restore() -> None:
        for base, modules in zip(bases, saved):
            base.__dict__.pop("bert", None)
            base._modules.clear()
            base._modules.update(modules)
    return restore


def find_split(model: nn.Module, manifest: Mapping[str, Any], batch: dict[str, torch.Tensor]) -> Split | None:
    """The model's split: declared (the protocol's two methods), else found from the seed's layout,
    else None. The split holds its encoders out of `model` (so that the traced head carries none
    of their weights) until `release(split)`."""
    if not text_inputs(manifest):
        return None
    if hasattr(model, ENCODERS_METHOD) and hasattr(model, HEAD_METHOD):
        return _declared(model, manifest)
    try:
        return _layout(model, manifest, batch)
    except Exception:  # a model whose probe run or .bert calls do not fit is not the seed's layout
        return None


def release(split: Split | None) -> None:
    """Gives the model back its BERTs (a layout split holds them out while the head is exported)."""
    if split is not None:
        split._restore()
        split._restore = lambda: None


# ---------------------------------------------------------------------------------------------
# Running the split as the engine does


@dataclass
class Programs:
    """Callables of a split (eager modules or the exported TorchScript ones)."""
    encoders: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]
    head: Callable[..., torch.Tensor]
    tabular: list[str]


def _real_chunks(ids: torch.Tensor, mask: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """The real chunks of a collated [B, C, T] field (mask not all zero), unpadded, in row order,
    and each row's chunk count."""
    lengths = mask.sum(dim=2)
    counts = (lengths > 0).sum(dim=1)
    chunk_ids, chunk_masks = [], []
    for r in range(ids.shape[0]):
        for c in range(int(counts[r])):
            length = int(lengths[r, c])
            chunk_ids.append(ids[r, c, :length])
            chunk_masks.append(mask[r, c, :length])
    return chunk_ids, chunk_masks, counts


def encode_chunks(encoder: Callable, chunk_ids: list[torch.Tensor], chunk_masks: list[torch.Tensor],
                  tokens: int | None) -> torch.Tensor:
    """Pooled vectors [N, H] of the chunks, in their order: sorted by length, run in calls of
    CHECK_CHUNKS_PER_CALL chunks, each padded to its longest chunk (`tokens` None) or to `tokens`."""
    order = sorted(range(len(chunk_ids)), key=lambda i: len(chunk_ids[i]))
    pooled: list[torch.Tensor | None] = [None] * len(order)
    for start in range(0, len(order), CHECK_CHUNKS_PER_CALL):
        group = order[start:start + CHECK_CHUNKS_PER_CALL]
        t = tokens if tokens is not None else max(len(chunk_ids[i]) for i in group)
        ids = torch.zeros((len(group), t), dtype=torch.int64)
        mask = torch.zeros((len(group), t), dtype=torch.int64)
        for row, i in enumerate(group):
            ids[row, : len(chunk_ids[i])] = chunk_ids[i]
            mask[row, : len(chunk_masks[i])] = chunk_masks[i]
        out = encoder(ids, mask)
        for row, i in enumerate(group):
            pooled[i] = out[row]
    return torch.stack(pooled)


def padding_chunk(encoder: Callable, tokens: int) -> torch.Tensor:
    """P_pad(T): the pooled vector of one all-zero chunk (ids 0, mask 0) of T tokens, [H]."""
    zeros = torch.zeros((1, tokens), dtype=torch.int64)
    return encoder(zeros, zeros)[0]


def pooled_means(programs: Programs, texts: list[TextInputs], batch: dict[str, torch.Tensor],
                 tokens: int | None) -> dict[str, list[torch.Tensor]]:
    """Each text field's head input, float32 [B, H], in both semantics ("seed", "served"), for a
    batch collated like the seed's collate ([B, C, T] per field), the real chunks encoded once:
    served averages each row's own chunks; seed also counts the batch's padding chunks, each
    contributing P_pad(T) with T the batch's token count. The encoder pads each call to its longest
    chunk (`tokens` None) or to `tokens`."""
    means: dict[str, list[torch.Tensor]] = {"seed": [], "served": []}
    for text in texts:
        ids, mask = batch[text.ids], batch[text.mask]
        chunk_ids, chunk_masks, counts = _real_chunks(ids, mask)
        if bool((counts == 0).any()):
            raise SplitError(f"a row of text field '{text.field}' has no chunk")
        pooled = encode_chunks(programs.encoders[text.field], chunk_ids, chunk_masks, tokens)
        rows = torch.repeat_interleave(torch.arange(len(counts)), counts)
        sums = torch.zeros((len(counts), pooled.shape[1]), dtype=pooled.dtype).index_add_(0, rows, pooled)
        chunks = ids.shape[1]
        pad = padding_chunk(programs.encoders[text.field], ids.shape[2])
        means["seed"].append((sums + (chunks - counts)[:, None].to(pooled.dtype) * pad) / chunks)
        means["served"].append(sums / counts[:, None].to(pooled.dtype))
    return means


def run(programs: Programs, texts: list[TextInputs], batch: dict[str, torch.Tensor],
        tokens: int | None) -> dict[str, torch.Tensor]:
    """The head's raw output for the batch in both semantics (see pooled_means)."""
    tabular = [batch[n] for n in programs.tabular]
    return {semantics: first_tensor(programs.head(*means, *tabular))
            for semantics, means in pooled_means(programs, texts, batch, tokens).items()}


def chunk_counts(batch: dict[str, torch.Tensor], texts: list[TextInputs]) -> torch.Tensor:
    """Real chunks per row and text field, int64 [B, fields]."""
    return torch.stack([(batch[t.mask].sum(dim=2) > 0).sum(dim=1) for t in texts], dim=1)


def served_groups(batch: dict[str, torch.Tensor], texts: list[TextInputs]) -> list[torch.Tensor]:
    """Row indices grouped by their chunk counts: rows of a group collated together get no padding
    chunks, so one call per group is each row run alone."""
    counts = chunk_counts(batch, texts)
    keys, inverse = torch.unique(counts, dim=0, return_inverse=True)
    return [torch.nonzero(inverse == k).reshape(-1) for k in range(len(keys))]


# ---------------------------------------------------------------------------------------------
# Export: trace, check in both semantics, write


@dataclass
class Checked:
    """What the export of a split found: the worst |dp| of each semantics, and whether the encoder
    may pad each call only to its longest chunk."""
    seed: float
    served: float
    padding_invariant: bool


def _trace(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> torch.jit.ScriptModule:
    with torch.inference_mode(False), torch.no_grad():
        return torch.jit.trace(module.eval(), inputs, check_trace=False, strict=False)


def encoder_example(batch: dict[str, torch.Tensor], text: TextInputs) -> tuple[torch.Tensor, torch.Tensor]:
    """A few real chunks of the sample, padded to their longest: the encoder's tracing input."""
    chunk_ids, chunk_masks, _ = _real_chunks(batch[text.ids][:TRACE_ROWS], batch[text.mask][:TRACE_ROWS])
    t = max(len(c) for c in chunk_ids)
    ids = torch.zeros((len(chunk_ids), t), dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for row, (i, m) in enumerate(zip(chunk_ids, chunk_masks)):
        ids[row, : len(i)], mask[row, : len(m)] = i, m
    return ids, mask


def trace_split(split: Split, texts: list[TextInputs], batch: dict[str, torch.Tensor]) -> Programs:
    """TorchScript programs of the split's encoders and head (traced on the sample rows)."""
    encoders = {t.field: _trace(split.encoders[t.field], encoder_example(batch, t)) for t in texts}
    tabular = [i["name"] for i in split.head_inputs if i["kind"] == "tabular"]
    eager = Programs(split.encoders, split.head, tabular)
    example = {n: t[:TRACE_ROWS] for n, t in batch.items()}
    with torch.inference_mode():
        means = [m.clone() for m in pooled_means(eager, texts, example, None)["served"]]
    head = _trace(split.head, (*means, *[example[n].clone() for n in tabular]))
    return Programs(encoders, head, tabular)


def check_programs(programs: Programs, texts: list[TextInputs], batch: dict[str, torch.Tensor],
                   seed_eager: torch.Tensor, served_eager: torch.Tensor, to_probabilities: Callable,
                   tokens: int | None) -> tuple[float, float]:
    """Worst |dp| of the programs against the eager model on `batch` (one seed batch), in seed
    semantics (`seed_eager`) and served semantics (`served_eager`: each row alone)."""
    def worst(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((a - b).abs().max()) if a.shape == b.shape else float("inf")
    with torch.inference_mode():
        out = run(programs, texts, batch, tokens)
    return worst(to_probabilities(out["seed"]), seed_eager), worst(to_probabilities(out["served"]), served_eager)
