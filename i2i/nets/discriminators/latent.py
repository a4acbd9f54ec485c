"""A discriminator for latent maps (``cyclegan_vae``'s, on VAE codes).

3x3 convolutions at stride 1 with zero padding: no layer shrinks the map, so it judges
maps of any size (a 4x4 code of a 32 px image, where a PatchGAN's map would vanish), one
verdict per position, each seeing a (2 * n_layers + 1)-wide neighbourhood of codes.
"""

from __future__ import annotations

from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer, require_at_least


class LatentDiscriminator(nn.Module):
    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "none"):
        super().__init__()
        require_at_least("discriminator", 1, ndf=ndf, n_layers=n_layers)
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers = [nn.Conv2d(input_nc, ndf, 3, padding=1), nn.LeakyReLU(0.2, True)]
        ch = ndf
        for i in range(1, n_layers):
            out = ndf * min(2**i, 4)
            layers += [nn.Conv2d(ch, out, 3, padding=1, bias=bias), make_norm(out),
                       nn.LeakyReLU(0.2, True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 3, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, z):
        return self.model(z)


def latent(input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "none") -> nn.Module:
    """Factory registered as ``latent``."""
    return LatentDiscriminator(input_nc, ndf, n_layers, norm)
