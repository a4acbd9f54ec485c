"""The ResNet encoder of BicycleGAN (Zhu et al. 2017), E: image -> (mu, logvar).

As the authors' ``E_ResNet`` (``--netE resnet_256``: 5 stages; ``resnet_128``: 4): a 4x4
stride-2 convolution to ``nef`` channels, then ``n_blocks - 1`` residual stages that each
halve the resolution (norm, LeakyReLU 0.2, 3x3 conv, norm, LeakyReLU, 3x3 conv, 2x2 average
pool; the shortcut average-pools and projects with a 1x1 conv), widths ``nef * min(n, 4)``,
then LeakyReLU, an average over all positions and two linear heads, one for the mean and
one for the log-variance. The reference pools with a fixed 8x8 window, which fits 256 px
with 5 stages (128 px with 4) only; a global average is the same there and lets the
encoder run at any size its ``n_blocks`` fits (:meth:`ResNetEncoder.min_size`).
"""

from __future__ import annotations

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import norm_layer, require_at_least

MAX_WIDTH_MULT = 4  # the reference caps the encoder's width at 4 * nef


class ResidualDown(nn.Module):
    """A pre-activation residual stage that halves the resolution."""

    def __init__(self, in_ch: int, out_ch: int, norm: str):
        super().__init__()
        make_norm = norm_layer(norm)
        self.conv = nn.Sequential(
            make_norm(in_ch), nn.LeakyReLU(0.2),
            nn.Conv2d(in_ch, in_ch, 3, padding=1),
            make_norm(in_ch), nn.LeakyReLU(0.2),
            nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.AvgPool2d(2))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(in_ch, out_ch, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.shortcut(x)


class ResNetEncoder(nn.Module):
    def __init__(self, input_nc: int, latent_size: int, nef: int = 64, n_blocks: int = 5,
                 norm: str = "instance"):
        super().__init__()
        require_at_least("encoder", 1, nef=nef, n_blocks=n_blocks)
        layers: list[nn.Module] = [nn.Conv2d(input_nc, nef, 4, stride=2, padding=1)]
        width = nef
        for n in range(1, n_blocks):
            width = nef * min(MAX_WIDTH_MULT, n + 1)
            layers.append(ResidualDown(nef * min(MAX_WIDTH_MULT, n), width, norm))
        # not in place: the input of this activation is the stage's residual sum
        layers += [nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.mu = nn.Linear(width, latent_size)
        self.logvar = nn.Linear(width, latent_size)
        self.n_blocks, self.latent_size = n_blocks, latent_size

    def min_size(self) -> int:
        """The smallest side it takes: every stage's input must keep 2x2 pixels."""
        return 2**self.n_blocks

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.mu(h), self.logvar(h)


def check_encoder_fits(net: nn.Module, size: int) -> None:
    """One line before training when the encoder's stages would shrink ``size`` px away."""
    if not hasattr(net, "min_size"):
        return  # a plugin's encoder checks its own sizes
    need = net.min_size()
    if size < need:
        fit = max(1, size.bit_length() - 1)
        raise ConfigError(f"encoder with n_blocks={net.n_blocks} needs images of at least "
                          f"{need} px, but data.crop_size is {size}; set "
                          f"encoder.params.n_blocks={fit} or a larger --size")


def resnet_encoder(input_nc: int, latent_size: int, nef: int = 64, n_blocks: int = 5,
                   norm: str = "instance") -> ResNetEncoder:
    """Factory registered as encoder ``resnet`` (the reference's ``resnet_256`` at 5
    stages, ``resnet_128`` at 4)."""
    return ResNetEncoder(input_nc, latent_size, nef, n_blocks, norm)
