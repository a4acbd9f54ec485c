"""UNIT's encoders and decoders (Liu, Breuel & Kautz 2017) with the weight-sharing
constraint: the last encoder layers and the first decoder layers are one module each,
used by both domains' paths, so the two domains meet in one latent space.

Layout (the authors' PyTorch code, mingyuliutw/UNIT ``VAEGen``: ContentEncoder + Decoder
with ``dim`` 64, ``n_downsample`` 2, ``n_res`` 4, reflect padding, instance norm in the
encoder and the residual blocks, layer norm in the upsampling layers; the sharing as in the
paper and the authors' first release, ``COCOResGen2``: one shared residual block each side):

* ``enc_a``, ``enc_b`` (E_A, E_B): c7s1-ngf, ``n_downsampling`` x (4x4 stride-2 conv, norm,
  ReLU), doubling the width each time, then ``n_blocks - n_shared`` residual blocks;
* ``enc_shared``: ``n_shared`` residual blocks; its output is the latent mean ``mu`` (the
  latent is ``mu + N(0, I)``: unit variance, as in UNIT);
* ``dec_shared``: ``n_shared`` residual blocks;
* ``dec_a``, ``dec_b`` (G_A, G_B): ``n_blocks - n_shared`` residual blocks,
  ``n_downsampling`` x (x2 nearest upsampling, 5x5 conv, layer norm, ReLU), c7s1-output,
  tanh.

``n_shared`` 0 is the ablation without weight sharing (what the authors' later code does).
To give UNIT another architecture, write a factory with this signature that returns a
:class:`UnitNets` and point ``i2i.methods.unit`` at it.
"""

from __future__ import annotations

from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import conv_bias, norm_layer, padded_conv, require_at_least
from i2i.nets.generators.resnet import ResnetBlock


class Encoder(nn.Sequential):
    """A domain's own encoder layers; ``size_multiple`` is what its input sides must be."""

    def __init__(self, layers: list[nn.Module], size_multiple: int):
        super().__init__(*layers)
        self.size_multiple = size_multiple


class UnitNets(nn.Module):
    """The six parts; the method keeps each in ``self.nets`` (the shared ones once)."""

    def __init__(self, enc_a, enc_b, enc_shared, dec_shared, dec_a, dec_b):
        super().__init__()
        self.enc_a, self.enc_b, self.enc_shared = enc_a, enc_b, enc_shared
        self.dec_shared, self.dec_a, self.dec_b = dec_shared, dec_a, dec_b


def unit_nets(input_nc: int, output_nc: int, ngf: int = 64, n_downsampling: int = 2,
              n_blocks: int = 4, n_shared: int = 1, norm: str = "instance",
              padding: str = "reflect") -> UnitNets:
    """E_A, E_B for ``input_nc``/``output_nc``-channel images and G_A, G_B back to them."""
    require_at_least("generator", 1, ngf=ngf, n_downsampling=n_downsampling)
    require_at_least("generator", 0, n_blocks=n_blocks, n_shared=n_shared)
    if n_shared > n_blocks:
        raise ConfigError(f"generator.params.n_shared is {n_shared}, more than n_blocks "
                          f"({n_blocks}): the shared blocks are part of each side's "
                          f"{n_blocks}; lower n_shared or raise n_blocks")
    make_norm, bias, layer_norm = norm_layer(norm), conv_bias(norm), norm_layer("layer")
    width = ngf * 2**n_downsampling

    def blocks(count: int) -> list[nn.Module]:
        return [ResnetBlock(width, padding, make_norm, bias, dropout=False) for _ in range(count)]

    def encoder(nc: int) -> Encoder:
        layers = [*padded_conv(nc, ngf, 7, padding, bias), make_norm(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            ch = ngf * 2**i
            layers += [nn.Conv2d(ch, ch * 2, 4, stride=2, padding=1, bias=bias),
                       make_norm(ch * 2), nn.ReLU(True)]
        return Encoder(layers + blocks(n_blocks - n_shared), 2**n_downsampling)

    def decoder(nc: int) -> nn.Sequential:
        layers = blocks(n_blocks - n_shared)
        for i in range(n_downsampling):
            ch = width // 2**i
            # layer norm as the authors' decoder: it keeps the channels' relative levels,
            # which carry the colours instance norm would remove
            layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                       *padded_conv(ch, ch // 2, 5, padding, True), layer_norm(ch // 2),
                       nn.ReLU(True)]
        layers += [*padded_conv(ngf, nc, 7, padding, True), nn.Tanh()]
        return nn.Sequential(*layers)

    return UnitNets(encoder(input_nc), encoder(output_nc), nn.Sequential(*blocks(n_shared)),
                    nn.Sequential(*blocks(n_shared)), decoder(input_nc), decoder(output_nc))
