"""Shared by the tests that set i2i's training steps beside transcriptions of the authors'
code (``test_reference_trajectories.py``, ``test_paper_losses.py``)."""

from __future__ import annotations

import torch
from torch import nn


def record_totals(method) -> list[tuple[str, float]]:
    """Have ``method`` note the loss each of its optimiser steps minimises."""
    seen: list[tuple[str, float]] = []
    inner = method.backward_and_step

    def noting(loss, *keys):
        seen.append((keys[0], float(loss.detach())))
        inner(loss, *keys)

    method.backward_and_step = noting
    return seen


def reference_gan_loss(mode: str, prediction: torch.Tensor, target_is_real: bool):
    """junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py GANLoss.__call__: the label
    (1.0 real, 0.0 fake) expanded to the prediction's shape, then MSELoss (lsgan) or
    BCEWithLogitsLoss (vanilla)."""
    label = torch.tensor(1.0 if target_is_real else 0.0).expand_as(prediction)
    criterion = nn.MSELoss() if mode == "lsgan" else nn.BCEWithLogitsLoss()
    return criterion(prediction, label)


def set_requires_grad(nets, requires_grad: bool) -> None:
    """BaseModel.set_requires_grad of the authors' code."""
    for net in nets:
        for param in net.parameters():
            param.requires_grad = requires_grad
