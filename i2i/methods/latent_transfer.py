"""Latent-features transfer (the thesis behind this project, sections 3.1 and 4.2.1): learn,
from paired images, how the VGG features of an A image turn into those of its B partner;
translate by optimising an image towards the translated features, as style transfer does.

Training (paired data): frozen VGG features of A and of B at the content layer (conv3_2)
and the style layers (conv1_1 ... conv5_1); a translator per layer
(``nets/feature_translator.py``) maps A's features. Loss: ``content_weight`` x the mean
squared difference at the content layer + ``style_weight`` x the weighted Gram-matrix
difference at the style layers (layer weights 0.5, 1.0, 1.5, 3.0, 4.0, normalised to sum 1
as ``i2i stylize`` does). The thesis states a content:style ratio of 10^5; we read it as
the ratio between the two weights with style the larger (``style_weight`` = 1e5 x
``content_weight``), since a normalised Gram difference is orders of magnitude smaller than
a feature difference (``i2i stylize`` weighs style 1e7 for the same reason).

Translation: each image is its own optimisation with ``i2i stylize``'s optimiser and
objective (content and Gram targets from the translated features, a little TV), starting
from the input image: ``options.translate_steps`` steps of ``translate_optimizer``
(``lbfgs``, whose step size is fixed as in ``i2i stylize``, or ``adam`` with
``translate_lr``).
``on_translate_step`` (set by ``i2i translate``) is called after every step, for a progress
bar per image.

``options.residual`` (default on; not in the thesis) makes each translator the identity
plus a learned change that starts at zero: measured on builtin:toy_paired (32 px, VGG16,
150 steps at lr 1e-2), the thesis's plain translators start 3.7x further from B's features
than the identity map and are still 2.7x further after training, residual ones start at
the identity and end at 0.58x of it. ``options.residual=false`` gives the plain design.

The VGG is frozen and not saved; only the translators are (``nets["T"]``). VGG19 is the
thesis's network; ``options.network=vgg16`` runs on VGG16 (these machines have only that).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from i2i.errors import ConfigError
from i2i.methods.base import Method
from i2i.nets.feature_translator import FeatureTranslator
from i2i.nets.vgg import WIDTHS, check_layers, frozen_vgg, layer_names, min_size_for
from i2i.stylize.losses import content_loss, gram_matrix, style_loss
from i2i.stylize.optimize import optimize_pixels
from i2i.stylize.settings import OPTIMIZERS, StylizeSettings
from i2i.stylize.transfer import make_objective


class LatentTransfer(Method):
    tileable = False  # each image is refined by optimisation as a whole
    name = "latent_transfer"
    reads = frozenset()
    paired = True
    generator_for = {"AtoB": "T"}
    options = {
        "network": "vgg19",
        "content_layer": "conv3_2",
        "style_layers": ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"],
        "style_layer_weights": [0.5, 1.0, 1.5, 3.0, 4.0],
        "content_weight": 1.0,
        "style_weight": 1e5,
        "residual": True,
        "translate_steps": 100,
        "translate_optimizer": "lbfgs",
        "translate_lr": 0.02,
        "tv_weight": 1e-3,
    }

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        network, content = self.option("network"), self.option("content_layer")
        style = list(self.option("style_layers"))
        weights = list(self.option("style_layer_weights"))
        check_layers(network, [content, *style])
        if len(weights) != len(style) or any(w < 0 for w in weights) or not sum(weights):
            raise ConfigError(f"options.style_layer_weights needs one weight >= 0 per style "
                              f"layer ({len(style)}: {', '.join(style)}), not all 0")
        for key in ("content_weight", "style_weight", "tv_weight", "translate_lr"):
            if self.option(key) < 0:
                raise ConfigError(f"'options.{key}' is {self.option(key)}; it must be >= 0")
        if self.option("translate_steps") < 1:
            raise ConfigError(f"'options.translate_steps' is {self.option('translate_steps')}; "
                              "translation is an optimisation and needs at least 1 step")
        if self.option("translate_optimizer") not in OPTIMIZERS:
            raise ConfigError(f"'options.translate_optimizer' is "
                              f"{self.option('translate_optimizer')!r}; choose one of: "
                              f"{', '.join(OPTIMIZERS)}")
        if cfg.loss.terms or cfg.discriminator.pack > 1:
            raise ConfigError("latent_transfer trains feature translators on its own "
                              "objective (options.*): it takes no loss.terms and has no "
                              "discriminator to pack")
        if cfg.data.input_nc != 3 or cfg.data.output_nc != 3:
            raise ConfigError("latent_transfer works on RGB images (VGG features); set "
                              "data.input_nc and data.output_nc to 3")
        need = min_size_for(network, [content, *style])
        if cfg.data.crop_size < need:
            raise ConfigError(f"latent_transfer's layers need --size of at least {need} px, "
                              f"got {cfg.data.crop_size}; raise --size or use shallower "
                              "options.style_layers")
        self.content_layer, self.style_layers = content, style
        self.layers = list(dict.fromkeys([content, *style]))
        total = sum(weights)
        self.style_weights = {n: w / total for n, w in zip(style, weights, strict=True)}
        self.settings = StylizeSettings(
            network=network, pooling="max", content_layer=content, style_layers=tuple(style),
            layer_weights=tuple(weights), content_weight=self.option("content_weight"),
            style_weight=self.option("style_weight"), tv_weight=self.option("tv_weight"))
        deepest = max(self.layers, key=layer_names(network).index)
        # frozen, not a net of the method: never saved, never trained
        self.vgg = frozen_vgg(network, deepest, device)
        widths = {n: WIDTHS[int(n[4]) - 1] for n in self.layers}
        self.nets["T"] = self._place(FeatureTranslator(widths, self.option("residual")))
        if self.option("residual"):
            for translator in self.nets["T"].translators.values():
                translator.zero_last_scale()
        self.on_translate_step: Callable[[int, int], None] | None = None
        if training:
            self.optimizers["T"] = self.make_adam(self.nets["T"])

    def _features(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.vgg.of_tanh_images(images, self.layers)

    def feature_losses(self, translated: dict, target: dict) -> dict[str, torch.Tensor]:
        """The weighted content and style losses, in fp32 (small Gram differences)."""
        translated = {n: f.float() for n, f in translated.items()}
        with torch.autocast(next(iter(translated.values())).device.type, enabled=False):
            content = content_loss(translated[self.content_layer], target[self.content_layer])
            grams = {n: gram_matrix(target[n]) for n in self.style_layers}
            style = style_loss(translated, grams, self.style_weights)
        return {"content": self.option("content_weight") * content,
                "style": self.option("style_weight") * style}

    def training_step(self, batch: dict) -> dict[str, float]:
        real_a, real_b = self.images_of(batch, "A", "B")
        with torch.no_grad():
            feats_a, feats_b = self._features(real_a), self._features(real_b)
        with self.autocast():
            logs = self.feature_losses(self.net("T")(feats_a), feats_b)
        self.backward_and_step(logs["content"] + logs["style"], "T")
        return {k: float(v.detach()) for k, v in logs.items()}

    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """Each image optimised from itself towards its translated features."""
        if direction not in self.generator_for:
            raise ConfigError(f"latent_transfer translates AtoB only, not '{direction}'")
        outputs = []
        # i2i translate runs under inference_mode; this translation is an optimisation
        with torch.inference_mode(False), torch.enable_grad():
            for image in x:
                outputs.append(self._optimise(image[None].clone(),
                                              self.option("translate_steps")))
        return torch.cat(outputs)

    def export_net(self, direction: str = "AtoB") -> torch.nn.Module:
        raise ConfigError("latent_transfer cannot be exported as one feed-forward net: each "
                          "translation is an optimisation of the image; translate with "
                          "`i2i translate`")

    def _optimise(self, image: torch.Tensor, steps: int) -> torch.Tensor:
        with torch.no_grad():
            translated = self.nets["T"](self._features(image))
            grams = {n: gram_matrix(translated[n]) for n in self.style_layers}
            content = translated[self.content_layer]
        objective = make_objective(self.vgg, self.settings, grams, content)

        def on_step(report, _image):
            if self.on_translate_step is not None:
                self.on_translate_step(report.step, steps)

        out, _ = optimize_pixels((image + 1) / 2, objective, steps,
                                 self.option("translate_optimizer"),
                                 self.option("translate_lr"), on_step=on_step)
        return out * 2 - 1

    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        """One pair, its translation optimised for a few steps only (samples are a glance
        during training, not the result)."""
        real_a = batch["A"][:1].to(self.device)
        with torch.enable_grad():
            fake_b = self._optimise(real_a.clone(), min(20, self.option("translate_steps")))
        return {"AtoB": [("real A", real_a), ("fake B", fake_b),
                         ("real B", batch["B"][:1].to(self.device))]}
