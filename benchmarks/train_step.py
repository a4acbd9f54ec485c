"""Seconds per CycleGAN training iteration and peak memory.

    python benchmarks/train_step.py                      # CPU fp32 and bf16: 256/9, 128/6
    python benchmarks/train_step.py --device cuda        # adds channels_last rows
    python benchmarks/train_step.py --compare-reference  # alternate with the reference step
    python benchmarks/train_step.py --compare-reference --variants fp32,fp32+compile,bf16
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
        method.autocast = functools.partial(torch.autocast, device_type=device.type, dtype=dtype)
    else:
        method.autocast = contextlib.nullcontext
    return method


class ReferenceStep:
    """The reference implementation's CycleGAN iteration, transcribed op for op in plain
    PyTorch (forward all four images, G step with frozen D, D step with pooled fakes, plain
    Adam), on i2i's networks, which match the reference module for module. Timing both on
    the same machine in alternation gives a fair comparison on a noisy machine."""

    def __init__(self, method: CycleGAN):
        self.g_a, self.g_b = method.nets["G_A"], method.nets["G_B"]
        self.d_a, self.d_b = method.nets["D_A"], method.nets["D_B"]
        self.opt_g = torch.optim.Adam(list(self.g_a.parameters()) + list(self.g_b.parameters()),
                                      lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(list(self.d_a.parameters()) + list(self.d_b.parameters()),
                                      lr=2e-4, betas=(0.5, 0.999))
        self.pool_a, self.pool_b = method.pool_a, method.pool_b

    @staticmethod
    def mse_to(pred, value):
        return torch.nn.functional.mse_loss(pred, torch.tensor(value).expand_as(pred))

    def __call__(self, batch):
        l1 = torch.nn.functional.l1_loss
        real_a, real_b = batch["A"], batch["B"]
        fake_b = self.g_a(real_a)
        rec_a = self.g_b(fake_b)
        fake_a = self.g_b(real_b)
        rec_b = self.g_a(fake_a)
        for p in list(self.d_a.parameters()) + list(self.d_b.parameters()):
            p.requires_grad_(False)
        self.opt_g.zero_grad()
        loss = (l1(self.g_a(real_b), real_b) * 5 + l1(self.g_b(real_a), real_a) * 5
                + self.mse_to(self.d_a(fake_b), 1.0) + self.mse_to(self.d_b(fake_a), 1.0)
                + l1(rec_a, real_a) * 10 + l1(rec_b, real_b) * 10)
        loss.backward()
        self.opt_g.step()
        for p in list(self.d_a.parameters()) + list(self.d_b.parameters()):
            p.requires_grad_(True)
        self.opt_d.zero_grad()
        for d, real, fake in ((self.d_a, real_b, self.pool_b.query(fake_b)),
                              (self.d_b, real_a, self.pool_a.query(fake_a))):
            loss_d = (self.mse_to(d(real), 1.0) + self.mse_to(d(fake.detach()), 0.0)) * 0.5
            loss_d.backward()
        self.opt_d.step()


VARIANTS = ("fp32", "fp32+compile", "bf16", "bf16+compile")


def compare_with_reference(size, blocks, iters, warmup, variants=("fp32",)):
    """Alternate i2i's step in each variant ("fp32", "bf16", "+compile": the nets
    compiled in place as ``train.compile`` does) with the reference step (plain fp32 eager,
    as upstream), iteration by iteration; returns each one's median s/iter."""
    steps = {}
    for variant in variants:
        torch.manual_seed(0)
        precision = variant.split("+")[0]
        method = make_method(size, blocks, torch.device("cpu"), precision, False)
        if variant.endswith("+compile"):
            for net in method.nets.values():
                net.compile()
        steps[f"i2i {variant}"] = method.training_step
    torch.manual_seed(0)
    steps["reference"] = ReferenceStep(make_method(size, blocks, torch.device("cpu"), "fp32",
                                                   False))
    data = {"A": torch.rand(1, 3, size, size) * 2 - 1, "B": torch.rand(1, 3, size, size) * 2 - 1}
    times = {name: [] for name in steps}
    first = {}
    for i in range(warmup + iters):
        for name, step in steps.items():
            start = time.perf_counter()
            step(data)
            elapsed = time.perf_counter() - start
            first.setdefault(name, elapsed)  # includes compiling, for the compiled ones
            if i >= warmup:
                times[name].append(elapsed)
    return {k: statistics.median(v) for k, v in times.items()}, first


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
    parser.add_argument("--compare-reference", action="store_true",
                        help="alternate with the reference step (CPU) and print the medians")
    parser.add_argument("--variants", default="fp32",
                        help=f"with --compare-reference: comma list of {', '.join(VARIANTS)}")
    args = parser.parse_args()
    if args.compare_reference:
        variants = args.variants.split(",")
        for key in [args.only] if args.only else list(CASES):
            size, blocks = CASES[key]
            medians, first = compare_with_reference(size, blocks, args.iters, args.warmup,
                                                    variants)
            ref = medians["reference"]
            print(f"{size} px, {blocks} blocks, batch 1, cpu, reference step {ref:.3f} s/it")
            for name, median in medians.items():
                print(f"  {name:>18}: {median:.3f} s/it, {ref / median:.2f}x the reference's "
                      f"speed (first iteration {first[name]:.1f} s)")
        return
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    variants = [("fp32", False), ("bf16", False)]
    if device.type == "cuda":
        variants += [("fp32", True), ("bf16", True)]
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
