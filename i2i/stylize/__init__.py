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

from i2i.nets.vgg import VGGFeatures, layer_names, load_vgg
from i2i.stylize.losses import content_loss, gram_matrix, style_loss, tv_loss
from i2i.stylize.settings import StylizeSettings

__all__ = [
    "StylizeSettings",
    "VGGFeatures",
    "content_loss",
    "gram_matrix",
    "layer_names",
    "load_vgg",
    "style_loss",
    "tv_loss",
]
