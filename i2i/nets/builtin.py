"""Built-in generators and discriminators, registered like any plugin's."""

from __future__ import annotations

from i2i import hookimpl
from i2i.nets.discriminators.patchgan import patchgan
from i2i.nets.generators.resnet import resnet, resnet_6blocks, resnet_9blocks


@hookimpl
def register_generators() -> dict:
    return {"resnet": resnet, "resnet_9blocks": resnet_9blocks, "resnet_6blocks": resnet_6blocks}


@hookimpl
def register_discriminators() -> dict:
    return {"patchgan": patchgan, "basic": patchgan}
