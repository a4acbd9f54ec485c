"""Optimising pixels: L-BFGS (default) or Adam, one scale or coarse-to-fine.

The loop knows nothing about style: it minimises an *objective* (image -> dict of named
scalar losses with a ``"total"``) and reports each step to a callback. Coarse-to-fine runs
the same loop at growing sizes, starting each level from the upsampled previous result,
which lets large outputs get their large structures right at a fraction of the cost.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from i2i.errors import ConfigError

Objective = Callable[[torch.Tensor], dict[str, torch.Tensor]]


@dataclass
class StepReport:
    """What one optimisation step did (for progress bars and intermediate saves)."""

    step: int  # 1-based, counted over all scales
    total_steps: int
    scale: int  # 1-based
    n_scales: int
    losses: dict[str, float]


StepCallback = Callable[[StepReport, torch.Tensor], None]


def scale_sizes(final_hw: tuple[int, int], scales: int, min_side: int) -> list[tuple[int, int]]:
    """Sizes of the coarse-to-fine levels, coarsest first, each half the next.

    ``scales == 0`` picks one level per halving needed to bring the long side to 512 px.
    Levels whose short side would fall below ``min_side`` are dropped.
    """
    h, w = final_hw
    if scales == 0:
        scales = 1 + max(0, math.ceil(math.log2(max(h, w) / 512)))
    sizes = []
    for level in range(scales - 1, -1, -1):
        factor = 2**level
        size = (max(1, round(h / factor)), max(1, round(w / factor)))
        if level == 0 or min(size) >= min_side:
            sizes.append(size)
    return sizes


def optimize_pixels(
    image: torch.Tensor,
    objective: Objective,
    steps: int,
    optimizer: str = "lbfgs",
    lr: float = 0.02,
    on_step: StepCallback | None = None,
    step_offset: int = 0,
    total_steps: int | None = None,
    scale: tuple[int, int] = (1, 1),
) -> tuple[torch.Tensor, dict[str, float]]:
    """Minimise ``objective`` over the pixels of ``image`` (1, 3, H, W in [0, 1]).

    Returns the optimised image (clamped to [0, 1]) and the losses of the last step.
    """
    # Contiguous: L-BFGS flattens the gradient with .view(-1), which fails on the strided
    # tensor an image decoded to HWC and permuted is (no resize makes a copy at --size).
    x = image.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
    last: dict[str, float] = {}

    def evaluate() -> torch.Tensor:
        nonlocal last
        losses = objective(x)
        losses["total"].backward()
        last = {name: float(value.detach()) for name, value in losses.items()}
        return losses["total"]

    if optimizer == "lbfgs":
        # One L-BFGS iteration per step (max_iter=1): the curvature history lives in the
        # optimiser's state, so repeated steps continue one run and give one evaluation
        # per step, which makes --steps and the progress bar mean the same for both.
        opt: torch.optim.Optimizer = torch.optim.LBFGS([x], lr=1.0, max_iter=1, history_size=50)
    elif optimizer == "adam":
        opt = torch.optim.Adam([x], lr=lr)
    else:
        raise ConfigError(f"unknown optimizer '{optimizer}'; choose one of: lbfgs, adam")

    total_steps = total_steps or steps
    for i in range(1, steps + 1):
        def closure() -> torch.Tensor:
            opt.zero_grad(set_to_none=True)
            return evaluate()

        opt.step(closure)
        if optimizer == "adam":
            with torch.no_grad():
                x.clamp_(0.0, 1.0)  # Adam has no curvature history that clamping would upset
        if not math.isfinite(last.get("total", 0.0)):
            raise ConfigError(
                "the loss became infinite or NaN; lower --style-weight or --lr, "
                "or try --optimizer adam"
            )
        if on_step is not None:
            report = StepReport(step_offset + i, total_steps, scale[0], scale[1], dict(last))
            on_step(report, x.detach())
    return x.detach().clamp(0.0, 1.0), last


def resize(image: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    """Resize an (N, C, H, W) image; antialiased when shrinking."""
    if tuple(image.shape[-2:]) == tuple(hw):
        return image
    return F.interpolate(image, size=hw, mode="bilinear", align_corners=False, antialias=True)


def coarse_to_fine(
    sizes: list[tuple[int, int]],
    make_objective: Callable[[tuple[int, int]], Objective],
    first_image: Callable[[tuple[int, int]], torch.Tensor],
    steps: int,
    optimizer: str = "lbfgs",
    lr: float = 0.02,
    on_step: StepCallback | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Run :func:`optimize_pixels` at each size, each level starting from the last result."""
    image = None
    last: dict[str, float] = {}
    for index, hw in enumerate(sizes):
        start = first_image(hw) if image is None else resize(image, hw).clamp(0, 1)
        image, last = optimize_pixels(
            start, make_objective(hw), steps, optimizer, lr, on_step,
            step_offset=index * steps, total_steps=steps * len(sizes),
            scale=(index + 1, len(sizes)),
        )
    assert image is not None
    return image, last
