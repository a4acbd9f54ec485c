"""PatchGAN discriminator (Isola et al. 2017): a fully convolutional net whose every output
judges one N x N patch of the input. ``n_layers=3`` gives the 70x70 PatchGAN."""

from __future__ import annotations

from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer


class PatchDiscriminator(nn.Module):
    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "instance"):
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=bias),
                       make_norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2**n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=bias),
                   make_norm(ndf * mult), nn.LeakyReLU(0.2, True),
                   nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def patchgan(input_nc: int, ndf: int = 64, n_layers: int = 3,
             norm: str = "instance") -> PatchDiscriminator:
    """Factory registered as ``patchgan`` (alias ``basic``: the 70x70 PatchGAN)."""
    return PatchDiscriminator(input_nc, ndf, n_layers, norm)
