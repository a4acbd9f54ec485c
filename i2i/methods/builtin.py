"""Built-in training methods, registered like any plugin's."""

from __future__ import annotations

from i2i import hookimpl
from i2i.methods.cyclegan import CycleGAN


@hookimpl
def register_methods() -> dict:
    return {"cyclegan": CycleGAN}
