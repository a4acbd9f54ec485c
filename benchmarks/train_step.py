"""Seconds per CycleGAN training iteration and peak memory.

    python benchmarks/train_step.py                      # CPU: 256 px/9 blocks, 128 px/6 blocks
    python benchmarks/train_step.py --device cuda        # adds AMP (bf16) and channels_last rows
    python benchmarks/train_step.py --iters 10 --only 128

Each row times ``CycleGAN.training_step`` (generator and discriminator updates, the image
pool, everything the loop calls per iteration) on a fixed batch, after warm-up iterations,
and reports the median. Rows alternate when --rounds > 1, since a shared machine is noisy.
Peak memory: CUDA max allocated, or the process's peak RSS on CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import resource
import statistics
import time

import torch

from i2i.config import build_config
from i2i.methods.cyclegan import CycleGAN

CASES = {"256": (256, 9), "128": (128, 6)}


def make_method(size: int, blocks: int, device: torch.device, precision: str,
                channels_last: bool) -> CycleGAN:
    cfg = build_config([CycleGAN.default_config(), {
        "data": {"crop_size": size, "load_size": size},
        "generator": {"params": {"n_blocks": blocks}},
        "train": {"channels_last": channels_last, "precision": precision},
    }])
    method = CycleGAN(cfg, device)
    if precision != "fp32":
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        method.autocast = functools.partial(torch.autocast, device_type="cuda", dtype=dtype)
    else:
        method.autocast = contextlib.nullcontext
    return method


def time_case(size, blocks, device, precision, channels_last, iters, warmup, batch):
    torch.manual_seed(0)
    method = make_method(size, blocks, device, precision, channels_last)
    data = {"A": torch.rand(batch, 3, size, size) * 2 - 1,
            "B": torch.rand(batch, 3, size, size) * 2 - 1}
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(warmup + iters):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        method.training_step(data)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return times, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--only", choices=list(CASES), default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    variants = [("fp32", False)]
    if device.type == "cuda":
        variants += [("fp32", True), ("bf16", False), ("bf16", True)]
    cases = [args.only] if args.only else list(CASES)
    results: dict = {}
    for _ in range(args.rounds):
        for key in cases:
            size, blocks = CASES[key]
            for precision, cl in variants:
                times, peak = time_case(size, blocks, device, precision, cl, args.iters,
                                        args.warmup, args.batch)
                row = results.setdefault((size, blocks, precision, cl), {"times": [], "peak": 0})
                row["times"] += times
                row["peak"] = max(row["peak"], peak)
    rows = []
    for (size, blocks, precision, cl), r in results.items():
        rows.append({"size": size, "blocks": blocks, "batch": args.batch, "device": str(device),
                     "precision": precision, "channels_last": cl,
                     "median_s_per_iter": round(statistics.median(r["times"]), 4),
                     "min_s_per_iter": round(min(r["times"]), 4),
                     "peak_mem_mib": round(r["peak"], 1)})
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'size':>5} {'blocks':>6} {'prec':>5} {'ch_last':>7} {'median s/it':>11} "
          f"{'min s/it':>9} {'peak MiB':>9}")
    for r in rows:
        print(f"{r['size']:>5} {r['blocks']:>6} {r['precision']:>5} {str(r['channels_last']):>7} "
              f"{r['median_s_per_iter']:>11} {r['min_s_per_iter']:>9} {r['peak_mem_mib']:>9}")


if __name__ == "__main__":
    main()
