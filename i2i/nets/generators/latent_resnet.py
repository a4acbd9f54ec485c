"""A ResNet for latent maps: the translators of ``cyclegan_vae`` (a CycleGAN between the
latent codes of a VAE).

Unlike the image ResNet it neither down- nor upsamples (the maps are already small) and
does not squash its output with tanh (latent codes are unbounded). It adds its output to
its input when the two have the same channels, so an untrained translator is close to the
identity map and learns the difference between the domains' codes. ``kernel`` 1 makes it
a per-position map of codes (it cannot move content across the map); 3 lets each code see
its neighbours. Norm defaults to layer norm: on maps a few pixels wide, instance norm would
remove the per-channel levels that tell the domains apart, and with no norm at all the
0.02-scale initial weights leave the activations too small to learn from.
"""

from __future__ import annotations

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import conv_bias, norm_layer, padded_conv, require_at_least


class LatentBlock(nn.Module):
    """conv, norm, ReLU, conv, norm, plus the input."""

    def __init__(self, dim: int, kernel: int, padding: str, norm, bias: bool):
        super().__init__()
        self.block = nn.Sequential(*padded_conv(dim, dim, kernel, padding, bias), norm(dim),
                                   nn.ReLU(True), *padded_conv(dim, dim, kernel, padding, bias),
                                   norm(dim))

    def forward(self, x):
        return x + self.block(x)


class LatentResnet(nn.Module):
    def __init__(self, input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 4,
                 kernel: int = 3, norm: str = "layer", padding: str = "reflect"):
        super().__init__()
        require_at_least("generator", 1, ngf=ngf, kernel=kernel)
        require_at_least("generator", 0, n_blocks=n_blocks)
        if kernel % 2 == 0:
            raise ConfigError(f"generator.params.kernel is {kernel}; it must be odd (1, 3, 5)")
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers = [*padded_conv(input_nc, ngf, kernel, padding, bias), make_norm(ngf),
                  nn.ReLU(True)]
        layers += [LatentBlock(ngf, kernel, padding, make_norm, bias) for _ in range(n_blocks)]
        layers += padded_conv(ngf, output_nc, kernel, padding, True)
        self.model = nn.Sequential(*layers)
        self.residual = input_nc == output_nc

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.model(z)
        return z + out if self.residual else out


def latent_resnet(input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 4,
                  kernel: int = 3, norm: str = "layer",
                  padding: str = "reflect") -> LatentResnet:
    """Factory registered as ``latent_resnet``."""
    return LatentResnet(input_nc, output_nc, ngf, n_blocks, kernel, norm, padding)
