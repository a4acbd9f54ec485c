"""U-Net generator of pix2pix (Isola et al. 2017), and the same net without skips.

``num_downs`` stride-2 convolutions take a 2**num_downs px image down to 1x1 and as many
transposed convolutions bring it back; with ``skip=True`` every decoder level also sees the
encoder features of its resolution (concatenated), which carries low-level detail across.
Channels follow the reference: ngf, 2ngf, 4ngf, then 8ngf for every further level; dropout
(p=0.5, the only noise source of pix2pix) sits in the decoder levels of width 8ngf below the
fourth, as in the reference code. The module tree and parameter names match the reference,
so its state dicts load as they are.

Features (for feature-level losses): layer ``k`` (0..num_downs-1) is encoder level k, the
output of the k-th stride-2 conv after its norm (the innermost and outermost have none),
i.e. before the next level's LeakyReLU; ``ngf * min(2**k, 8)`` channels at 1/2**(k+1) of
the input size. ``encode`` runs the down path only.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer, require_at_least
from i2i.nets.generators.features import FeatureLayers


class UnetSkipConnectionBlock(nn.Module):
    """One level: downsample, the inner levels (``submodule``), upsample; concatenated with
    its input when ``skip``."""

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, norm: str = "batch", dropout: bool = False,
                 skip: bool = True, level: int = 0):
        super().__init__()
        self.outermost, self.innermost, self.skip = outermost, innermost, skip
        self.level = level  # 0 outermost; the encoder feature index of this level
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
        # The first modules form the down path: (activation,) conv (, norm).
        self.n_down = 1 if outermost else 2 if innermost else 3

    def forward(self, x: torch.Tensor, wanted: frozenset[int] | None = None,
                found: dict[int, torch.Tensor] | None = None) -> torch.Tensor:
        """The level's output; encoder features of the levels in ``wanted`` go to ``found``."""
        if wanted is None or max(wanted, default=-1) < self.level:
            y = self.model(x)
        else:
            y = self._forward_keeping(x, wanted, found)
        if self.outermost or not self.skip:
            return y
        return torch.cat([x, y], 1)

    def down(self, x: torch.Tensor) -> torch.Tensor:
        """This level's down path; its result is encoder feature ``self.level``."""
        for module in list(self.model)[:self.n_down]:
            x = module(x)
        return x

    def inner(self) -> UnetSkipConnectionBlock | None:
        """The next level in (None at the innermost)."""
        return None if self.innermost else self.model[self.n_down]

    def _forward_keeping(self, x: torch.Tensor, wanted: frozenset[int],
                         found: dict[int, torch.Tensor]) -> torch.Tensor:
        h = self.down(x)
        if self.level in wanted:
            found[self.level] = h.clone()  # the next module (Leaky)ReLU(True) works in place
        for module in list(self.model)[self.n_down:]:
            h = module(h, wanted, found) if module is self.inner() else module(h)
        return h


class UnetGenerator(FeatureLayers, nn.Module):
    feature_meaning = "encoder level k, the output of the k-th stride-2 conv and its norm"

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
                norm=norm, dropout=dropout and not innermost and level >= 4, skip=skip,
                level=level)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc, block, outermost=True,
                                             norm=norm, skip=skip)
        self.num_downs, self.skip = num_downs, skip
        self.size_multiple = 2**num_downs  # input sides must be multiples of this
        self.feature_widths = tuple(width(k) for k in range(num_downs))

    def forward(self, x: torch.Tensor, feature_layers: Sequence[int] | None = None):
        """The output; with ``feature_layers`` (encoder levels), ``(output, [features])``
        from the same single pass, in the order asked."""
        if feature_layers is None:
            return self.model(x)
        layers = self.check_feature_layers(feature_layers)
        found: dict[int, torch.Tensor] = {}
        out = self.model(x, frozenset(layers), found)
        return out, [found[k] for k in layers]

    def encode(self, x: torch.Tensor, feature_layers: Sequence[int]) -> list[torch.Tensor]:
        """Encoder features of ``feature_layers``, running the down path only as deep as the
        deepest of them."""
        layers = self.check_feature_layers(feature_layers)
        found: dict[int, torch.Tensor] = {}
        level = self.model
        for k in range(max(layers, default=-1) + 1):
            x = level.down(x)
            if k in layers:
                found[k] = x.clone()  # the next level's LeakyReLU(True) works in place
            level = level.inner()
        return [found[k] for k in layers]


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
