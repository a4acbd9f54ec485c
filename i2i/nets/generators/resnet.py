"""ResNet generator of CycleGAN (Johnson et al. 2016 as adapted by Zhu et al. 2017).

``sampling="antialias"`` swaps the stride-2 convs and transposed convs for blurred
down/upsampling (Zhang 2019), as the CUT generator (Park et al. 2020) does by default;
``up_filter`` picks the upsampling blur: 3 ([1,2,1]) or 4 ([1,3,3,1], CUT's own, which an
imported CUT generator needs to give the reference's outputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import (
    SAMPLINGS,
    UP_FILTERS,
    BlurPool2d,
    BlurUpsample2d,
    conv_bias,
    norm_layer,
    padded_conv,
    require_at_least,
    upsample_layers,
)
from i2i.nets.generators.features import FeatureLayers


class ResnetBlock(nn.Module):
    """Two 3x3 convs with a residual connection; optional dropout between them."""

    def __init__(self, dim: int, padding: str, norm, bias: bool, dropout: bool):
        super().__init__()
        layers = [*padded_conv(dim, dim, 3, padding, bias), norm(dim), nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [*padded_conv(dim, dim, 3, padding, bias), norm(dim)]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.block(x)


class ResnetGenerator(FeatureLayers, nn.Module):
    """c7s1-ngf, two stride-2 downsamplings, ``n_blocks`` residual blocks, two upsamplings,
    c7s1-output, tanh.

    Features: layer ``i`` is the activation right after module ``self.model[i]`` (the body
    is one ``nn.Sequential``), so layer 0 is the input after the first padding layer (the
    first conv when ``padding="zero"``). With the defaults each level is 3 modules (conv,
    norm, ReLU) after 4 in front (pad, conv, norm, ReLU); with ``sampling="antialias"``
    each down level is 4 (conv, norm, ReLU, blur-pool), so CUT's nce_layers 0,4,8,12,16
    are: padded input, first and second downsampling conv outputs (before their norm),
    outputs of residual blocks 1 and 5 (with the default "stride" the same activations are
    layers 0,4,7,10,14). ``feature_widths[i]`` is layer i's channel count.
    """

    feature_meaning = "output of module i of the generator's .model"

    def __init__(self, input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 9,
                 norm: str = "instance", dropout: bool = False, padding: str = "reflect",
                 upsample: str = "transpose", n_downsampling: int = 2,
                 sampling: str = "stride", up_filter: int = 3):
        super().__init__()
        require_at_least("generator", 1, ngf=ngf)
        require_at_least("generator", 0, n_blocks=n_blocks, n_downsampling=n_downsampling)
        if sampling not in SAMPLINGS:
            raise ConfigError(f"unknown sampling '{sampling}'; choose one of: "
                              f"{', '.join(SAMPLINGS)}")
        if up_filter not in UP_FILTERS:
            raise ConfigError(f"generator.params.up_filter is {up_filter!r}; choose one of: "
                              f"{', '.join(map(str, UP_FILTERS))}")
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        antialias = sampling == "antialias"
        layers = [*padded_conv(input_nc, ngf, 7, padding, bias), make_norm(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            mult = 2**i
            out_ch = ngf * mult * 2
            if antialias:
                layers += [nn.Conv2d(ngf * mult, out_ch, 3, stride=1, padding=1, bias=bias),
                           make_norm(out_ch), nn.ReLU(True), BlurPool2d(out_ch)]
            else:
                layers += [nn.Conv2d(ngf * mult, out_ch, 3, stride=2, padding=1, bias=bias),
                           make_norm(out_ch), nn.ReLU(True)]
        width = ngf * 2**n_downsampling
        layers += [ResnetBlock(width, padding, make_norm, bias, dropout) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            mult = 2 ** (n_downsampling - i)
            out_ch = ngf * mult // 2
            if antialias and upsample == "transpose":
                # CUT's layout: zero-padded 3x3 conv after the blur, as its stride-2 convs.
                up = [BlurUpsample2d(ngf * mult, up_filter),
                      nn.Conv2d(ngf * mult, out_ch, 3, stride=1, padding=1, bias=bias)]
            else:
                up = upsample_layers(ngf * mult, out_ch, upsample, bias, padding)
            layers += [*up, make_norm(out_ch), nn.ReLU(True)]
        layers += [*padded_conv(ngf, output_nc, 7, padding, True), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        self.size_multiple = 2**n_downsampling  # input sides must be multiples of this
        self.sampling = sampling
        widths, ch = [], input_nc
        for layer in layers:
            ch = getattr(layer, "out_channels", ch)  # convs change it, nothing else does
            widths.append(ch)
        self.feature_widths = tuple(widths)

    def forward(self, x: torch.Tensor, feature_layers: Sequence[int] | None = None):
        """The output; with ``feature_layers``, ``(output, [activation of each layer])`` from
        the same single pass, in the order asked."""
        if feature_layers is None:
            return self.model(x)
        layers = self.check_feature_layers(feature_layers)
        out, found = self._run(x, set(layers), len(self.model))
        return out, [found[i] for i in layers]

    def encode(self, x: torch.Tensor, feature_layers: Sequence[int]) -> list[torch.Tensor]:
        """The activations of ``feature_layers``, running only up to the deepest of them."""
        layers = self.check_feature_layers(feature_layers)
        if not layers:
            return []
        _, found = self._run(x, set(layers), max(layers) + 1)
        return [found[i] for i in layers]

    def _run(self, x: torch.Tensor, wanted: set[int], stop: int):
        """Modules ``0..stop-1`` in order, keeping the activations in ``wanted``."""
        found = {}
        modules = list(self.model)
        for i in range(stop):
            x = modules[i](x)
            if i in wanted:
                # An in-place next module (ReLU(True)) would overwrite the kept tensor.
                nxt = modules[i + 1] if i + 1 < len(modules) else None
                found[i] = x.clone() if getattr(nxt, "inplace", False) else x
        return x, found


def resnet(input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 9,
           norm: str = "instance", dropout: bool = False, padding: str = "reflect",
           upsample: str = "transpose", sampling: str = "stride",
           up_filter: int = 3) -> ResnetGenerator:
    """Factory registered as ``resnet``; ``resnet_9blocks``/``resnet_6blocks`` fix n_blocks.

    ``sampling``: "stride" (CycleGAN) or "antialias" (blurred down/upsampling, as CUT);
    ``up_filter`` (antialias only): 3 or 4 taps of the upsampling blur (4: CUT's)."""
    return ResnetGenerator(input_nc, output_nc, ngf, n_blocks, norm, dropout, padding, upsample,
                           sampling=sampling, up_filter=up_filter)


def resnet_9blocks(input_nc: int, output_nc: int, ngf: int = 64, norm: str = "instance",
                   dropout: bool = False, padding: str = "reflect",
                   upsample: str = "transpose", sampling: str = "stride",
                   up_filter: int = 3) -> ResnetGenerator:
    return ResnetGenerator(input_nc, output_nc, ngf, 9, norm, dropout, padding, upsample,
                           sampling=sampling, up_filter=up_filter)


def resnet_6blocks(input_nc: int, output_nc: int, ngf: int = 64, norm: str = "instance",
                   dropout: bool = False, padding: str = "reflect",
                   upsample: str = "transpose", sampling: str = "stride",
                   up_filter: int = 3) -> ResnetGenerator:
    return ResnetGenerator(input_nc, output_nc, ngf, 6, norm, dropout, padding, upsample,
                           sampling=sampling, up_filter=up_filter)
