"""ResNet generator of CycleGAN (Johnson et al. 2016 as adapted by Zhu et al. 2017)."""

from __future__ import annotations

from torch import nn

from i2i.nets.blocks import conv_bias, norm_layer, padded_conv, require_at_least, upsample_layers


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


class ResnetGenerator(nn.Module):
    """c7s1-ngf, two stride-2 downsamplings, ``n_blocks`` residual blocks, two upsamplings,
    c7s1-output, tanh."""

    def __init__(self, input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 9,
                 norm: str = "instance", dropout: bool = False, padding: str = "reflect",
                 upsample: str = "transpose", n_downsampling: int = 2):
        super().__init__()
        require_at_least("generator", 1, ngf=ngf)
        require_at_least("generator", 0, n_blocks=n_blocks, n_downsampling=n_downsampling)
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers = [*padded_conv(input_nc, ngf, 7, padding, bias), make_norm(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            mult = 2**i
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                       make_norm(ngf * mult * 2), nn.ReLU(True)]
        width = ngf * 2**n_downsampling
        layers += [ResnetBlock(width, padding, make_norm, bias, dropout) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            mult = 2 ** (n_downsampling - i)
            out_ch = ngf * mult // 2
            layers += [*upsample_layers(ngf * mult, out_ch, upsample, bias, padding),
                       make_norm(out_ch), nn.ReLU(True)]
        layers += [*padded_conv(ngf, output_nc, 7, padding, True), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        self.size_multiple = 2**n_downsampling  # input sides must be multiples of this

    def forward(self, x):
        return self.model(x)


def resnet(input_nc: int, output_nc: int, ngf: int = 64, n_blocks: int = 9,
           norm: str = "instance", dropout: bool = False, padding: str = "reflect",
           upsample: str = "transpose") -> ResnetGenerator:
    """Factory registered as ``resnet``; ``resnet_9blocks``/``resnet_6blocks`` fix n_blocks."""
    return ResnetGenerator(input_nc, output_nc, ngf, n_blocks, norm, dropout, padding, upsample)


def resnet_9blocks(input_nc: int, output_nc: int, ngf: int = 64, norm: str = "instance",
                   dropout: bool = False, padding: str = "reflect",
                   upsample: str = "transpose") -> ResnetGenerator:
    return ResnetGenerator(input_nc, output_nc, ngf, 9, norm, dropout, padding, upsample)


def resnet_6blocks(input_nc: int, output_nc: int, ngf: int = 64, norm: str = "instance",
                   dropout: bool = False, padding: str = "reflect",
                   upsample: str = "transpose") -> ResnetGenerator:
    return ResnetGenerator(input_nc, output_nc, ngf, 6, norm, dropout, padding, upsample)
