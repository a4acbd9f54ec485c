"""Building blocks shared by architectures: norm layers, padding, up/downsampling, init."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from i2i.errors import ConfigError

NORMS = ("instance", "batch", "layer", "none")
PADDINGS = ("reflect", "replicate", "zero")
UPSAMPLINGS = ("transpose", "nearest", "bilinear")
SAMPLINGS = ("stride", "antialias")


def require_at_least(where: str, low: int, **values: int) -> None:
    """One-line ConfigError for a size parameter below ``low`` (``ndf=0``, ``n_blocks=-3``).

    Call it first thing in a network's constructor, so a bad value never reaches torch."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{where}.params.{name} is {value!r}; it must be a whole "
                              f"number >= {low}")


def norm_layer(kind: str):
    """A constructor ``fn(num_features) -> nn.Module`` for a norm kind.

    Instance norm has no affine parameters and no running statistics, as in the reference
    CycleGAN; batch norm is affine and tracks statistics (pix2pix). Layer norm (one group:
    each sample over all its channels and positions, affine per channel, as UNIT's
    decoders) keeps the channels' relative levels, which instance norm removes.
    """
    if kind == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if kind == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if kind == "layer":
        return functools.partial(nn.GroupNorm, 1)
    if kind == "none":
        return lambda num_features: nn.Identity()
    raise ConfigError(f"unknown norm '{kind}'; choose one of: {', '.join(NORMS)}")


def conv_bias(kind: str) -> bool:
    """Convs before batch norm need no bias (the norm's shift replaces it)."""
    return kind != "batch"


def padded_conv(in_ch: int, out_ch: int, kernel: int, padding: str, bias: bool) -> list:
    """A stride-1 'same' convolution with the chosen padding mode, as a layer list."""
    if padding not in PADDINGS:
        raise ConfigError(f"unknown padding '{padding}'; choose one of: {', '.join(PADDINGS)}")
    pad = kernel // 2
    if padding == "zero":
        return [nn.Conv2d(in_ch, out_ch, kernel, padding=pad, bias=bias)]
    pad_layer = nn.ReflectionPad2d(pad) if padding == "reflect" else nn.ReplicationPad2d(pad)
    return [pad_layer, nn.Conv2d(in_ch, out_ch, kernel, padding=0, bias=bias)]


def upsample_layers(in_ch: int, out_ch: int, mode: str, bias: bool, padding: str) -> list:
    """Double the resolution: transposed conv (reference) or resize-then-conv.

    Resize-convolution (Odena et al., 2016) avoids the checkerboard artefacts that a
    transposed convolution with kernel 3 and stride 2 can leave.
    """
    if mode == "transpose":
        return [nn.ConvTranspose2d(in_ch, out_ch, 3, stride=2, padding=1, output_padding=1,
                                   bias=bias)]
    if mode in ("nearest", "bilinear"):
        up = nn.Upsample(scale_factor=2, mode=mode,
                         **({"align_corners": False} if mode == "bilinear" else {}))
        return [up, *padded_conv(in_ch, out_ch, 3, padding, bias)]
    raise ConfigError(f"unknown upsampling '{mode}'; choose one of: {', '.join(UPSAMPLINGS)}")


BINOMIAL_TAPS = {3: (1.0, 2.0, 1.0), 4: (1.0, 3.0, 3.0, 1.0)}


def binomial_filter(channels: int, size: int = 3) -> torch.Tensor:
    """The size x size binomial low-pass ([1,2,1] or [1,3,3,1], outer product, sum 1), one
    copy per channel (depthwise)."""
    taps = torch.tensor(BINOMIAL_TAPS[size])
    kernel = torch.outer(taps, taps) / taps.sum() ** 2
    return kernel.expand(channels, 1, size, size).contiguous()


class BlurPool2d(nn.Module):
    """Anti-aliased downsampling (Zhang 2019): binomial blur, then keep every 2nd pixel.

    Reflect padding of 1 keeps ``H`` even -> ``H / 2``. The filter is a fixed buffer (no
    gradient, not saved in checkpoints: it is rebuilt from ``channels``).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.register_buffer("filt", binomial_filter(channels), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
        return F.conv2d(x, self.filt, stride=2, groups=self.channels)

    def extra_repr(self) -> str:
        return f"{self.channels}"


UP_FILTERS = (3, 4)


class BlurUpsample2d(nn.Module):
    """Anti-aliased x2 upsampling: insert zeros between pixels, then blur with a binomial
    filter times 4 (so the mean is kept).

    ``size=3`` ([1,2,1]): output pixel 2i is input pixel i, odd ones the mean of two
    neighbours. ``size=4`` ([1,3,3,1], the CUT reference's ``Upsample``): bilinear at
    half-pixel offsets, 3/4 of the nearer pixel and 1/4 of the farther one (what
    ``interpolate(mode="bilinear", align_corners=False)`` gives); imported CUT generators
    need it to give the reference's outputs.

    Done as one fixed depthwise transposed convolution; the input is first replicate-padded
    by 1 so the last row and column interpolate towards a copy of themselves, not towards
    zero. ``H -> 2H``. The filter is a fixed, non-persistent buffer like ``BlurPool2d``'s.
    """

    def __init__(self, channels: int, size: int = 3):
        super().__init__()
        if size not in UP_FILTERS:
            raise ConfigError(f"up_filter is {size!r}; choose one of: "
                              f"{', '.join(map(str, UP_FILTERS))}")
        self.channels, self.size = channels, size
        self.register_buffer("filt", binomial_filter(channels, size) * 4.0, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        # The full transposed output is 2(H+2)+size-2 long and output pixel 0 sits at 3 of
        # it, so crop 3 in front (padding=3) and keep 2H (size 3 needs output_padding=1).
        return F.conv_transpose2d(x, self.filt, stride=2, padding=3,
                                  output_padding=4 - self.size, groups=self.channels)

    def extra_repr(self) -> str:
        return f"{self.channels}, size={self.size}"


def init_weights(net: nn.Module, kind: str = "normal", gain: float = 0.02) -> nn.Module:
    """Initialise conv/linear weights as the reference code does; norm scales ~ N(1, gain)."""

    def init(m: nn.Module) -> None:
        name = type(m).__name__
        if hasattr(m, "weight") and m.weight is not None and ("Conv" in name or "Linear" in name):
            if kind == "normal":
                nn.init.normal_(m.weight, 0.0, gain)
            elif kind == "xavier":
                nn.init.xavier_normal_(m.weight, gain=gain)
            elif kind == "kaiming":
                nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            elif kind == "orthogonal":
                nn.init.orthogonal_(m.weight, gain=gain)
            else:
                raise ConfigError(f"unknown init '{kind}'")
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif "BatchNorm2d" in name and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)

    net.apply(init)
    return net


def set_requires_grad(nets, flag: bool) -> None:
    """Freeze or unfreeze nets (discriminators during the generator step)."""
    for net in nets if isinstance(nets, (list, tuple)) else [nets]:
        for p in net.parameters():
            p.requires_grad_(flag)
