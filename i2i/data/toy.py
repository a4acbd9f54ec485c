"""``builtin:toy``: two synthetic image domains made offline, deterministically.

Domain A: coloured ellipses, boxes and triangles on a soft gradient. Domain B is a known
function of A, ``a_to_b`` (a fixed colour-channel rotation, R,G,B -> B,R,G), applied to
*other* A images, so training data is unpaired; but for any test image of A the true
translation is known exactly, and a learned A->B map can be scored against it. The map is
per pixel, so it commutes with the resize/crop/flip preprocessing.

The images are written once per size to ``$I2I_HOME/builtin/toy/<size>/`` in the standard
trainA/trainB/testA/testB layout and read like any dataset folder.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from i2i.errors import DataError
from i2i.outputs import staging_dir

N_TRAIN = 200
N_TEST = 20
MIN_SIZE, MAX_SIZE = 32, 256
_VERSION = 1  # bump when the drawing changes, so old caches are rebuilt


def a_to_b(arr: np.ndarray) -> np.ndarray:
    """The ground-truth A->B map on an (H, W, 3) array (uint8 or float): R,G,B -> B,R,G."""
    return arr[..., [2, 0, 1]]


def draw_a(seed: int, size: int) -> Image.Image:
    """One domain-A image, fully determined by (seed, size)."""
    rng = random.Random(seed)
    top = np.array([rng.randint(150, 255), rng.randint(170, 255), rng.randint(60, 140)])
    bottom = np.array([rng.randint(90, 200), rng.randint(120, 230), rng.randint(20, 90)])
    t = np.linspace(0.0, 1.0, size)[:, None, None]
    canvas = (top * (1 - t) + bottom * t) * np.ones((1, size, 1))
    img = Image.fromarray(canvas.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 4)):
        colour = (rng.randint(0, 120), rng.randint(0, 90), rng.randint(120, 255))
        w = rng.randint(size // 6, size // 2)
        h = rng.randint(size // 6, size // 2)
        x, y = rng.randint(0, size - w), rng.randint(0, size - h)
        kind = rng.choice(("ellipse", "box", "triangle"))
        if kind == "ellipse":
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        elif kind == "box":
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.polygon([(x, y + h), (x + w // 2, y), (x + w, y + h)], fill=colour)
    return img


def draw_b(seed: int, size: int) -> Image.Image:
    return Image.fromarray(a_to_b(np.asarray(draw_a(seed, size))), "RGB")


def _seeds(split: str, domain: str, count: int) -> list[int]:
    # Disjoint seed ranges per split and domain: B is never the translation of a train A.
    offset = {"trainA": 0, "trainB": 100_000, "testA": 200_000, "testB": 300_000}[split + domain]
    return [offset + i for i in range(count)]


def toy_root(size: int) -> Path:
    from i2i.weights import home_dir

    return home_dir() / "builtin" / "toy" / f"v{_VERSION}-{size}"


def materialise(size: int) -> Path:
    """Write the toy dataset at ``size`` px (once) and return its folder."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DataError(f"builtin:toy supports sizes {MIN_SIZE}-{MAX_SIZE}, got {size}")
    images = {
        f"{split}{domain}": [(seed, lambda seed=seed, draw=draw: draw(seed, size))
                             for seed in _seeds(split, domain, count)]
        for split, count in (("train", N_TRAIN), ("test", N_TEST))
        for domain, draw in (("A", draw_a), ("B", draw_b))
    }
    return write_once(toy_root(size), images)


def write_once(root: Path, images: dict) -> Path:
    """Write ``{subfolder: [(seed, make_image), ...]}`` as PNGs under ``root``, once.

    Everything goes to a temp folder renamed into place at the end, so an interrupted write
    never leaves a folder that looks complete; a ``COMPLETE`` marker says it is done.
    """
    if (root / "COMPLETE").is_file():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir(root.parent, f".{root.parent.name}-")
    try:
        for sub, items in images.items():
            folder = tmp / sub
            folder.mkdir()
            for seed, make in items:
                make().save(folder / f"{seed:06d}.png")
        (tmp / "COMPLETE").write_text("ok\n")
        try:
            tmp.rename(root)
        except OSError:  # another process finished first; theirs is identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
