"""Built-in training methods, registered like any plugin's."""

from __future__ import annotations

from i2i import hookimpl
from i2i.methods.bicyclegan import BicycleGAN
from i2i.methods.cyclegan import CycleGAN
from i2i.methods.one_sided import CUT, FastCUT, PixelLossGAN, SpatiallyCorrelativeGAN
from i2i.methods.pix2pix import Pix2Pix


@hookimpl
def register_methods() -> dict:
    return {"cyclegan": CycleGAN, "pix2pix": Pix2Pix, "cut": CUT, "fastcut": FastCUT,
            "sc": SpatiallyCorrelativeGAN, "simgan": PixelLossGAN, "bicyclegan": BicycleGAN}
