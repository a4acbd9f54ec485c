"""Seconds per pix2pix training iteration at 256 px (never part of the tests).

One iteration is what the training loop calls per batch: G forward, the D step (real and
fake pairs), the G step (GAN + lambda*L1), both Adam updates. The default pix2pix networks
(unet_256 with ngf 64 and batch norm, 70x70 PatchGAN with ndf 64) on random tensors, so data
loading is excluded. CPU with the given thread counts, and on CUDA (when present) fp32,
bf16 autocast, and each with channels_last.

    PYTHONPATH=. python benchmarks/pix2pix_step.py                   # batch 1 and 8
    PYTHONPATH=. python benchmarks/pix2pix_step.py --batch 1 --steps 10 --threads 1,2 --plain
    PYTHONPATH=. python benchmarks/pix2pix_step.py --device cuda
"""

from __future__ import annotations

import argparse
import time

import torch

from i2i.config import build_config
from i2i.methods.pix2pix import Pix2Pix


def make_method(device: torch.device, precision: str, channels_last: bool) -> Pix2Pix:
    cfg = build_config([Pix2Pix.default_config(), {
        "train": {"device": str(device), "precision": precision,
                  "channels_last": channels_last}}])
    method = Pix2Pix(cfg, device, training=True)
    if precision != "fp32":
        from i2i.training.loop import _precision

        method.autocast, method.scaler = _precision(cfg, device)
    method.train_mode()
    return method


def time_steps(steppers: list, batch_size: int, steps: int, warmup: int) -> list[float]:
    """Median seconds per iteration of each stepper over ``steps`` after ``warmup`` untimed
    ones. Steppers take turns step by step, so a machine load that comes and goes weighs
    on each of them alike."""
    device = steppers[0].device
    batch = {"A": torch.rand(batch_size, 3, 256, 256) * 2 - 1,
             "B": torch.rand(batch_size, 3, 256, 256) * 2 - 1}
    times: list[list[float]] = [[] for _ in steppers]
    for i in range(warmup + steps):
        for stepper, record in zip(steppers, times, strict=True):
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            stepper.training_step(batch)
            if stepper.scaler is not None:
                stepper.scaler.update()
            if device.type == "cuda":
                torch.cuda.synchronize()
            if i >= warmup:
                record.append(time.perf_counter() - start)
    return [sorted(t)[len(t) // 2] for t in times]


class PlainReferenceStep:
    """The reference code's ``optimize_parameters`` written out in plain PyTorch on the
    same networks (whose module trees match the reference's): the yardstick that i2i's
    method machinery must not be slower than, timed under the same machine load."""

    def __init__(self, method: Pix2Pix):
        self.g, self.d = method.nets["G"], method.nets["D"]
        self.device, self.scaler = method.device, None
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.bce, self.l1 = torch.nn.BCEWithLogitsLoss(), torch.nn.L1Loss()

    def training_step(self, batch: dict) -> None:
        real_a, real_b = batch["A"].to(self.device), batch["B"].to(self.device)
        fake_b = self.g(real_a)
        for p in self.d.parameters():
            p.requires_grad = True
        self.opt_d.zero_grad()
        pred_fake = self.d(torch.cat((real_a, fake_b), 1).detach())
        pred_real = self.d(torch.cat((real_a, real_b), 1))
        loss_d = 0.5 * (self.bce(pred_fake, torch.zeros_like(pred_fake))
                        + self.bce(pred_real, torch.ones_like(pred_real)))
        loss_d.backward()
        self.opt_d.step()
        for p in self.d.parameters():
            p.requires_grad = False
        self.opt_g.zero_grad()
        pred_fake = self.d(torch.cat((real_a, fake_b), 1))
        loss_g = self.bce(pred_fake, torch.ones_like(pred_fake)) + 100 * self.l1(fake_b, real_b)
        loss_g.backward()
        self.opt_g.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default="1,8", help="comma-separated batch sizes")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", default="", help="CPU thread counts, e.g. 1,2")
    parser.add_argument("--plain", action="store_true",
                        help="also time the reference's step in plain PyTorch (CPU fp32)")
    parser.add_argument("--device", default="auto", help="auto (cpu, and cuda if present), "
                        "cpu or cuda")
    args = parser.parse_args()
    batches = [int(b) for b in args.batch.split(",")]
    devices = ["cpu"] if args.device in ("auto", "cpu") else []
    if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()):
        devices.append("cuda")
    print("| step | device | threads | precision | channels_last | batch | s/iter | images/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in devices:
        device = torch.device(name)
        if name == "cpu":
            threads = [int(t) for t in args.threads.split(",")] if args.threads \
                else [torch.get_num_threads()]
            variants = [(t, "fp32", False) for t in threads]
        else:
            torch.backends.cudnn.benchmark = True
            variants = [("-", p, cl) for p in ("fp32", "bf16") for cl in (False, True)]
        for threads, precision, channels_last in variants:
            if name == "cpu":
                torch.set_num_threads(threads)
            for batch_size in batches:
                torch.manual_seed(0)
                method = make_method(device, precision, channels_last)
                runs = [("i2i", method)]
                if args.plain and precision == "fp32" and not channels_last:
                    runs.append(("plain", PlainReferenceStep(method)))
                seconds = time_steps([r[1] for r in runs], batch_size, args.steps, args.warmup)
                for (label, _), sec in zip(runs, seconds, strict=True):
                    print(f"| {label} | {name} | {threads} | {precision} | {channels_last} "
                          f"| {batch_size} | {sec:.3f} | {batch_size / sec:.2f} |", flush=True)


if __name__ == "__main__":
    main()
