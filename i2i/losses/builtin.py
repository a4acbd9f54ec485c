"""Built-in losses, registered like any plugin's (``gan.*`` and ``recon.*``)."""

from __future__ import annotations

from i2i import hookimpl
from i2i.losses.gan import LSGAN, WGANGP, HingeGAN, VanillaGAN
from i2i.losses.reconstruction import l1, l1_l2, l2


@hookimpl
def register_losses() -> dict:
    return {
        "gan.vanilla": VanillaGAN,
        "gan.lsgan": LSGAN,
        "gan.wgangp": WGANGP,
        "gan.hinge": HingeGAN,
        "recon.l1": l1,
        "recon.l2": l2,
        "recon.l1_l2": l1_l2,
        "recon.mixed": l1_l2,
    }


@hookimpl
def register_terms() -> dict:
    from i2i.losses.bicycle_terms import KLGaussian, LatentL1
    from i2i.losses.feature_terms import FeatureDistance
    from i2i.losses.latent_terms import GaussianKL
    from i2i.losses.patchnce import PatchNCE
    from i2i.losses.pixel_terms import PixelDistance, SourceDistance, TotalVariation
    from i2i.losses.spatial_correlative import SpatiallyCorrelative
    from i2i.losses.style_terms import Style

    return {"cycle": PixelDistance, "identity": PixelDistance, "recon": PixelDistance,
            "self_reg": SourceDistance, "tv": TotalVariation, "patchnce": PatchNCE,
            "scl": SpatiallyCorrelative, "style": Style, "features": FeatureDistance,
            "kl_gaussian": KLGaussian, "latent_l1": LatentL1, "kl": GaussianKL}
