"""Will it fit? Memory estimates made before a large allocation, so that a size typed with
one zero too many is one line naming what it needs and what to lower, not an allocator
traceback (or, worse, the kernel's OOM killer after minutes of swapping).

Every estimate here is a lower bound: it counts only tensors that must exist at once, so a
job it refuses could never have run, and a job it lets through may still be tight. The
activation estimates come from one pass at a small probe size, scaled by the pixel count
(the nets are convolutional: every activation grows with the image's area).
"""

from __future__ import annotations

import re

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.outputs import available_ram, human_bytes

ADAM_BYTES_PER_PARAM = 16  # fp32 weight, its gradient and Adam's two moments


def available_memory(device: torch.device | str | None = None) -> int:
    """Bytes free now on ``device`` (CUDA: the GPU's free memory; else the host's
    available RAM); 0 when unknown, which turns every check off."""
    device = torch.device(device or "cpu")
    if device.type == "cuda":
        try:
            return int(torch.cuda.mem_get_info(device)[0])
        except (RuntimeError, AssertionError):
            return 0
    if device.type != "cpu":
        return 0  # mps and others share or hide their memory: no estimate
    return available_ram()


def check_fits(needed: int, device: torch.device | str | None, what: str, advice: str) -> None:
    """ConfigError ``<what> needs at least N of memory (M available); <advice>`` when
    ``needed`` bytes exceed what ``device`` has free."""
    available = available_memory(device)
    if available and needed > available:
        raise ConfigError(f"{what} needs at least {human_bytes(needed)} of memory "
                          f"({human_bytes(available)} available); {advice}")


def _leaves(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if not list(m.children())]


def _numel(value) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, (list, tuple)):
        return sum(_numel(v) for v in value)
    if isinstance(value, dict):
        return sum(_numel(v) for v in value.values())
    return 0


def inference_bytes_per_pixel(net: nn.Module, channels: int, side: int) -> float:
    """Bytes per input pixel that one no-grad pass of ``net`` holds at least: the largest
    input + output of any single layer (both exist while it runs), measured on a
    ``side`` x ``side`` noise image on the net's device."""
    largest = [0]

    def hook(_module, inputs, output):
        largest[0] = max(largest[0], _numel(inputs) + _numel(output))

    handles = [leaf.register_forward_hook(hook) for leaf in _leaves(net)]
    try:
        param = next(net.parameters(), None)
        x = torch.zeros(1, channels, side, side,
                        device=param.device if param is not None else "cpu")
        with torch.no_grad():
            net(x)
    finally:
        for handle in handles:
            handle.remove()
    return 4 * largest[0] / (side * side)  # fp32


def backward_bytes_per_pixel(net: nn.Module, x: torch.Tensor, *args) -> float:
    """Bytes per input pixel that a pass of ``net(x, *args)`` keeps for its backward at
    least: the input of every convolution (what autograd saves to get its gradient)."""
    saved = [0]

    def hook(_module, inputs):
        saved[0] += _numel(inputs)

    handles = [m.register_forward_pre_hook(hook) for m in net.modules()
               if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            net(x, *args)
    finally:
        for handle in handles:
            handle.remove()
    return 4 * saved[0] / (x.shape[-2] * x.shape[-1])


def parameter_count(factory, *args, **kwargs) -> int | None:
    """Parameters of ``factory(*args, **kwargs)``, built on the meta device (nothing is
    allocated); None when the factory cannot be built there."""
    try:
        with torch.device("meta"):
            net = factory(*args, **kwargs)
        return sum(p.numel() for p in net.parameters())
    except Exception:  # a plugin factory may load files or check values: no estimate
        return None


def largest_side(bytes_per_pixel: float, available: int, multiple: int = 1) -> int:
    """The largest square side (a multiple of ``multiple``) whose estimate fits."""
    side = int((available / max(bytes_per_pixel, 1e-9)) ** 0.5)
    return max(multiple, side // multiple * multiple)


_TRIED = re.compile(r"tried to allocate ([0-9.]+) ?(bytes|[KMGT]i?B)", re.IGNORECASE)
_UNITS = {"bytes": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def out_of_memory_line(err: BaseException) -> str | None:
    """The one line for an allocator's out-of-memory error (None: not one): what the
    allocation wanted, and what to lower."""
    text = str(err)
    oom = isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError" or (
        isinstance(err, RuntimeError) and ("can't allocate memory" in text
                                           or "out of memory" in text))
    if not oom:
        return None
    match = _TRIED.search(text)
    wanted = ""
    if match:
        wanted = f" (one allocation of {human_bytes(float(match[1]) * _UNITS[match[2].lower()])})"
    return (f"out of memory{wanted}; lower --size or --batch-size, or the nets' widths "
            "(generator.params.ngf, discriminator.params.ndf)")
