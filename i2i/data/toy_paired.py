"""``builtin:toy_paired``: paired synthetic data where B is a known, non-local function of A.

A: the outlines of a few shapes (ellipses, boxes, triangles), each outline in one of a
small palette of colours, on a dark background. B = ``fill(A)``: the same shapes filled
solid with their outline's colour. Filling needs context (is this pixel inside an outline?),
so no per-pixel map solves it, yet a small U-Net learns it in minutes; the exact ground truth
makes quality measurable (e.g. L1 to B against the identity map's L1).

Written once per size to ``$I2I_HOME/builtin/toy_paired/<size>/`` as ``trainA/ trainB/
testA/ testB/`` with the same file names in A and B: paired methods read it as pairs matched
by name, unpaired ones as two domains.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

from i2i.data.toy import write_once
from i2i.errors import DataError

N_TRAIN = 200
N_TEST = 20
MIN_SIZE, MAX_SIZE = 32, 256
BACKGROUND = (20, 20, 40)
PALETTE = ((230, 60, 50), (60, 200, 80), (70, 110, 240), (240, 210, 60))
_VERSION = 1  # bump when the drawing changes, so old caches are rebuilt


def _shapes(seed: int, size: int) -> list[tuple[str, tuple[int, int, int, int], tuple]]:
    rng = random.Random(seed)
    shapes = []
    for _ in range(rng.randint(3, 6)):
        w, h = rng.randint(size // 6, size // 3), rng.randint(size // 6, size // 3)
        x, y = rng.randint(0, size - w - 1), rng.randint(0, size - h - 1)
        shapes.append((rng.choice(("ellipse", "box", "triangle")), (x, y, x + w, y + h),
                       rng.choice(PALETTE)))
    return shapes


def _draw(seed: int, size: int, filled: bool) -> Image.Image:
    img = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    width = max(1, size // 32)
    for kind, (x0, y0, x1, y1), colour in _shapes(seed, size):
        style = {"fill": colour} if filled else {"outline": colour, "width": width}
        if kind == "ellipse":
            draw.ellipse((x0, y0, x1, y1), **style)
        elif kind == "box":
            draw.rectangle((x0, y0, x1, y1), **style)
        else:
            points = [(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)]
            if filled:
                draw.polygon(points, fill=colour)
            else:
                draw.line([*points, points[0]], fill=colour, width=width, joint="curve")
    return img


def draw_a(seed: int, size: int) -> Image.Image:
    """Outlines: one domain-A image, fully determined by (seed, size)."""
    return _draw(seed, size, filled=False)


def draw_b(seed: int, size: int) -> Image.Image:
    """The ground truth for ``draw_a(seed, size)``: the same shapes, filled."""
    return _draw(seed, size, filled=True)


def toy_paired_root(size: int) -> Path:
    from i2i.weights import home_dir

    return home_dir() / "builtin" / "toy_paired" / f"v{_VERSION}-{size}"


def materialise(size: int) -> Path:
    """Write the paired toy dataset at ``size`` px (once) and return its folder."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DataError(f"builtin:toy_paired supports sizes {MIN_SIZE}-{MAX_SIZE}, got {size}")
    images = {
        f"{split}{domain}": [(seed, lambda seed=seed, draw=draw: draw(seed, size))
                             for seed in range(offset, offset + count)]
        for split, count, offset in (("train", N_TRAIN, 0), ("test", N_TEST, 100_000))
        for domain, draw in (("A", draw_a), ("B", draw_b))
    }
    return write_once(toy_paired_root(size), images)
