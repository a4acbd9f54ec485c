"""A test-only plugin whose generator uses an op the ONNX exporter has no conversion for
(``torch.cummax``), to check that ``i2i export`` names the op. It is written as a plugin
author writes one (imports only from ``i2i``) and registered in-process by the test."""

from __future__ import annotations

import torch
from torch import nn

from i2i import hookimpl


class CumulativeMaxNet(nn.Module):
    """A 3x3 convolution, then the running maximum over channels (aten.cummax), then tanh."""

    size_multiple = 1

    def __init__(self, input_nc: int, output_nc: int, width: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(input_nc, output_nc, 3, padding=1)

    def forward(self, x):
        return torch.tanh(torch.cummax(self.conv(x), dim=1).values)


@hookimpl
def register_generators():
    return {"cummax_net": CumulativeMaxNet}
