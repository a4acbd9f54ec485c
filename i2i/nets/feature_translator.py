"""Translators of VGG feature maps, one per layer, for latent-features transfer.

Each is three stride-1 3x3 convolutions at the layer's width, each followed by instance
norm (affine: the last one sets every channel's mean and spread, which is what Gram-matrix
style is made of), with a leaky ReLU after the first two: the thesis's design. The kernel
size and the slope are not stated there; 3x3 and 0.2 are our choice. ``residual=True``
(not in the thesis) adds the input back, so an untrained translator starts at the identity
on features. To translate another kind of feature, add a module here and build it in the
method.
"""

from __future__ import annotations

import torch
from torch import nn


class LayerTranslator(nn.Module):
    def __init__(self, channels: int, slope: float = 0.2, residual: bool = False):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True),
            nn.LeakyReLU(slope),
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True),
            nn.LeakyReLU(slope),
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True))

    def zero_last_scale(self) -> None:
        """Start a residual translator exactly at the identity (after weight init)."""
        nn.init.zeros_(self.body[-1].weight)
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.body(features)
        return features + out if self.residual else out


class FeatureTranslator(nn.Module):
    """One :class:`LayerTranslator` per VGG layer name: ``forward({layer: map})``."""

    def __init__(self, widths: dict[str, int], residual: bool = False):
        super().__init__()
        self.layers = list(widths)
        self.translators = nn.ModuleDict({n: LayerTranslator(c, residual=residual)
                                          for n, c in widths.items()})

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {n: self.translators[n](features[n]) for n in self.layers}
