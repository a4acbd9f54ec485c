"""Where each built-in method's class lives, by name, without importing it.

``builtin.py`` registers these classes; shell completion registers this module instead
(``i2i.plugins.COMPLETION_STANDINS``), so a Tab offers method names without importing
torch. To add a built-in method, add its name and ``(module, class)`` here.
"""

from __future__ import annotations

from i2i import hookimpl

BUILTIN: dict[str, tuple[str, str]] = {
    "cyclegan": ("i2i.methods.cyclegan", "CycleGAN"),
    "pix2pix": ("i2i.methods.pix2pix", "Pix2Pix"),
    "cut": ("i2i.methods.one_sided", "CUT"),
    "fastcut": ("i2i.methods.one_sided", "FastCUT"),
    "sc": ("i2i.methods.one_sided", "SpatiallyCorrelativeGAN"),
    "simgan": ("i2i.methods.one_sided", "PixelLossGAN"),
    "featgan": ("i2i.methods.one_sided", "FeatureLossGAN"),
    "cogan": ("i2i.methods.cogan", "CoGAN"),
    "bigan": ("i2i.methods.bigan", "BiGAN"),
    "dtn": ("i2i.methods.dtn", "DTN"),
    "latent_transfer": ("i2i.methods.latent_transfer", "LatentTransfer"),
    "cyclegan_nst": ("i2i.methods.cyclegan", "CycleGANNST"),
    "bicyclegan": ("i2i.methods.bicyclegan", "BicycleGAN"),
    "unit": ("i2i.methods.unit", "UNIT"),
    "cyclegan_vae": ("i2i.methods.cyclegan_vae", "CycleGANVAE"),
}


@hookimpl
def register_methods() -> dict:
    """The names only (no classes): what shell completion needs."""
    return dict.fromkeys(BUILTIN)
