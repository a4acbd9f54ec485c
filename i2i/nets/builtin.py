"""Built-in generators, discriminators and encoders, registered like any plugin's."""

from __future__ import annotations

from i2i import hookimpl
from i2i.nets.discriminators.latent import latent
from i2i.nets.discriminators.patchgan import imagegan, patchgan, pixelgan
from i2i.nets.encoders.resnet import resnet_encoder
from i2i.nets.generators.latent_resnet import latent_resnet
from i2i.nets.generators.resnet import resnet, resnet_6blocks, resnet_9blocks
from i2i.nets.generators.unet import encoder_decoder, unet, unet_128, unet_256


@hookimpl
def register_generators() -> dict:
    return {"resnet": resnet, "resnet_9blocks": resnet_9blocks, "resnet_6blocks": resnet_6blocks,
            "unet": unet, "unet_256": unet_256, "unet_128": unet_128,
            "encoder_decoder": encoder_decoder, "latent_resnet": latent_resnet}


@hookimpl
def register_discriminators() -> dict:
    return {"patchgan": patchgan, "basic": patchgan, "pixel": pixelgan, "imagegan": imagegan,
            "latent": latent}


@hookimpl
def register_encoders() -> dict:
    return {"resnet": resnet_encoder}
