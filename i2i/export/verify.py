"""The check after every export: the written file, run by its own runtime, against PyTorch.

The reference is what ``i2i translate`` computes (``method.translate``), not the exported
module, so a method's ``export_net`` that drifts from its ``translate`` is caught too. Test
images are deterministic uniform noise in [-1, 1] (seeded; a seed other than the export's
example, so a trace that froze its example's values fails). ``--dynamic`` adds a second
shape: batch 2, both sides other than the export size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

#: the largest max |exported - PyTorch| accepted, in output units ([-1, 1] images, fp32):
#: a thousandth of one 8-bit grey level is ~0.004; fp32 runtimes reorder sums, ~1e-6 here
TOLERANCE = 1e-4
EXAMPLE_SEED, CHECK_SEED = 0, 1


def noise_image(shape: tuple[int, int, int, int], seed: int) -> torch.Tensor:
    """Uniform noise in [-1, 1] of ``shape`` (N, C, H, W), the same for a seed everywhere."""
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=gen) * 2 - 1


def check_shapes(channels: int, size: int, multiple: int,
                 dynamic: bool) -> list[tuple[int, int, int, int]]:
    """The shapes verified: the export size; with ``dynamic`` also a second batch and size."""
    shapes = [(1, channels, size, size)]
    if dynamic:
        shapes.append((2, channels, size + multiple, size + 2 * multiple))
    return shapes


def max_differences(run: Callable[[Path, torch.Tensor], torch.Tensor], path: Path,
                    reference: Callable[[torch.Tensor], torch.Tensor],
                    shapes: list[tuple[int, int, int, int]]) -> dict[str, float]:
    """{"NxCxHxW": max |run(path, x) - reference(x)|} for a test image of each shape."""
    found = {}
    for shape in shapes:
        x = noise_image(shape, CHECK_SEED)
        with torch.no_grad():
            expected = reference(x).float()
        got = run(path, x).float()
        name = "x".join(map(str, shape))
        if got.shape != expected.shape:
            found[name] = float("inf")
            continue
        found[name] = float((got - expected).abs().max())
    return found
