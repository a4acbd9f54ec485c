"""Errors against builtin:toy's known A->B map, for the tests that a method learns."""

from __future__ import annotations

import torch

from i2i.data import toy
from i2i.images import list_images, load_rgb, pil_to_tensor


def toy_errors(trained, untrained, size: int = 32) -> tuple[float, float, float]:
    """Mean absolute error on testA of (the identity map, ``untrained``, ``trained``)."""
    test_a = torch.stack([pil_to_tensor(load_rgb(p))
                          for p in list_images(toy.materialise(size) / "testA")])
    truth = test_a[:, [2, 0, 1]]  # toy.a_to_b on channels-first tensors
    trained.inference_mode()
    untrained.inference_mode()
    with torch.no_grad():
        return ((test_a - truth).abs().mean().item(),
                (untrained.translate(test_a) - truth).abs().mean().item(),
                (trained.translate(test_a) - truth).abs().mean().item())
