"""Export one direction of a trained run: resolve, check, write to a temp file, verify, rename.

Everything the user can get wrong (format, missing extra, --out, direction, size, a method
that is not one feed-forward net) is checked before anything is written. The file appears
at ``--out`` only once its own runtime reproduced PyTorch within the tolerance; on any
failure the temp file is removed and ``--out`` is as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from i2i.errors import ConfigError, ExportError, OutputError
from i2i.export.failures import describe_failure
from i2i.export.formats import FORMATS, ExportTarget, Format, missing_modules
from i2i.export.verify import (
    EXAMPLE_SEED,
    TOLERANCE,
    check_shapes,
    max_differences,
    noise_image,
)
from i2i.images import finish_atomic
from i2i.outputs import check_output_file, refuse_existing, temp_prefix


@dataclass
class ExportRequest:
    run: Path  # a run folder or a checkpoint file
    fmt: str
    out: Path
    direction: str = "AtoB"
    dynamic: bool = False
    size: int | None = None  # None: the run's training crop size
    checkpoint: str | None = None
    eval_mode: bool = False
    overwrite: bool = False
    tolerance: float = TOLERANCE


@dataclass
class ExportResult:
    out: Path
    checkpoint: Path
    size: int
    differences: dict[str, float] = field(default_factory=dict)  # shape -> max |diff|

    @property
    def max_difference(self) -> float:
        return max(self.differences.values())


def check_format(name: str) -> Format:
    """The format called ``name``, its packages installed; else one line saying what to do."""
    if name not in FORMATS:
        raise ConfigError(f"--format '{name}' is not one of: {', '.join(FORMATS)}")
    fmt = FORMATS[name]
    missing = missing_modules(fmt)
    if missing:
        raise ExportError(f"--format {name} needs {', '.join(missing)}, which is not "
                          f"installed; add it with: pip install \"i2i[{fmt.extra}]\"")
    return fmt


def check_out(out: Path, overwrite: bool, run: Path) -> Path:
    """``out`` is writable and replaces neither the run (any file in a run folder, or the
    checkpoint file given) nor, without ``overwrite``, another existing file."""
    out = Path(out).expanduser()
    check_output_file(out, "--out", [run], overwrite)
    return out


def export_model(req: ExportRequest) -> ExportResult:
    """Export ``req.direction`` of ``req.run`` to ``req.out`` and verify it (see module)."""
    from i2i.inference.files import size_multiple
    from i2i.runs import load_for_inference

    fmt = check_format(req.fmt)
    out = check_out(req.out, req.overwrite, Path(req.run))
    if not req.tolerance > 0:
        raise ConfigError(f"--tolerance must be above 0, got {req.tolerance}")
    method, cfg, path = load_for_inference(Path(req.run), req.checkpoint, torch.device("cpu"),
                                           req.eval_mode)
    refuse_existing(out, "--out", [path], req.overwrite)  # a model name resolved to a file
    if req.direction not in method.generator_for:
        valid = ", ".join(method.generator_for)
        raise ConfigError(f"--direction '{req.direction}' is not one of: {valid}")
    net = method.export_net(req.direction)
    _check_deterministic(method.name, net)
    multiple = size_multiple(method, req.direction)
    size = _check_size(req.size if req.size is not None else cfg.data.crop_size, multiple,
                       req.size is None)
    channels = cfg.data.input_nc if req.direction == "AtoB" else cfg.data.output_nc
    _check_memory(net, channels, size, multiple, req.dynamic)
    target = ExportTarget(net, method.name, req.direction, cfg.to_dict(), channels, size,
                          multiple, req.dynamic, meta={"checkpoint": path.name})
    differences = _write_verified(fmt, req, target, out,
                                  lambda x: method.translate(x, req.direction))
    return ExportResult(out, path, size, differences)


def _write_verified(fmt: Format, req: ExportRequest, target: ExportTarget, out: Path,
                    reference) -> dict[str, float]:
    """Write to a temp file beside ``out``, verify it there, rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(out), suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        example_side = max(target.size, 2 * target.multiple) if target.dynamic else target.size
        # batch 2 when dynamic: an exporter specialises a dimension that is 1 in its example
        example = noise_image((2 if target.dynamic else 1, target.input_nc, example_side,
                               example_side), EXAMPLE_SEED)
        try:
            with torch.no_grad():
                fmt.write(target, example, tmp)
        except OSError as err:
            raise OutputError(f"--out {out}: cannot write in {out.parent} "
                              f"({err.strerror or err}); choose another place") from err
        except MemoryError:
            raise
        except Exception as err:  # exporters raise anything; the user gets one line
            raise ExportError(f"{target.method} {target.direction} cannot be exported to "
                              f"{req.fmt}: {describe_failure(err)}; try another --format"
                              ) from err
        shapes = check_shapes(target.input_nc, target.size, target.multiple, target.dynamic)
        try:
            differences = max_differences(fmt.run, tmp, reference, shapes)
        except MemoryError:
            raise
        except Exception as err:
            raise ExportError(f"the exported {req.fmt} file does not run: "
                              f"{describe_failure(err)}; nothing was written") from err
        worst = max(differences, key=differences.get)
        if not differences[worst] <= req.tolerance:
            raise ExportError(f"the exported {req.fmt} model differs from PyTorch by "
                              f"{differences[worst]:.3g} (input {worst}), more than the "
                              f"tolerance {req.tolerance:g}; nothing was written")
        finish_atomic(tmp, out)
        return differences
    finally:
        tmp.unlink(missing_ok=True)


def _check_deterministic(method: str, net: nn.Module) -> None:
    """A net translating in training mode (pix2pix's dropout and batch statistics) gives
    outputs no exported file reproduces; ``--eval`` exports its eval-mode net instead."""
    # leaves only: a container (the nn.Sequential an export_net composes) has no mode of
    # its own that changes an output
    leaves = [m for m in net.modules() if next(m.children(), None) is None]
    training = {type(m).__name__ for m in leaves
                if m.training and (isinstance(m, nn.modules.dropout._DropoutNd)
                                   or isinstance(m, nn.modules.batchnorm._BatchNorm))}
    if training or any(m.training for m in leaves):
        kinds = ", ".join(sorted(training)) or "training mode"
        raise ConfigError(f"{method} translates with its nets in training mode ({kinds}), "
                          "which an exported file cannot reproduce; add --eval to export the "
                          "eval-mode net (what `i2i translate --eval` uses)")


def _check_memory(net: nn.Module, channels: int, size: int, multiple: int,
                  dynamic: bool) -> None:
    """Before the export traces at ``size``: one pass fits in memory (``--size 100000``
    would otherwise be an allocator traceback), measured at a small size and scaled."""
    from i2i.memory import available_memory, check_fits, inference_bytes_per_pixel, largest_side

    per_pixel = inference_bytes_per_pixel(net, channels, -(-32 // multiple) * multiple)
    side = max(size, 2 * multiple) if dynamic else size
    batch = 2 if dynamic else 1  # the checks of --dynamic run a batch of 2
    fits = largest_side(batch * per_pixel, available_memory("cpu"), multiple)
    check_fits(int(batch * per_pixel * side * side), "cpu",
               f"--size {size}: one pass of the generator", f"lower --size (about {fits} "
               "px fits)")


def _check_size(size: int, multiple: int, from_run: bool) -> int:
    if size >= multiple and size % multiple == 0:
        return size
    where = "the run's data.crop_size" if from_run else "--size"
    raise ConfigError(f"{where} is {size}; the generator needs sides that are multiples of "
                      f"{multiple}: give --size {max(multiple, size // multiple * multiple)}")
