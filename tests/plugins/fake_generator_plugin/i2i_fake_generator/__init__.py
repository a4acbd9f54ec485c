"""A third-party i2i plugin, as a plugin author writes one: import only from ``i2i``."""

from torch import nn

from i2i import hookimpl


class TinyConv(nn.Module):
    """Two 3x3 convolutions and a tanh: the smallest generator that can learn a colour map."""

    size_multiple = 1

    def __init__(self, input_nc: int, output_nc: int, width: int = 8):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(input_nc, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, output_nc, 3, padding=1), nn.Tanh(),
        )

    def forward(self, x):
        return self.body(x)


def tiny_conv(input_nc: int, output_nc: int, width: int = 8) -> TinyConv:
    return TinyConv(input_nc, output_nc, width)


@hookimpl
def register_generators():
    return {"tiny_conv": tiny_conv}
