"""Neural style transfer (Gatys et al.) and texture synthesis by optimising pixels.

Layout: ``vgg.py`` (feature extractor with named layers), ``losses.py`` (Gram matrix,
content, style and total-variation losses), ``optimize.py`` (the L-BFGS / Adam loop,
coarse-to-fine), ``color.py`` (colour preservation), ``texture.py`` (style loss only, from
noise), ``transfer.py`` (one content image -> one stylised image), ``settings.py`` (the
validated options), ``run.py`` (files, folders, batches, grids: what ``i2i stylize`` calls),
``grid.py`` (the side-by-side figure), ``weights_entries.py`` (where the VGG weights come
from).

To add a feature network: add its layer plan to ``vgg.PLANS`` and register its weights in
``weights_entries.py`` under the same name; ``--network NAME`` then selects it.
"""

import importlib

# Imported on first access: the CLI reads ``settings`` while building ``i2i --help`` and
# shell completion, which must not pay for importing torch.
_LAZY = {
    "VGGFeatures": "i2i.nets.vgg",
    "layer_names": "i2i.nets.vgg",
    "load_vgg": "i2i.nets.vgg",
    "content_loss": "i2i.stylize.losses",
    "gram_matrix": "i2i.stylize.losses",
    "style_loss": "i2i.stylize.losses",
    "tv_loss": "i2i.stylize.losses",
    "StylizeSettings": "i2i.stylize.settings",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'i2i.stylize' has no attribute {name!r}")
