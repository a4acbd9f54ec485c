"""PatchGAN discriminators (Isola et al. 2017): fully convolutional nets whose every output
judges one N x N patch of the input.

The receptive field N is the knob the pix2pix paper compares: ``receptive_field`` 1
(PixelGAN: 1x1 convolutions), 16, 34, 70 (the default), 142 or 286 (``n_layers`` 1-5 of
4x4 convolutions), or ``"image"`` (ImageGAN: one verdict for the whole image). A field the
network cannot realise at the training size (its feature map would vanish) is caught by
:func:`check_fits` before training starts.

``sampling="antialias"`` (the N-layer and image nets) is CUT's discriminator (Park et al.
2020, taesungp/contrastive-unpaired-translation, ``NLayerDiscriminator`` with its default
``no_antialias=False``): each stride-2 convolution becomes a stride-1 one followed, after
its norm and LeakyReLU, by a [1,2,1] blur keeping every 2nd pixel (Zhang 2019). The
receptive field then grows (70 -> 84 px for 3 layers); ``receptive_field`` still picks the
layer count of the strided net of that field.
"""

from __future__ import annotations

from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import SAMPLINGS, BlurPool2d, conv_bias, norm_layer, require_at_least

#: receptive field in px -> n_layers of the N-layer PatchGAN (1 is the 1x1 PixelGAN)
FIELD_TO_LAYERS = {16: 1, 34: 2, 70: 3, 142: 4, 286: 5}
FIELDS = ("1", *map(str, FIELD_TO_LAYERS), "image")


class PatchDiscriminator(nn.Module):
    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "instance",
                 sampling: str = "stride"):
        super().__init__()
        require_at_least("discriminator", 1, ndf=ndf)
        require_at_least("discriminator", 0, n_layers=n_layers)
        check_sampling(sampling)
        make_norm, bias = norm_layer(norm), conv_bias(norm)

        def down(in_ch: int, out_ch: int, normed: bool) -> list[nn.Module]:
            """A 4x4 conv that halves the map: stride 2, or stride 1 then a blur-pool."""
            stride = 1 if sampling == "antialias" else 2
            block = [nn.Conv2d(in_ch, out_ch, 4, stride=stride, padding=1,
                               bias=bias if normed else True),
                     *([make_norm(out_ch)] if normed else []), nn.LeakyReLU(0.2, True)]
            return block + [BlurPool2d(out_ch)] if sampling == "antialias" else block

        layers = down(input_nc, ndf, normed=False)
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            layers += down(ndf * prev, ndf * mult, normed=True)
        prev, mult = mult, min(2**n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=bias),
                   make_norm(ndf * mult), nn.LeakyReLU(0.2, True),
                   nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def check_sampling(sampling: str) -> None:
    if sampling not in SAMPLINGS:
        raise ConfigError(f"discriminator.params.sampling is {sampling!r}; choose one of: "
                          f"{', '.join(SAMPLINGS)}")


class PixelDiscriminator(nn.Module):
    """1x1 PatchGAN ("PixelGAN"): judges each pixel's colour alone."""

    def __init__(self, input_nc: int, ndf: int = 64, norm: str = "instance"):
        super().__init__()
        require_at_least("discriminator", 1, ndf=ndf)
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 1, bias=bias), make_norm(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 1, bias=bias),
        )

    def forward(self, x):
        return self.net(x)


class ImageDiscriminator(nn.Module):
    """ImageGAN: the N-layer body, then an adaptive pool to 4x4 and a 4x4 convolution, so
    the single output depends on every input pixel at any image size."""

    def __init__(self, input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "instance",
                 sampling: str = "stride"):
        super().__init__()
        body = PatchDiscriminator(input_nc, ndf, n_layers, norm, sampling).model
        width = body[-1].in_channels
        self.model = nn.Sequential(*list(body)[:-1], nn.AdaptiveAvgPool2d(4),
                                   nn.Conv2d(width, 1, 4))

    def forward(self, x):
        return self.model(x)


