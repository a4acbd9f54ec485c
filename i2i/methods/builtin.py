"""Built-in training methods, registered like any plugin's."""

from __future__ import annotations

from i2i import hookimpl
from i2i.methods.bicyclegan import BicycleGAN
from i2i.methods.bigan import BiGAN
from i2i.methods.cogan import CoGAN
from i2i.methods.cyclegan import CycleGAN, CycleGANNST
from i2i.methods.cyclegan_vae import CycleGANVAE
from i2i.methods.dtn import DTN
from i2i.methods.latent_transfer import LatentTransfer
from i2i.methods.one_sided import (
    CUT,
    FastCUT,
    FeatureLossGAN,
    PixelLossGAN,
    SpatiallyCorrelativeGAN,
)
from i2i.methods.pix2pix import Pix2Pix
from i2i.methods.unit import UNIT


@hookimpl
def register_methods() -> dict:
    return {"cyclegan": CycleGAN, "pix2pix": Pix2Pix, "cut": CUT, "fastcut": FastCUT,
            "sc": SpatiallyCorrelativeGAN, "simgan": PixelLossGAN, "featgan": FeatureLossGAN,
            "cogan": CoGAN, "bigan": BiGAN, "dtn": DTN,
            "latent_transfer": LatentTransfer, "cyclegan_nst": CycleGANNST,
            "bicyclegan": BicycleGAN, "unit": UNIT, "cyclegan_vae": CycleGANVAE}
