"""Optimisation steps per second of `i2i stylize` (Gatys, L-BFGS) at 256 and 512 px.

Usage:  PYTHONPATH=. python benchmarks/stylize.py [--sizes 256,512] [--steps 5]
            [--network vgg19] [--optimizer lbfgs] [--devices cpu,cuda]

One step is one forward and backward pass of VGG over the image plus the optimiser's
update. Speed does not depend on the weights' values, so the network is randomly
initialised (no download needed). The first steps (warm-up) are not timed. Prints a
Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from i2i.nets.vgg import VGGFeatures
from i2i.stylize.settings import StylizeSettings
from i2i.stylize.transfer import stylize_tensor


def steps_per_second(size: int, steps: int, settings: StylizeSettings, device: str) -> float:
    model = VGGFeatures(settings.network, settings.pooling, last_layer="conv5_1").to(device)
    gen = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, size * 3 // 4, size, generator=gen).to(device)
    style = torch.rand(1, 3, size, size, generator=gen).to(device)
    run = settings.with_(size=size, scales=1)
    stylize_tensor(model, content, [style], run.with_(steps=2))  # warm-up (kernels, caches)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    stylize_tensor(model, content, [style], run.with_(steps=steps))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--steps", type=int, default=0, help="timed steps (0: 5 CPU, 50 GPU)")
    parser.add_argument("--network", default="vgg19", choices=("vgg16", "vgg19"))
    parser.add_argument("--optimizer", default="lbfgs", choices=("lbfgs", "adam"))
    parser.add_argument("--devices", default="cpu,cuda")
    args = parser.parse_args()
    settings = StylizeSettings(network=args.network, optimizer=args.optimizer)
    devices = [d for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    cpu = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}; {args.network}, {args.optimizer}; CPU: {cpu}")
    if torch.cuda.is_available():
        print(f"GPU: {torch.cuda.get_device_name()}")
    print("\n| device | size (long side, 4:3) | steps/s | s/step |\n| --- | --- | --- | --- |")
    for device in devices:
        for size in (int(s) for s in args.sizes.split(",")):
            steps = args.steps or (50 if device.startswith("cuda") else 5)
            rate = steps_per_second(size, steps, settings, device)
            print(f"| {device} | {size} | {rate:.2f} | {1 / rate:.2f} |", flush=True)


if __name__ == "__main__":
    main()
