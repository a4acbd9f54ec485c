"""Tiled translation: peak memory against megapixels, and how far tiles differ from one pass.

Part 1 (``--memory``): each case runs in a fresh process that translates one image of the
given size with a ResNet-9 generator (``--ngf``, default 64) and reports its peak resident
memory (ru_maxrss; on ``--device cuda`` torch's peak allocation) above what the process
held after loading the net, untiled and with
``--tile`` (statistics measured over the tiles, as ``translate --tile auto`` does for
images over 4 MP).

Part 2 (``--error``): one real photo (../shared/data/photos, resized to ``--error-size``)
through the generator untiled and in tiles, for several overlaps: mean and max absolute
difference in grey levels (0-255), over the whole image and within 4 px of tile seams;
with whole-image statistics and with each tile's own (what naive tiling does).

The generator is freshly initialised (the reference init, seed 0): no trained network is
available on the machine this was written on. Run from the project root:

    python benchmarks/translate_tiled.py --memory --error
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "photos"


def _generator(ngf: int):
    from i2i.nets.blocks import init_weights
    from i2i.nets.generators.resnet import resnet_9blocks

    torch.manual_seed(0)
    return init_weights(resnet_9blocks(3, 3, ngf=ngf)).eval()


def one_case(side: int, tile: int, ngf: int, device: str) -> dict:
    """Runs inside the child process: one square image of ``side`` px. On CUDA the peak
    is torch's allocated memory; on the CPU the process's resident memory."""
    from i2i.inference.tiling import Tiling, translate_tiled

    g = _generator(ngf).to(device)
    x = torch.rand(1, 3, side, side, device=device) * 2 - 1
    cuda = device.startswith("cuda")
    base = (torch.cuda.memory_allocated() if cuda
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    start = time.perf_counter()
    with torch.inference_mode():
        if tile:
            translate_tiled(g, [g], x, Tiling(tile, 64, stats_pixels=1, always=True), 4)
        else:
            g(x)
    if cuda:
        torch.cuda.synchronize()
    peak = (torch.cuda.max_memory_allocated() if cuda
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return {"device": device, "side": side, "megapixels": side * side / 1e6, "tile": tile,
            "peak_above_base_mib": (peak - base) / 2**20,
            "seconds": time.perf_counter() - start}


def memory(sides: list[int], tiled_sides: list[int], tile: int, ngf: int,
           device: str) -> list[dict]:
    rows = []
    for side, t in [(s, 0) for s in sides] + [(s, tile) for s in tiled_sides]:
        out = subprocess.run([sys.executable, __file__, "--child", str(side), str(t),
                              str(ngf), device], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            rows.append({"side": side, "tile": t, "failed": out.stderr.strip()[-200:]})
        else:
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    return rows


def _photo(size: int) -> torch.Tensor:
    import numpy as np
    from PIL import Image

    path = sorted(PHOTOS.glob("*.jpg"))[0]
    img = Image.open(path).convert("RGB").resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.array(img)).permute(2, 0, 1)[None].float() / 127.5 - 1


def error(size: int, tile: int, overlaps: list[int], ngf: int) -> list[dict]:
    from unittest import mock

    from i2i.inference.tiling import Tiling, tile_starts, translate_tiled

    g, x = _generator(ngf), _photo(size)
    seam = torch.zeros(size, size, dtype=torch.bool)
    rows = []
    with torch.inference_mode():
        full = g(x)
        for overlap in overlaps:
            starts = tile_starts(size, tile, overlap)
            seam[:] = False
            for s in starts[1:]:  # the middle of each overlap, where blending is even
                mid = s + overlap // 2
                seam[max(0, mid - 4):mid + 4, :] = True
                seam[:, max(0, mid - 4):mid + 4] = True
            for stats in ("whole image", "each tile's own"):
                tiling = Tiling(tile, overlap, always=True)
                if stats == "whole image":
                    y = translate_tiled(g, [g], x, tiling, 4)
                else:
                    with mock.patch("i2i.inference.norm_statistics.input_normalising_layers",
                                    lambda nets: []):
                        y = translate_tiled(g, [g], x, tiling, 4)
                diff = (y - full).abs().mul(127.5).mean(1)[0]
                rows.append({"overlap": overlap, "statistics": stats,
                             "mean": diff.mean().item(), "max": diff.max().item(),
                             "mean_at_seams": diff[seam].mean().item() if seam.any() else 0.0,
                             "mean_elsewhere": diff[~seam].mean().item()})
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(one_case(*map(int, sys.argv[2:5]), sys.argv[5])))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--memory", action="store_true")
    p.add_argument("--error", action="store_true")
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--device", default="cpu", help="for --memory: cpu or cuda")
    p.add_argument("--sides", type=int, nargs="*", default=[512, 1024, 1448])
    p.add_argument("--tiled-sides", type=int, nargs="*", default=[1024, 2048])
    p.add_argument("--tile", type=int, default=512)
    p.add_argument("--error-size", type=int, default=512)
    p.add_argument("--error-tile", type=int, default=256)
    p.add_argument("--overlaps", type=int, nargs="*", default=[0, 32, 64, 128])
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "ngf": args.ngf}
    if args.memory:
        result["memory"] = memory(args.sides, args.tiled_sides, args.tile, args.ngf,
                                  args.device)
    if args.error:
        result["error"] = error(args.error_size, args.error_tile, args.overlaps, args.ngf)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
