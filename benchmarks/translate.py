"""Images per second for ``i2i translate`` on a folder of 256 px images, batch 1 vs 8.

    python benchmarks/translate.py                 # CPU, default CycleGAN (9 blocks, ngf 64)
    python benchmarks/translate.py --device cuda --n 256

The network is an untrained CycleGAN generator of the default size (speed does not depend
on the weights). Images are written to a temp folder; the timing covers reading, the
forward passes and writing PNGs, as the command does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from i2i.config import build_config
from i2i.inference.files import collect_jobs, translate_files
from i2i.methods.cyclegan import CycleGAN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batches", default="1,8")
    args = parser.parse_args()
    device = torch.device(args.device)
    cfg = build_config([CycleGAN.default_config()])
    method = CycleGAN(cfg, device, training=False)
    method.inference_mode()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for i in range(args.n):
            pixels = rng.integers(0, 255, (args.size, args.size, 3), np.uint8)
            Image.fromarray(pixels).save(src / f"{i:04d}.png")
        translate_files(method, collect_jobs([str(src)], Path(tmp) / "warm", None)[:2], "AtoB")
        for batch in (int(b) for b in args.batches.split(",")):
            jobs = collect_jobs([str(src)], Path(tmp) / f"out{batch}", None)
            start = time.perf_counter()
            result = translate_files(method, jobs, "AtoB", batch_size=batch)
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            print(f"batch {batch}: {len(result.written) / seconds:.2f} images/s "
                  f"({len(result.written)} images of {args.size} px in {seconds:.1f} s, {device})")


if __name__ == "__main__":
    main()
