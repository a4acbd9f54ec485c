"""Images per second of ``i2i prepare`` on synthetic photos (never part of the tests).

Makes N JPEGs of about 256-384 px with PIL in a temp folder (smooth gradients plus shapes
plus a little noise, so they compress and decode like photos), then times
``prepare_unaligned`` to 256 px for png, jpg and npz output with 1 and 2 worker processes.

    PYTHONPATH=. python benchmarks/prepare.py            # 1000 images
    PYTHONPATH=. python benchmarks/prepare.py --n 200
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from i2i.data.prepare import PrepareOptions, prepare_unaligned


def make_photos(folder: Path, n: int, seed: int = 0) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        w, h = int(rng.integers(256, 385)), int(rng.integers(256, 385))
        y, x = np.mgrid[0:h, 0:w]
        base = rng.uniform(0, 255, 3)
        arr = (base + 0.3 * x[..., None] + 0.2 * y[..., None]) % 255
        arr += rng.normal(0, 6, arr.shape)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(img)
        for _ in range(4):
            x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
            draw.ellipse((x0, y0, x0 + 40, y0 + 40), fill=tuple(rng.integers(0, 255, 3)))
        img.save(folder / f"photo_{i:05d}.jpg", quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photos"
        t0 = time.perf_counter()
        make_photos(src, args.n)
        print(f"made {args.n} synthetic JPEGs in {time.perf_counter() - t0:.1f} s")
        for fmt in ("png", "jpg", "npz"):
            for workers in (1, 2):
                out = Path(tmp) / f"out_{fmt}_{workers}"
                opts = PrepareOptions(size=args.size, format=fmt, workers=workers)
                t0 = time.perf_counter()
                report = prepare_unaligned([src], out, opts, progress=False)
                dt = time.perf_counter() - t0
                n = sum(report.counts.values())
                t1 = time.perf_counter()
                again = prepare_unaligned([src], out, opts, progress=False)
                rerun = time.perf_counter() - t1
                print(f"format={fmt:3s} workers={workers}: {n} images in {dt:6.2f} s = "
                      f"{n / dt:6.1f} images/s (rerun, all skipped: {rerun:.2f} s, "
                      f"{again.already_done} skipped)")


if __name__ == "__main__":
    main()
