"""Normalisation statistics recorded in one pass and replayed in later ones.

A generator with instance norm (or batch norm in training mode, or group norm) normalises
each feature map by statistics of the whole image it sees. Translated in tiles, each tile
would see only its own statistics and come out with its own colours and contrast, which
shows as seams. :class:`NormStatistics` records, during a pass over the whole image (or a
smaller copy of it), the mean and variance every such layer used, call by call, and
replays them while the tiles go through, so each tile is normalised as the whole image is.

To cover one more kind of layer that normalises by its own input: add it to
``_reduce_dims`` (which dimensions its statistics span) and to ``_normalise``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import torch
from torch import nn


def input_normalising_layers(nets) -> list[nn.Module]:
    """The layers of ``nets`` whose output depends on statistics of their own input."""
    found = []
    for net in nets:
        for module in net.modules():
            if isinstance(module, nn.GroupNorm):
                found.append(module)
            elif isinstance(module, nn.InstanceNorm2d):
                # with running statistics in eval mode it is a fixed affine map, tile-safe
                if module.training or not module.track_running_stats:
                    found.append(module)
            elif isinstance(module, nn.BatchNorm2d) and (
                    module.training or not module.track_running_stats):
                found.append(module)
    return found


class _LayerDone(Exception):
    """Ends a tile's forward pass once the layer being measured has seen its input."""


class NormStatistics:
    """Per-call (mean, var) of each input-normalising layer of ``nets``; see the module doc.

    A layer called twice in one translation (a shared encoder, say) has one entry per call.
    """

    def __init__(self, nets) -> None:
        self.layers = input_normalising_layers(nets)
        self._stats: dict[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self._calls: dict[nn.Module, int] = defaultdict(int)

    @property
    def needed(self) -> bool:
        """Whether tiles would see other statistics than the whole image at all."""
        return bool(self.layers)

    def record(self, run: Callable[[], object]) -> None:
        """Keep the statistics every layer normalises by while ``run()`` passes the whole
        image through."""
        self._stats = {layer: [] for layer in self.layers}

        def hook(module, args):
            grouped = _grouped(module, args[0]).float()
            var, mean = torch.var_mean(grouped, dim=_reduce_dims(module, grouped),
                                       correction=0, keepdim=True)
            self._stats[module].append((mean, var))

        self._with_hooks("pre", hook, run)

    def measure(self, tiles: Callable[[], Iterable[tuple[Callable[[], object], tuple]]]) -> None:
        """The whole image's statistics, summed over tiles, one layer call at a time.

        ``tiles()`` yields, per tile, (a function passing the tile through, the fraction
        (top, bottom, left, right) of the tile that it alone covers). Each round passes
        every tile up to the next layer call, with every earlier call normalised by the
        whole image's statistics already measured, and sums that call's input over the
        owned regions; a round that meets no further call ends it. Exact, up to how far
        the tiles' features differ from the whole image's at their borders."""
        self._stats = {layer: [] for layer in self.layers}
        target = 0
        while True:
            sums: list = [None, None, 0, None]  # sum, sum of squares, count, layer

            def hook(module, args, output, sums=sums, target=target):
                index = self._calls[module]
                self._calls[module] += 1
                self._calls[None] += 1
                if self._calls[None] - 1 < target:
                    return self._replay(module, index, args[0], output)
                _add_owned(module, args[0], self._owned, sums)
                raise _LayerDone

            for run, owned in tiles():
                self._owned = owned
                try:
                    self._with_hooks("post", hook, run)
                except _LayerDone:
                    pass
                self._calls.clear()
            if sums[3] is None:
                return
            total, squares, count, module = sums
            mean = total / count
            var = (squares / count - mean.square()).clamp_min(0)
            self._stats[module].append((mean.float(), var.float()))
            target += 1

    def replay(self, run: Callable[[], object]):
        """``run()``, with every layer normalised by the recorded statistics (its calls in
        the order they were recorded); returns what ``run`` returns."""
        def hook(module, args, output):
            index = self._calls[module]
            self._calls[module] += 1
            return self._replay(module, index, args[0], output)

        try:
            return self._with_hooks("post", hook, run)
        finally:
            self._calls.clear()

    def _replay(self, module, index: int, x: torch.Tensor, output: torch.Tensor):
        calls = self._stats.get(module, [])
        if index >= len(calls):
            raise RuntimeError(f"{type(module).__name__} was called more often than while "
                               "its statistics were measured")
        mean, var = calls[index]
        return _normalise(module, x, mean, var).to(output.dtype)

    def _with_hooks(self, kind: str, hook, run):
        register = ("register_forward_pre_hook" if kind == "pre"
                    else "register_forward_hook")
        handles = [getattr(layer, register)(hook) for layer in self.layers]
        try:
            return run()
        finally:
            for handle in handles:
                handle.remove()


def _add_owned(module: nn.Module, x: torch.Tensor, owned: tuple, sums: list) -> None:
    """Add the sums over the owned part of ``x`` (the input of ``module``) to ``sums``."""
    h, w = x.shape[-2:]
    top, bottom, left, right = owned
    part = x[..., round(top * h):round(bottom * h), round(left * w):round(right * w)]
    grouped = _grouped(module, part).double()  # E[x^2] - E[x]^2 needs the precision
    dims = _reduce_dims(module, grouped)
    total = grouped.sum(dim=dims, keepdim=True)
    squares = grouped.square().sum(dim=dims, keepdim=True)
    sums[0] = total if sums[0] is None else sums[0] + total
    sums[1] = squares if sums[1] is None else sums[1] + squares
    sums[2] += grouped.numel() // total.numel()
    sums[3] = module


def _grouped(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if isinstance(module, nn.GroupNorm):
        return x.reshape(x.shape[0], module.num_groups, -1)
    return x


def _reduce_dims(module: nn.Module, x: torch.Tensor) -> tuple[int, ...]:
    if isinstance(module, nn.GroupNorm):
        return (2,)
    if isinstance(module, nn.BatchNorm2d):
        return (0, 2, 3)
    return (2, 3)  # instance norm: each sample's each channel


def _normalise(module: nn.Module, x: torch.Tensor, mean: torch.Tensor,
               var: torch.Tensor) -> torch.Tensor:
    """What ``module`` computes on ``x``, with (mean, var) instead of ``x``'s own."""
    shape = x.shape
    grouped = _grouped(module, x).float()
    out = ((grouped - mean) * torch.rsqrt(var + module.eps)).reshape(shape)
    weight = getattr(module, "weight", None)
    if weight is not None:
        out = out * weight.float().view(1, -1, 1, 1) + module.bias.float().view(1, -1, 1, 1)
    return out

