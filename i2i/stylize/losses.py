"""The losses of Gatys et al.: content, style (Gram matrices) and total variation.

All are pure functions of tensors. Gram matrices are normalised by the number of
elements of the feature map, so the style loss does not grow with the image size and one
style weight works at every resolution.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Channel correlations ``F F^T / (C H W)`` of an (N, C, H, W) map -> (N, C, C)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return torch.bmm(flat, flat.transpose(1, 2)) / (c * h * w)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of the activations of one layer."""
    return F.mse_loss(features, target)


def style_loss(
    features: Mapping[str, torch.Tensor],
    target_grams: Mapping[str, torch.Tensor],
    layer_weights: Mapping[str, float],
) -> torch.Tensor:
    """Weighted sum over layers of the mean squared difference of Gram matrices."""
    total = None
    for layer, weight in layer_weights.items():
        term = weight * F.mse_loss(gram_matrix(features[layer]), target_grams[layer])
        total = term if total is None else total + term
    if total is None:
        raise ValueError("style_loss needs at least one layer")
    return total


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference of neighbouring pixels (smoothness)."""
    dy = image[..., 1:, :] - image[..., :-1, :]
    dx = image[..., :, 1:] - image[..., :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()
