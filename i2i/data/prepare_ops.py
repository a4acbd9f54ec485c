"""Per-image work of ``i2i prepare``, run in worker processes (pure, picklable functions).

A task is one output unit: one image (``single``), an A/B pair made side by side
(``pair``) or one side-by-side image cut back into A and B (``split``). The worker returns
``(arrays, None)`` or ``(None, reason)``; a bad image is a reason, never an exception, so
one unreadable file among thousands does not stop the batch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from i2i.errors import DataError, OutputError
from i2i.images import encode_image, load_rgb, write_bytes_atomic
from i2i.outputs import disk_full, is_disk_full

RESIZE_MODES = ("shorter", "exact", "none")
CROP_MODES = ("center", "random", "none")
GRAY_TOLERANCE = 3  # max channel difference (0-255) still called grey: JPEG noise


@dataclass(frozen=True)
class ImageOps:
    """What to do to each image (the part of the options the workers need)."""

    size: int | None = 256
    resize: str = "shorter"
    crop: str = "center"
    min_side: int = 32
    drop_grayscale: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Task:
    kind: str  # "single", "pair" or "split"
    sources: tuple[str, ...]
    outputs: tuple[str, ...]  # destination file paths (images) or names (npz)
    write: bool  # write image files (True) or return arrays (npz)


def transform(img: Image.Image, ops: ImageOps, rng: random.Random) -> Image.Image:
    """Resize (antialiased Lanczos) then crop, as ``ops`` says."""
    if ops.size:
        w, h = img.size
        if ops.resize == "shorter" and min(w, h) != ops.size:
            scale = ops.size / min(w, h)
            new = (max(ops.size, round(w * scale)), max(ops.size, round(h * scale)))
            img = img.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
        elif ops.resize == "exact" and (w, h) != (ops.size, ops.size):
            img = img.resize((ops.size, ops.size), Image.Resampling.LANCZOS, reducing_gap=3.0)
        if ops.crop != "none":
            w, h = img.size
            side = min(ops.size, w, h)
            if ops.crop == "random":
                left, top = rng.randint(0, w - side), rng.randint(0, h - side)
            else:
                left, top = (w - side) // 2, (h - side) // 2
            if (left, top, side, side) != (0, 0, w, h):
                img = img.crop((left, top, left + side, top + side))
    return img


def is_grayscale(img: Image.Image) -> bool:
    small = np.asarray(img.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR),
                       dtype=np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    return int(spread.max()) <= GRAY_TOLERANCE


def _load_checked(path: str, ops: ImageOps, check_gray: bool) -> Image.Image:
    """The image as RGB, or DataError with the reason to drop it."""
    img = load_rgb(Path(path))
    if min(img.size) < ops.min_side:
        raise DataError(f"too small ({img.size[0]}x{img.size[1]} < {ops.min_side} px)")
    if check_gray and ops.drop_grayscale and is_grayscale(img):
        raise DataError("grayscale")
    return img


def run_task(task: Task, ops: ImageOps) -> tuple[list[np.ndarray] | None, str | None]:
    """Do one task; returns (arrays for npz or [], None) or (None, reason to drop)."""
    rng = random.Random(f"{ops.seed}:{task.sources[0]}")
    try:
        if task.kind == "single":
            images = [transform(_load_checked(task.sources[0], ops, True), ops, rng)]
        elif task.kind == "pair":
            a = _load_checked(task.sources[0], ops, True)
            b = _load_checked(task.sources[1], ops, False)
            state = rng.getstate()
            a = transform(a, ops, rng)
            rng.setstate(state)  # B gets the very same crop as A
            b = transform(b, ops, rng)
            if a.size != b.size:
                b = b.resize(a.size, Image.Resampling.LANCZOS)
            joined = Image.new("RGB", (a.width * 2, a.height))
            joined.paste(a, (0, 0))
            joined.paste(b, (a.width, 0))
            images = [joined]
        elif task.kind == "split":
            whole = _load_checked(task.sources[0], ops, False)
            half = whole.width // 2
            if half < 1:
                raise DataError("too narrow to split into A|B")
            images = [whole.crop((0, 0, half, whole.height)),
                      whole.crop((half, 0, 2 * half, whole.height))]
            if ops.size:
                images = [transform(im, ops, rng) for im in images]
        else:
            raise ValueError(f"unknown task kind {task.kind!r}")
    except DataError as err:
        return None, _reason(err)
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        return None, f"unreadable ({type(err).__name__}: {str(err)[:120]})"
    if not task.write:
        return [np.asarray(im, dtype=np.uint8) for im in images], None
    for im, dest in zip(images, task.outputs, strict=True):
        if Path(dest).resolve() in {Path(s).resolve() for s in task.sources}:
            raise DataError(f"refusing to overwrite input file {dest}; choose another --out")
        data = encode_image(im, Path(dest))
        try:
            write_bytes_atomic(data, Path(dest))
        except OSError as err:  # disk full, read-only folder: stop the batch, not skip
            if is_disk_full(err):
                raise disk_full(Path(dest), len(data), " (this image alone; finished files "
                                "are kept and the rerun continues)") from None
            raise OutputError(f"cannot write {dest}: {err.strerror or err}; fix the folder's "
                              "permissions and rerun (finished files are kept)") from None
    return [], None


def _reason(err: DataError) -> str:
    text = str(err)
    prefix = "cannot read image "
    if text.startswith(prefix):  # load_rgb names the file; the report already does
        return "unreadable: " + text.split(": ", 1)[-1]
    return text
