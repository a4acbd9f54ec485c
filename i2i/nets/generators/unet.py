"""U-Net generator of pix2pix (Isola et al. 2017), and the same net without skips.

``num_downs`` stride-2 convolutions take a 2**num_downs px image down to 1x1 and as many
transposed convolutions bring it back; with ``skip=True`` every decoder level also sees the
encoder features of its resolution (concatenated), which carries low-level detail across.
Channels follow the reference: ngf, 2ngf, 4ngf, then 8ngf for every further level; dropout
(p=0.5, the only noise source of pix2pix) sits in the decoder levels of width 8ngf below the
fourth, as in the reference code. The module tree and parameter names match the reference,
so its state dicts load as they are.
"""

from __future__ import annotations

import torch
from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer, require_at_least


class UnetSkipConnectionBlock(nn.Module):
    """One level: downsample, the inner levels (``submodule``), upsample; concatenated with
    its input when ``skip``."""

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, norm: str = "batch", dropout: bool = False,
                 skip: bool = True):
        super().__init__()
        self.outermost, self.skip = outermost, skip
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=bias)
        downrelu, uprelu = nn.LeakyReLU(0.2, True), nn.ReLU(True)
        # The decoder input: the inner level's output, plus its skip features when present.
        up_in = inner_nc if innermost or not skip else inner_nc * 2
        if outermost:
            upconv = nn.ConvTranspose2d(up_in, outer_nc, 4, stride=2, padding=1)
            layers = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(up_in, outer_nc, 4, stride=2, padding=1, bias=bias)
            layers = [downrelu, downconv, uprelu, upconv, make_norm(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(up_in, outer_nc, 4, stride=2, padding=1, bias=bias)
            layers = [downrelu, downconv, make_norm(inner_nc), submodule,
                      uprelu, upconv, make_norm(outer_nc)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost or not self.skip:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc: int, output_nc: int, num_downs: int = 8, ngf: int = 64,
                 norm: str = "batch", dropout: bool = True, skip: bool = True):
        super().__init__()
        require_at_least("generator", 2, num_downs=num_downs)
        require_at_least("generator", 1, ngf=ngf)

        def width(level: int) -> int:
            return ngf * min(2**level, 8)

        block = None
        for level in range(num_downs - 1, 0, -1):  # innermost first
            innermost = level == num_downs - 1
            block = UnetSkipConnectionBlock(
                width(level - 1), width(level), submodule=block, innermost=innermost,
                norm=norm, dropout=dropout and not innermost and level >= 4, skip=skip)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc, block, outermost=True,
                                             norm=norm, skip=skip)
        self.num_downs, self.skip = num_downs, skip
        self.size_multiple = 2**num_downs  # input sides must be multiples of this

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def unet(input_nc: int, output_nc: int, num_downs: int = 8, ngf: int = 64, norm: str = "batch",
         dropout: bool = True, skip: bool = True) -> UnetGenerator:
    """Factory registered as ``unet``: any depth; ``skip=False`` is the encoder-decoder."""
    return UnetGenerator(input_nc, output_nc, num_downs, ngf, norm, dropout, skip)


def unet_256(input_nc: int, output_nc: int, num_downs: int = 8, ngf: int = 64,
             norm: str = "batch", dropout: bool = True, skip: bool = True) -> UnetGenerator:
    """8 downsamplings: 256 px down to 1x1 (the pix2pix default)."""
    return UnetGenerator(input_nc, output_nc, num_downs, ngf, norm, dropout, skip)


def unet_128(input_nc: int, output_nc: int, num_downs: int = 7, ngf: int = 64,
             norm: str = "batch", dropout: bool = True, skip: bool = True) -> UnetGenerator:
    """7 downsamplings: 128 px down to 1x1."""
    return UnetGenerator(input_nc, output_nc, num_downs, ngf, norm, dropout, skip)


def encoder_decoder(input_nc: int, output_nc: int, num_downs: int = 8, ngf: int = 64,
                    norm: str = "batch", dropout: bool = True) -> UnetGenerator:
    """The U-Net without skip connections (the paper's encoder-decoder baseline)."""
    return UnetGenerator(input_nc, output_nc, num_downs, ngf, norm, dropout, skip=False)
