"""The ``features`` term: distance between frozen VGG16 features of ``source`` and
``result`` (a "perceptual" or "content" loss).

Two uses in i2i: the CycleGAN paper's "feature loss + GAN" baseline (a SimGAN variant whose
L1 self-regularisation is computed on VGG16 relu4_2 features instead of pixels, Zhu et al.
2017, sec. 5.1.1), and DTN's f-constancy, d(f(x), f(G(x))) with f a fixed pretrained
encoder and d the MSE (Taigman et al. 2017, eq. 5; ``methods/dtn.py``).

Params: ``network`` (``vgg16``, the default, or ``vgg19``), ``layers`` (VGG layer names,
``conv4_2`` by default: the CycleGAN paper's relu4_2; a name means the ReLU output of
that convolution, see ``nets/vgg.py``) and
``distance``: ``l1`` (default, as that baseline) or ``l2`` (mean squared error, as DTN).
The value is the mean over ``layers`` of the mean elementwise distance. Source features are
constants (no gradient reaches the source); the result's carry the gradient to whatever
made it. The VGG is frozen and kept out of checkpoints.

To add another frozen-network distance, subclass :class:`FeatureDistance` (or
``LossTerm``) and register it in ``losses/builtin.py``'s ``register_terms``.
"""

from __future__ import annotations

import torch

from i2i.errors import ConfigError
from i2i.losses.reconstruction import l1, l2
from i2i.losses.terms import LossTerm, TermContext, TermInputs
from i2i.nets.vgg import check_layers, frozen_vgg, layer_names, min_size_for

NETWORKS = ("vgg16", "vgg19")
DEFAULT_LAYERS = ["conv4_2"]  # read, never changed
DISTANCES = {"l1": l1, "l2": l2}


class FeatureDistance(LossTerm):
    """``mean over layers of distance(vgg(result), vgg(source))`` (module docstring)."""

    needs = ("source", "result")

    def __init__(self, ctx: TermContext, layers: list = DEFAULT_LAYERS,
                 distance: str = "l1", network: str = "vgg16") -> None:
        super().__init__(ctx)
        where = ctx.where
        if network not in NETWORKS:
            raise ConfigError(f"'{where}.params.network' is {network!r}; choose one of: "
                              f"{', '.join(NETWORKS)}")
        self.network = network
        self.layers = list(layers)
        if not self.layers:
            raise ConfigError(f"'{where}.params.layers' is empty; name at least one VGG "
                              f"layer, e.g. {DEFAULT_LAYERS[0]}")
        try:
            check_layers(network, self.layers)
        except ConfigError as err:  # the same message, with where to fix it
            raise ConfigError(f"{where}.params.layers: {err}") from None
        if distance not in DISTANCES:
            raise ConfigError(f"'{where}.params.distance' is {distance!r}; choose one of: "
                              f"{', '.join(DISTANCES)}")
        self.distance_name, self.distance = distance, DISTANCES[distance]
        _check_fits(ctx, network, self.layers)
        deepest = max(self.layers, key=layer_names(network).index)
        # A plain attribute, not a submodule: frozen and never written into checkpoints.
        # Weights via the registry (I2I_WEIGHTS_DIR or the cache; a one-line error that says
        # how to get them if absent).
        self.__dict__["vgg"] = frozen_vgg(network, deepest, ctx.device)

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """VGG activations of ``layers`` for images in [-1, 1] (grey repeated to RGB)."""
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        found = self.vgg.of_tanh_images(images, self.layers)
        return [found[name] for name in self.layers]

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        with torch.no_grad():  # the source is what the result must keep: a constant
            source = self.features(inputs.source)
        result = self.features(inputs.result)
        total = sum(self.distance(r, s) for r, s in zip(result, source, strict=True))
        return total / len(self.layers)


def _check_fits(ctx: TermContext, network: str, layers: list[str]) -> None:
    """VGG takes RGB (grey is repeated), and every layer's map must exist at --size."""
    data = ctx.cfg.data
    for key in ("input_nc", "output_nc"):
        channels = getattr(data, key)
        if channels not in (1, 3):
            raise ConfigError(f"{ctx.where} compares VGG features of RGB or grey images, "
                              f"but data.{key} is {channels}; use 3 (or 1) channels or "
                              f"set {ctx.where}.weight=0")
    need = min_size_for(network, layers)
    if data.crop_size < need:
        deepest = max(layers, key=layer_names(network).index)
        raise ConfigError(f"{ctx.where}: {network} {deepest} needs images of at least {need} "
                          f"px, but --size is {data.crop_size}; choose a shallower layer "
                          f"in {ctx.where}.params.layers or raise --size")
