"""Texture synthesis (Gatys et al. 2015): match only Gram matrices, starting from noise.

The output may have any size and aspect ratio: Gram matrices do not depend on the spatial
layout, so the texture is re-created at the source's scale over whatever area is asked.
"""

from __future__ import annotations

import torch

from i2i.nets.vgg import VGGFeatures
from i2i.stylize.optimize import StepCallback
from i2i.stylize.settings import StylizeSettings
from i2i.stylize.transfer import SaveCallback, check_memory, optimise

# The source is used at its own resolution up to this long side; the texture's features
# then have the source's scale whatever the output size.
MAX_SOURCE_SIDE = 512


def synthesize_texture(
    model: VGGFeatures,
    source: torch.Tensor,
    size_hw: tuple[int, int],
    settings: StylizeSettings,
    init: torch.Tensor | None = None,
    on_step: StepCallback | None = None,
    on_save: SaveCallback | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """A ``size_hw`` image whose VGG Gram matrices match those of ``source``."""
    check_memory(model, settings, size_hw, source.device)
    if settings.style_size is None:
        own = max(source.shape[-2:])
        # optimise() scales the source with the output's long side; choose the target so
        # the source stays at its own size (up to MAX_SOURCE_SIDE) at the finest level.
        settings = settings.with_(style_size=min(own, MAX_SOURCE_SIDE))
    return optimise(model, settings, size_hw, [source], None, init, on_step, on_save)
