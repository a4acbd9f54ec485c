"""Time, arithmetic and peak memory per iteration of i2i's methods against CycleGAN, as ratios.

    python benchmarks/methods_vs_cyclegan.py                  # CPU, 256 px, batch 1, 9 blocks
    python benchmarks/methods_vs_cyclegan.py --methods cut,fastcut --size 128 --iters 5
    python benchmarks/methods_vs_cyclegan.py --device cuda

Each method is built from its own published defaults (``i2i/configs/<method>.yaml``) at
the same size, batch and generator depth; ``training_step`` is timed round-robin over the
methods (one iteration of each in turn, so they share the machine's load) after warm-up
iterations, and the median is reported. Peak memory: CUDA max allocated per method, or on
CPU how far the peak RSS of a fresh child process grows while it builds one method and
runs its steps (a process's peak RSS cannot be split between methods; the imports are
not counted). Arithmetic: the floating-point operations of one ``training_step``
(forward and backward) as ``torch.utils.flop_counter`` counts them, which does not depend
on the machine: on a CPU, where time follows arithmetic, it is the floor of the time ratio.
The CUT paper reports CUT at 0.6x and FastCUT at 0.38x CycleGAN's time per iteration (on a
GPU), and FastCUT at about half its memory. Methods that need the VGG16 weights
(``I2I_WEIGHTS_DIR``) are skipped without them, with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch

from i2i.config import build_config, parse_override
from i2i.plugins import lookup

METHODS = ("cut", "fastcut", "sc", "simgan", "featgan", "cogan", "bigan", "dtn")  # vs cyclegan


SETS: dict[str, list[str]] = {}  # method -> its --set overrides (``method:key=value``)


def build(method: str, size: int, device: torch.device):
    cls = lookup("methods", method)
    overrides = [parse_override(text) for text in SETS.get(method, [])]
    cfg = build_config([cls.default_config(), {"data": {"crop_size": size, "load_size": size},
                                               "train": {"device": str(device)}}, *overrides])
    return cls(cfg, device)


def batch(size: int, device: torch.device) -> dict:
    g = torch.Generator().manual_seed(0)
    return {k: (torch.rand(1, 3, size, size, generator=g) * 2 - 1).to(device) for k in "AB"}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def available(names, size: int, device: torch.device) -> dict:
    built = {}
    for m in ["cyclegan", *[n for n in names if n != "cyclegan"]]:
        try:
            built[m] = build(m, size, device)
        except Exception as err:  # sc without VGG16 weights: report and go on
            print(f"skipping {m}: {err}", file=sys.stderr)
    return built


def time_round_robin(methods: dict, data: dict, device, iters: int, warmup: int) -> dict:
    times = {m: [] for m in methods}
    for i in range(warmup + iters):
        for name, method in methods.items():
            sync(device)
            start = time.perf_counter()
            method.training_step(data)
            sync(device)
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {m: statistics.median(t) for m, t in times.items()}


def gflop_per_iter(method, data: dict) -> float:
    """Forward + backward floating-point operations of one step, in units of 1e9."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        method.training_step(data)
    return counter.get_total_flops() / 1e9


def peak_memory_mib(method: str, size: int, device: torch.device, steps: int) -> float:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        m = build(method, size, device)
        for _ in range(steps):
            m.training_step(batch(size, device))
        sync(device)
        peak = torch.cuda.max_memory_allocated() / 2**20
        del m
        return peak
    sets = [x for text in SETS.get(method, []) for x in ("--set", f"{method}:{text}")]
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", method,
                          "--size", str(size), "--iters", str(steps), *sets],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM, not getrusage: ru_maxrss survives exec on Linux, so a
    child would report its parent's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated methods to compare with cyclegan")
    parser.add_argument("--set", action="append", default=[], metavar="METHOD:KEY=VALUE",
                        help="a config override for one method, e.g. "
                             "cyclegan_nst:loss.terms.style.params.network=vgg16")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for item in args.set:
        method, _, override = item.partition(":")
        SETS.setdefault(method, []).append(override)
    device = torch.device(args.device)
    if args.child:  # a fresh process: build one method, step, print what its peak RSS grew
        before = _peak_rss_kib()  # torch and i2i loaded
        m = build(args.child, args.size, device)
        for _ in range(args.iters):
            m.training_step(batch(args.size, device))
        print((_peak_rss_kib() - before) / 1024)
        return
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    methods = available(args.methods.split(","), args.size, device)
    data = batch(args.size, device)
    medians = time_round_robin(methods, data, device, args.iters, args.warmup)
    flops = {m: gflop_per_iter(method, data) for m, method in methods.items()}
    memory = {m: peak_memory_mib(m, args.size, device, 2) for m in methods}
    base_t, base_f, base_m = medians["cyclegan"], flops["cyclegan"], memory["cyclegan"]
    rows = [{"method": m, "s_per_iter": round(medians[m], 4),
             "time_vs_cyclegan": round(medians[m] / base_t, 3),
             "gflop_per_iter": round(flops[m], 1), "flops_vs_cyclegan": round(flops[m] / base_f, 3),
             "peak_mib": round(memory[m], 1), "memory_vs_cyclegan": round(memory[m] / base_m, 3)}
            for m in methods]
    print(json.dumps({"device": str(device), "size": args.size, "batch": 1, "rows": rows},
                     indent=1))


if __name__ == "__main__":
    main()