def patchgan(input_nc: int, ndf: int = 64, n_layers: int = 3, norm: str = "instance",
             receptive_field: int | str | None = None, sampling: str = "stride") -> nn.Module:
    """Factory registered as ``patchgan`` (alias ``basic``). ``receptive_field`` (1, 16, 34,
    70, 142, 286 or "image"), when given, chooses the architecture instead of ``n_layers``.
    ``sampling``: "stride" (pix2pix, CycleGAN) or "antialias" (CUT's: stride-1 convs, each
    followed by a blur-pool)."""
    check_sampling(sampling)
    if receptive_field is None:
        return PatchDiscriminator(input_nc, ndf, n_layers, norm, sampling)
    key = str(receptive_field).strip().lower()
    if key not in FIELDS:
        raise ConfigError(f"discriminator receptive_field is {receptive_field!r}; choose one "
                          f"of: {', '.join(FIELDS)}")
    if key == "1":
        if sampling != "stride":  # 1x1 convs throughout: nothing to downsample
            raise ConfigError("discriminator receptive_field 1 (PixelGAN) does not downsample;"
                              " drop discriminator.params.sampling")
        return PixelDiscriminator(input_nc, ndf, norm)
    if key == "image":
        return ImageDiscriminator(input_nc, ndf, n_layers, norm, sampling)
    return PatchDiscriminator(input_nc, ndf, FIELD_TO_LAYERS[int(key)], norm, sampling)


def pixelgan(input_nc: int, ndf: int = 64, norm: str = "instance") -> nn.Module:
    """Factory registered as ``pixel``: the 1x1 PixelGAN."""
    return PixelDiscriminator(input_nc, ndf, norm)


def imagegan(input_nc: int, ndf: int = 64, n_layers: int = 3,
             norm: str = "instance", sampling: str = "stride") -> nn.Module:
    """Factory registered as ``imagegan``: one verdict per image."""
    return ImageDiscriminator(input_nc, ndf, n_layers, norm, sampling)


# ----------------------------------------------------------------------------- geometry


def _convs(net: nn.Module) -> list[nn.Module]:
    kinds = (nn.Conv2d, nn.AdaptiveAvgPool2d, BlurPool2d)
    return [m for m in net.modules() if isinstance(m, kinds)]


def _kernel_stride_padding(layer: nn.Module) -> tuple[int, int, int]:
    if isinstance(layer, BlurPool2d):
        return 3, 2, 1  # a 3x3 blur at stride 2 after a reflect pad of 1
    return layer.kernel_size[0], layer.stride[0], layer.padding[0]


def receptive_field(net: nn.Module) -> int | None:
    """The receptive field (px) of one output of a sequential conv net; None when it covers
    the whole image (an adaptive pool mixes every position)."""
    field = 1
    for layer in reversed(_convs(net)):
        if isinstance(layer, nn.AdaptiveAvgPool2d):
            return None
        k, s, _ = _kernel_stride_padding(layer)
        field = (field - 1) * s + k
    return field


def output_size(net: nn.Module, size: int) -> int:
    """Side of the output map for a ``size`` px square input (<= 0: the map vanishes)."""
    for layer in _convs(net):
        if size <= 0:
            return size
        if isinstance(layer, nn.AdaptiveAvgPool2d):
            size = layer.output_size if isinstance(layer.output_size, int) else 4
            continue
        if isinstance(layer, BlurPool2d) and size < 2:
            return 0  # a reflect pad of 1 needs 2 pixels
        k, s, p = _kernel_stride_padding(layer)
        size = (size + 2 * p - k) // s + 1
    return size


def check_fits(net: nn.Module, size: int, where: str = "discriminator") -> None:
    """ConfigError when ``net`` cannot judge ``size`` px images (its feature map vanishes).

    Only for the nets of this file, whose layers run in sequence; others are not checked.
    """
    if not isinstance(net, (PatchDiscriminator, PixelDiscriminator, ImageDiscriminator)):
        return
    if output_size(net, size) >= 1:
        return
    need = next(n for n in range(size, 1 << 16) if output_size(net, n) >= 1)
    field = receptive_field(net)
    raise ConfigError(f"the {where} (receptive field {field}) needs images of at least {need} "
                      f"px, but data.crop_size is {size}; choose a smaller "
                      f"{where}.params.receptive_field or a larger --size")
