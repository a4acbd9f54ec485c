"""Speed of ``i2i evaluate``: FID feature extraction rate, and scoring many folders.

1. images/second of Inception feature extraction (decode + resize to 299 + forward) on
   256x256 JPEGs, per device (CPU, and CUDA when present), after one warm-up batch.
2. the time to score ``--folders`` fake folders with FID+KID against one real set: the
   first call extracts and caches the real set; then all folders are scored in one call
   (the real set comes from the cache) — the per-folder cost is what a run comparison pays.

Needs the real Inception weights (``--weights-dir``, default ../shared/weights).

    PYTHONPATH=. python benchmarks/evaluate.py
    PYTHONPATH=. python benchmarks/evaluate.py --n-images 200 --n-real 500 --n-fake 200
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def make_folder(folder: Path, n: int, seed: int, size: int = 256) -> list[Path]:
    """Smooth random images (like photos, unlike noise, they compress as JPEG)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)
        path = folder / f"{i:04d}.jpg"
        img.save(path, quality=90)
        paths.append(path)
    return paths


def extraction_rate(paths: list[Path], device: torch.device, weights: Path,
                    batch_size: int) -> float:
    from i2i.metrics.features import extract_features
    from i2i.metrics.networks import load_inception

    net, _ = load_inception(weights, device)
    extract_features(paths[:batch_size], net, device, batch_size)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    extract_features(paths, net, device, batch_size)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(paths) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", type=Path, default=REPO.parent / "shared" / "weights")
    parser.add_argument("--n-images", type=int, default=64, help="images for the rate test")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--n-real", type=int, default=100)
    parser.add_argument("--n-fake", type=int, default=20, help="images per fake folder")
    parser.add_argument("--device", default=None, help="only this device (cpu, cuda)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["I2I_HOME"] = str(tmp / "home")  # a cold, private feature cache
        from i2i.metrics.evaluate import evaluate_folders
        from i2i.metrics.job import EvalOptions

        print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
              f"CUDA: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}")
        devices = [args.device] if args.device else (
            ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
        rate_imgs = make_folder(tmp / "rate", args.n_images, seed=0)
        for dev in devices:
            rate = extraction_rate(rate_imgs, torch.device(dev), args.weights_dir,
                                   args.batch_size)
            print(f"feature extraction, 256px JPEG -> 299, {dev}: {rate:.1f} images/s "
                  f"(batch {args.batch_size}, {args.n_images} images)")

        real = tmp / "real"
        make_folder(real, args.n_real, seed=1)
        fakes = [tmp / f"fake{i}" for i in range(args.folders)]
        for i, folder in enumerate(fakes):
            make_folder(folder, args.n_fake, seed=100 + i)
        opts = EvalOptions(metrics=("fid", "kid"), weights_dir=args.weights_dir,
                           device=args.device or "auto", batch_size=args.batch_size,
                           kid_subsets=100)
        start = time.perf_counter()
        evaluate_folders(real, fakes[:1], opts)
        first = time.perf_counter() - start
        start = time.perf_counter()
        result = evaluate_folders(real, fakes, opts)
        many = time.perf_counter() - start
        print(f"first folder incl. extracting + caching {args.n_real} real images: {first:.1f} s")
        fids = ", ".join(f"{row['fid']:.1f}" for row in result.rows[:3])
        print(f"{args.folders} folders x {args.n_fake} images, real set cached: {many:.1f} s "
              f"({many / args.folders:.2f} s per folder); FIDs {fids}, ...")


if __name__ == "__main__":
    main()
