"""The image VAE of ``cyclegan_vae``: one encoder and one decoder for the images of both
domains, with a latent feature map ``2**n_downsampling`` times smaller than the image.

Unit-variance, as UNIT's (Liu et al. 2017): the encoder outputs the mean ``mu`` and the
code is ``mu + N(0, I)`` in training, ``mu`` for translation; the KL to N(0, I) is then the
``kl`` term on ``mu``. Encoder: c7s1-ngf, ``n_downsampling`` x (4x4 stride-2 conv, norm,
ReLU) doubling the width, ``n_blocks`` residual blocks, a 1x1 conv to ``latent_nc``
channels. Decoder: a 3x3 conv from the code, ``n_blocks`` residual blocks,
``n_downsampling`` x (x2 nearest upsampling, 5x5 conv, norm, ReLU), c7s1-output, tanh.
Settings come from ``cyclegan_vae``'s ``options.vae_*`` (their ranges are checked there);
to try another autoencoder, write a class with ``encode``, ``decode`` and
``size_multiple`` and build it in the method.
"""

from __future__ import annotations

import torch
from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer, padded_conv
from i2i.nets.generators.resnet import ResnetBlock


class ConvVAE(nn.Module):
    def __init__(self, image_nc: int, latent_nc: int = 4, ngf: int = 32,
                 n_downsampling: int = 3, n_blocks: int = 1, norm: str = "layer",
                 padding: str = "reflect"):
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        width = ngf * 2**n_downsampling
        enc = [*padded_conv(image_nc, ngf, 7, padding, bias), make_norm(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            ch = ngf * 2**i
            enc += [nn.Conv2d(ch, ch * 2, 4, stride=2, padding=1, bias=bias), make_norm(ch * 2),
                    nn.ReLU(True)]
        enc += [ResnetBlock(width, padding, make_norm, bias, False) for _ in range(n_blocks)]
        enc.append(nn.Conv2d(width, latent_nc, 1))
        dec = [*padded_conv(latent_nc, width, 3, padding, bias), make_norm(width), nn.ReLU(True)]
        dec += [ResnetBlock(width, padding, make_norm, bias, False) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            ch = width // 2**i
            dec += [nn.Upsample(scale_factor=2, mode="nearest"),
                    *padded_conv(ch, ch // 2, 5, padding, bias), make_norm(ch // 2), nn.ReLU(True)]
        dec += [*padded_conv(ngf, image_nc, 7, padding, True), nn.Tanh()]
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        self.size_multiple = 2**n_downsampling  # image sides must be multiples of this

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent mean ``mu``."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction of ``mu + N(0, I)``, ``mu``): one training pass."""
        mu = self.encode(x)
        return self.decode(mu + torch.randn_like(mu)), mu
