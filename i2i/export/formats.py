"""The export formats: one ``write`` and one ``run`` function each, and the ``FORMATS`` table.

``write(target, example, path)`` writes ``target.net`` to ``path`` (a temp file the caller
renames into place); ``run(path, x)`` loads that file the way its runtime does and returns
the output for ``x`` (NCHW float32 in [-1, 1]), for the verification. To add a format, write
the two functions and add a :class:`Format` entry; name the pip extra its packages come in.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

# ONNX: the input and output names a runtime feeds and reads (see docs/commands/export.md).
INPUT_NAME, OUTPUT_NAME = "input", "output"
# the largest batch and side a dynamic ONNX export is declared for (the exporter needs a
# bound; nothing near it fits in memory for these nets anyway)
MAX_DYNAMIC = 1 << 15
SAFETENSORS_KIND = "i2i.generator"


@dataclass
class ExportTarget:
    """What is exported: the module and what a self-describing file says about it."""

    net: nn.Module
    method: str
    direction: str
    config: dict  # the run's resolved config (RunConfig.to_dict())
    input_nc: int
    size: int  # the export (and verification) side
    multiple: int  # input sides must be multiples of this
    dynamic: bool = False
    meta: dict = field(default_factory=dict)  # extra safetensors metadata (checkpoint name)


@dataclass(frozen=True)
class Format:
    """One export format: how to write it, how to run what was written, what it needs."""

    write: Callable[[ExportTarget, torch.Tensor, Path], None]
    run: Callable[[Path, torch.Tensor], torch.Tensor]
    modules: tuple[str, ...]  # importable modules it needs beyond torch
    extra: str  # the i2i extra that installs them ("" when none)
    dynamic: str  # what --dynamic means for it, for the help text


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """Exporters print progress, warn (deprecations, tracer notes) and log failed guards;
    library code must not write to the terminal, and failures are reported as one line."""
    torch_log = logging.getLogger("torch")
    level = torch_log.level
    torch_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch_log.setLevel(level)


# ---------------------------------------------------------------------------------- onnx
def write_onnx(target: ExportTarget, example: torch.Tensor, path: Path) -> None:
    # The dynamo exporter (torch.export, then onnxscript): the TorchScript-based one is
    # deprecated in torch 2.9+, and torch.export's dynamic shapes let a side be declared
    # "a multiple of the generator's size_multiple", which the graph really needs.
    shapes = None
    if target.dynamic:
        most = MAX_DYNAMIC // target.multiple
        batch = torch.export.Dim("batch", min=1, max=MAX_DYNAMIC)
        h = torch.export.Dim("h", min=1, max=most)
        w = torch.export.Dim("w", min=1, max=most)
        m = target.multiple
        shapes = ({0: batch, 2: h * m if m > 1 else h, 3: w * m if m > 1 else w},)
    with quiet_exporter():
        torch.onnx.export(target.net, (example,), str(path), dynamo=True,
                          input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                          dynamic_shapes=shapes, external_data=False, verbose=False)


def run_onnx(path: Path, x: torch.Tensor) -> torch.Tensor:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return torch.from_numpy(session.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})[0])


# --------------------------------------------------------------------------- torchscript
def write_torchscript(target: ExportTarget, example: torch.Tensor, path: Path) -> None:
    # Traced, not scripted: tracing takes any generator a plugin writes in plain Python,
    # and a convolutional net traced so records its shapes symbolically; a trace that
    # baked a size in is caught by the verification at a second size (--dynamic).
    with quiet_exporter(), torch.no_grad():
        traced = torch.jit.trace(target.net, example, check_trace=False)
        torch.jit.save(traced, str(path))


def run_torchscript(path: Path, x: torch.Tensor) -> torch.Tensor:
    with quiet_exporter():
        module = torch.jit.load(str(path), map_location="cpu")
    with torch.no_grad():
        return module(x)


# --------------------------------------------------------------------------- safetensors
def write_safetensors(target: ExportTarget, example: torch.Tensor, path: Path) -> None:
    from safetensors.torch import save_file

    from i2i import __version__

    # clones: safetensors refuses tensors that share memory, and a saved file must not
    # alias the live net
    tensors = {k: v.detach().cpu().contiguous().clone()
               for k, v in target.net.state_dict().items()}
    metadata = {"format": SAFETENSORS_KIND, "i2i_version": __version__,
                "method": target.method, "direction": target.direction,
                "generator": json.dumps(target.config.get("generator", {})),
                "config": json.dumps(target.config), "input_nc": str(target.input_nc),
                "size": str(target.size), "size_multiple": str(target.multiple),
                **{k: str(v) for k, v in target.meta.items()}}
    save_file(tensors, str(path), metadata=metadata)


def load_safetensors(path: str | Path) -> tuple[nn.Module, dict[str, str]]:
    """(net in eval mode, metadata) from a file ``i2i export --format safetensors`` wrote.

    The net is rebuilt the way i2i builds it (the method's ``export_net`` from the saved
    config, on the CPU) and given the file's weights, every key checked."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    from i2i.config import from_saved
    from i2i.errors import CheckpointError
    from i2i.plugins import lookup

    with safe_open(str(path), framework="pt") as fh:
        meta = fh.metadata() or {}
    if meta.get("format") != SAFETENSORS_KIND:
        raise CheckpointError(f"{path} is not a generator written by `i2i export` (no "
                              f"'{SAFETENSORS_KIND}' metadata)")
    cfg = from_saved(json.loads(meta["config"]))
    cfg.train.device = "cpu"
    method = lookup("methods", meta["method"])(cfg, torch.device("cpu"), training=False)
    net = method.export_net(meta["direction"])
    net.load_state_dict(load_file(str(path)), strict=True)
    return net.eval(), meta


def run_safetensors(path: Path, x: torch.Tensor) -> torch.Tensor:
    net, _ = load_safetensors(path)
    with torch.no_grad():
        return net(x)


FORMATS: dict[str, Format] = {
    "onnx": Format(write_onnx, run_onnx, ("onnx", "onnxruntime", "onnxscript"), "onnx",
                   "dynamic batch, height and width (sides multiples of the generator's)"),
    "torchscript": Format(write_torchscript, run_torchscript, (), "",
                          "a traced module takes any size; --dynamic also verifies a second "
                          "size and batch"),
    "safetensors": Format(write_safetensors, run_safetensors, ("safetensors",), "safetensors",
                          "weights only: any size; --dynamic also verifies a second size"),
}


def missing_modules(fmt: Format) -> list[str]:
    """The modules ``fmt`` needs that cannot be imported (imported here, so a broken
    install is caught before any work, not half-way through an export)."""
    missing = []
    for name in fmt.modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing
