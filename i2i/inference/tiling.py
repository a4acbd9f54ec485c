"""Tiled translation: an image of any size through a generator in bounded memory.

The image goes through the generator in overlapping square tiles whose outputs are blended
with linear ramps across each overlap, so memory grows with the tile, not the image.
Normalisation layers that use their input's statistics (instance norm, ...) get the whole
image's instead (:mod:`i2i.inference.norm_statistics`): from one whole-image pass when the image is
small enough for one, else summed over the tiles layer by layer. Without that each tile
would have its own colours and contrast.

What is left of the difference to an untiled pass: the generator's receptive field is cut
at tile borders the overlap does not cover. ``benchmarks/translate_tiled.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from i2i.errors import ConfigError
from i2i.inference.norm_statistics import NormStatistics


@dataclass(frozen=True)
class Tiling:
    """How to tile: ``tile`` px squares overlapping by ``overlap`` px; norm statistics from
    one whole-image pass for images of at most ``stats_pixels`` pixels, else measured over
    all tiles."""

    tile: int = 1024
    overlap: int = 64
    stats_pixels: int = 2048 * 2048
    always: bool = False  # --tile N; otherwise (--tile auto) only images over stats_pixels

    def applies(self, h: int, w: int) -> bool:
        """Whether an image of h x w goes through in tiles."""
        return h * w > self.stats_pixels or (self.always and max(h, w) > self.tile)

    def fitted(self, multiple: int) -> Tiling:
        """This tiling with sizes rounded to the generator's size multiple (tile and stride
        on its grid, so every tile's downsampling lines up with the whole image's)."""
        tile = max(multiple, self.tile // multiple * multiple)
        overlap = -(-self.overlap // multiple) * multiple
        if overlap >= tile:
            raise ConfigError(f"the tile overlap ({overlap} px) must be smaller than the tile "
                              f"({tile} px); lower --tile-overlap or raise --tile")
        return Tiling(tile, overlap, self.stats_pixels, self.always)


def parse_tile(value: str, overlap: int) -> Tiling | None:
    """``--tile`` as given: "auto" (tile only what is too large for one pass), "off", or a
    tile side in pixels."""
    if overlap < 0:
        raise ConfigError(f"--tile-overlap must be 0 or more, got {overlap}")
    if value == "off":
        return None
    if value == "auto":
        return Tiling(overlap=overlap)
    try:
        side = int(value)
    except ValueError:
        side = 0
    if side < 16:
        raise ConfigError(f"--tile is '{value}'; give auto, off or a tile side of at least "
                          "16 px, e.g. --tile 512")
    if overlap >= side:
        raise ConfigError(f"--tile-overlap ({overlap}) must be smaller than the tile "
                          f"({side}); lower it or raise --tile")
    return Tiling(tile=side, overlap=overlap, always=True)


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles covering ``length``; the last one ends at ``length``."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def _ramp(length: int, start: int, size: int, overlap: int, device) -> torch.Tensor:
    """Blend weights along one axis: 1 inside, rising linearly over an overlap with a
    neighbour (never 0, so every pixel has weight); flat at the image's own borders."""
    w = torch.ones(size, device=device)
    if overlap == 0:
        return w
    ramp = (torch.arange(overlap, device=device, dtype=torch.float32) + 0.5) / overlap
    n = min(overlap, size)
    if start > 0:
        w[:n] = ramp[:n]
    if start + size < length:
        w[-n:] = torch.minimum(w[-n:], ramp[:n].flip(0))
    return w


def owned_spans(starts: list[int], tile: int, length: int, multiple: int) -> list[tuple]:
    """For each tile along one axis, the (start, end) fraction of it that it alone covers:
    neighbours split their overlap in the middle, on the generator's grid."""
    bounds = [0]
    for previous, start in zip(starts, starts[1:], strict=False):
        bounds.append((start + previous + tile) // 2 // multiple * multiple)
    bounds.append(length)
    size = min(tile, length)
    return [((bounds[i] - s) / size, (bounds[i + 1] - s) / size) for i, s in enumerate(starts)]


def translate_tiled(translate: Callable[[torch.Tensor], torch.Tensor], nets, x: torch.Tensor,
                    tiling: Tiling, multiple: int) -> torch.Tensor:
    """``translate(x)`` computed tile by tile; ``nets`` are the modules ``translate`` runs
    (their normalisation layers get the whole image's statistics).

    ``x`` (N, C, H, W) must already be padded to the generator's size ``multiple``. The
    statistics come from one pass over the whole image when it has at most
    ``tiling.stats_pixels`` pixels. A larger image's are summed over all tiles, layer by
    layer (:meth:`NormStatistics.measure`): the full-size image's own statistics, in
    bounded memory, for about one tiled pass per normalisation layer, each stopped at its
    layer (some 15 passes' worth for the 9-block ResNet). Statistics of a shrunk copy or
    of a sample of tiles cost less, but were measured to be far off (see
    ``benchmarks/README.md``)."""
    tiling = tiling.fitted(multiple)
    h, w = x.shape[-2:]
    rows, cols = (tile_starts(h, tiling.tile, tiling.overlap),
                  tile_starts(w, tiling.tile, tiling.overlap))
    stats = NormStatistics(nets)
    if stats.needed and h * w <= tiling.stats_pixels:
        stats.record(lambda: translate(x))
    elif stats.needed:
        row_spans = owned_spans(rows, tiling.tile, h, multiple)
        col_spans = owned_spans(cols, tiling.tile, w, multiple)

        def tiles():
            for top, row_span in zip(rows, row_spans, strict=True):
                for left, col_span in zip(cols, col_spans, strict=True):
                    patch = x[..., top:top + tiling.tile, left:left + tiling.tile]
                    yield (lambda patch=patch: translate(patch)), (*row_span, *col_span)

        stats.measure(tiles)
    out = weight = None
    for top in rows:
        for left in cols:
            patch = x[..., top:top + tiling.tile, left:left + tiling.tile]
            y = stats.replay(lambda patch=patch: translate(patch)).float()
            if out is None:
                out = torch.zeros((x.shape[0], y.shape[1], h, w), device=y.device)
                weight = torch.zeros((1, 1, h, w), device=y.device)
            th, tw = y.shape[-2:]
            blend = (_ramp(h, top, th, tiling.overlap, y.device)[:, None]
                     * _ramp(w, left, tw, tiling.overlap, y.device)[None, :])
            out[..., top:top + th, left:left + tw] += y * blend
            weight[..., top:top + th, left:left + tw] += blend
    return out / weight
