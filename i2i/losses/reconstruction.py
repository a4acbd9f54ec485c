"""Pixel reconstruction losses and the total-variation prior."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def l1(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(pred, target)


def l2(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(pred, target)


def l1_l2(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """0.5 * L1 + 0.5 * L2: the mixed loss of the seed experiments."""
    return 0.5 * F.l1_loss(pred, target) + 0.5 * F.mse_loss(pred, target)


def total_variation(img: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels (anisotropic TV)."""
    dh = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean()
    dw = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean()
    return dh + dw
