"""The style loss of neural style transfer (Gatys et al. 2016) as a translation term: the
Gram matrices of a translation's VGG features should match those of real images of the
domain it translates into (CycleGAN+NST; the content half is the ``features`` term).

``reference`` is the batch of real target-domain images the method feeds (for CycleGAN's
G_A the real B batch): its Gram matrices, averaged over the batch, are the domain's style,
and every translation of the batch is compared with them. The VGG and the Gram matrix are
the ones ``i2i stylize`` uses (``nets/vgg.py``, ``stylize/losses.py``); the network is
frozen and never saved in checkpoints.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from i2i.errors import ConfigError
from i2i.losses.terms import LossTerm, TermContext, TermInputs
from i2i.nets.vgg import check_layers, frozen_vgg, layer_names, min_size_for
from i2i.stylize.losses import gram_matrix

STYLE_LAYERS = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]  # Gatys et al.


class Style(LossTerm):
    """Weighted mean squared difference of Gram matrices, layer by layer."""

    needs = ("result", "reference")

    def __init__(self, ctx: TermContext, network: str = "vgg19",
                 layers: list = STYLE_LAYERS, layer_weights: list | None = None) -> None:
        super().__init__(ctx)
        layers = list(layers)
        try:
            check_layers(network, layers)
        except ConfigError as err:  # the same message, with where to fix it
            raise ConfigError(f"{ctx.where}.params.layers: {err}") from None
        weights = [1.0] * len(layers) if layer_weights is None else list(layer_weights)
        if len(weights) != len(layers) or any(w < 0 for w in weights):
            raise ConfigError(f"{ctx.where}.params.layer_weights needs one weight >= 0 per "
                              f"layer ({len(layers)}: {', '.join(layers)})")
        size = ctx.cfg.data.crop_size
        deepest = max(layers, key=layer_names(network).index)
        if size < min_size_for(network, layers):
            raise ConfigError(f"{ctx.where}: style layer {deepest} needs --size of at least "
                              f"{min_size_for(network, layers)} px, got {size}")
        self.layers, self.layer_weights = layers, weights
        # a plain attribute, not a submodule: frozen and never written into checkpoints
        self.__dict__["vgg"] = frozen_vgg(network, deepest, ctx.device)

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        with torch.no_grad():  # the domain's style: a fixed target for this step
            ref = self.vgg.of_tanh_images(inputs.reference, self.layers)
        found = self.vgg.of_tanh_images(inputs.result, self.layers)
        total = 0.0
        with torch.autocast(inputs.result.device.type, enabled=False):  # Grams in fp32
            for name, weight in zip(self.layers, self.layer_weights, strict=True):
                target = gram_matrix(ref[name]).mean(0, keepdim=True)
                gram = gram_matrix(found[name])
                total = total + weight * F.mse_loss(gram, target.expand_as(gram))
        return total
