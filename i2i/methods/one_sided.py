"""One-sided translation (A -> B only) with a GAN and translation loss terms: CUT, FastCUT
(Park et al. 2020), F-LSeSim ``sc`` (Zheng et al. 2021) and two baselines of the CycleGAN
paper, pixel loss + GAN ``simgan`` (Shrivastava et al. 2017) and feature loss + GAN
``featgan``, are this one method with different default terms
(``i2i/configs/<name>.yaml``).

G: A -> B; D judges domain-B images, the translations through an image pool of
``train.pool_size`` earlier ones (0 for CUT and FastCUT, as their reference; 50 for sc, as
its authors' options, and for the baselines, which the CycleGAN paper trains with its own
settings). Each step updates D (real B vs G(A), ``gan.discriminator_loss``), then G: the GAN
term through the frozen D plus every term of ``loss.terms`` on the translation (source A,
result G(A), generator G). With ``loss.identity`` = s > 0 the terms also see the identity
pass (source B, result G(B)) and the two share the weight: (1 - s) on A, s on B (CUT: s =
0.5, "NCE identity"; FastCUT and sc: 0). ``loss.flip_equivariance`` (FastCUT) flips the
input batch horizontally at random each step; PatchNCE then flips the encoder features of
that translation back (as the paper does), other terms get the translation flipped back to
the source's frame. Trainable terms (PatchNCE's heads) step with G; a term's own update
(LSeSim's contrastive step, on A, the detached G(A) and real B) comes first, before D's, as
in the authors' ``optimize_parameters``.

To add another method of this family, subclass :class:`OneSided` with its ``name`` and add
``i2i/configs/<name>.yaml``; register it in ``methods/builtin.py``.
"""

from __future__ import annotations

import random

import torch

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.patchnce import FLIPPED_RESULT, SOURCE_FEATURES
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.methods.image_pool import rng_state_from_list, rng_state_to_list
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits

FEEDS = ("source", "result", "generator", "reference")


class OneSided(Method):
    name = "one_sided"
    reads = frozenset({"loss.identity", "loss.flip_equivariance"})
    paired = False
    generator_for = {"AtoB": "G"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        self.nets["G"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        if not training:
            return
        if d.input_nc != d.output_nc and loss.identity > 0:
            raise ConfigError("loss.identity needs input_nc == output_nc (G(B) is fed B)")
        if not 0 <= loss.identity <= 1:
            raise ConfigError(f"'loss.identity' is {loss.identity}; for {self.name} it is the "
                              "share of the terms on the identity pass, from 0 to 1")
        self.gan = gan_loss(loss.gan)
        self.nets["D"] = self.build_discriminator(cfg.discriminator, d.output_nc)
        check_fits(self.nets["D"], d.crop_size)
        self.terms = self.build_terms(loss.terms, FEEDS, generator=self.nets["G"])
        if not self.terms and loss.gan_weight == 0:
            raise ConfigError(f"{self.name} has no generator loss: set loss.gan_weight or a "
                              "loss.terms.<name>.weight above 0")
        self.feature_layers = sorted({i for t in self.terms
                                      for i in getattr(t.term, "layers", ())
                                      if isinstance(i, int)}) if self._needs_features() else []
        self.optimizers["D"] = self.make_adam(self.nets["D"])
        self.optimizers["G"] = self.make_adam(self.nets["G"])
        self.flip_rng = random.Random(cfg.train.seed * 7 + 3)
        self.pool = self.image_pool("pool", 2)

    def _needs_features(self) -> bool:
        return any("generator" in t.term.needs for t in self.terms)

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        cfg = self.cfg.loss
        real_a, real_b = self.images_of(batch, "A", "B")
        share = cfg.identity
        flipped = cfg.flip_equivariance and self.flip_rng.random() < 0.5
        g = self.net("G")
        logs: dict[str, torch.Tensor] = {}
        real = torch.cat([real_a, real_b]) if share > 0 else real_a
        if flipped:
            real = torch.flip(real, [3])

        with self.autocast():
            if self.feature_layers:  # source features come out of the same forward pass
                fake, feats = g(real, feature_layers=self.feature_layers)
            else:
                fake, feats = g(real), None
        n = real_a.shape[0]
        fake_b = fake[:n]
        # LSeSim's heads learn first, on this step's translation (the authors' order: F, D, G)
        own = torch.flip(fake_b, [3]) if flipped else fake_b  # in the source's frame
        self.own_term_steps(self.terms, TermInputs(real_a, own.detach(), reference=real_b),
                            logs)

        # D first, as in the references: real B against the detached translation
        set_requires_grad([self.nets["D"]], True)
        with self.autocast():
            logs["D"] = self.d_loss("D", real_b, self.pool.query(fake_b))
        self.backward_and_step(logs["D"], "D")

        set_requires_grad([self.nets["D"]], False)
        with self.autocast():
            total = fake_b.new_zeros(())
            if cfg.gan_weight > 0:
                logs["G_GAN"] = self.g_adversarial("D", fake_b)
                total = total + cfg.gan_weight * logs["G_GAN"]
            bare = self.nets["G"]
            for part, (src, res, scale, suffix) in enumerate((
                    (real_a, fake_b, 1 - share, ""),
                    (real_b, fake[n:], share, "_idt"))):
                if scale == 0:
                    continue
                inputs = TermInputs(src, torch.flip(res, [3]) if flipped else res,
                                    generator=bare, reference=real_b)
                if flipped:
                    inputs.cache[FLIPPED_RESULT] = res
                if feats is not None and not flipped:  # else they are of the flipped source
                    inputs.cache[SOURCE_FEATURES] = self._source_features(feats, part, n)
                value = self.terms_total(self.terms, inputs, logs, suffix, scale)
                if value is not None:
                    total = total + value
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        return {k: float(v.detach()) for k, v in logs.items()}

    def _source_features(self, feats, part: int, n: int):
        """The forward's features of one part (A or B), looked up by layer index."""
        chosen = [f[:n] if part == 0 else f[n:] for f in feats]
        return _LayerLookup(zip(self.feature_layers, chosen, strict=True))

    def extra_state(self) -> dict:
        """The flip RNG, so a resumed FastCUT run flips the same steps as an uninterrupted
        one (Python's Random state as plain lists, which weights_only loading accepts)."""
        if not self.training:
            return {}
        return {**super().extra_state(), "flip_rng": rng_state_to_list(self.flip_rng)}

    def load_extra_state(self, state: dict) -> None:
        super().load_extra_state(state)
        if self.training and "flip_rng" in state:
            rng_state_from_list(self.flip_rng, state["flip_rng"])

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a = batch["A"].to(self.device)
        real_b = batch["B"].to(self.device)
        g = self.nets["G"]
        return {"AtoB": [("real A", real_a), ("fake B", g(real_a)),
                         ("real B", real_b), ("G(B)", g(real_b))]}


class _LayerLookup(dict):
    """Source features by generator layer index; a term asks for its own layer list."""

    def for_layers(self, layers) -> list[torch.Tensor]:
        return [self[i] for i in layers]


class CUT(OneSided):
    name = "cut"


class FastCUT(OneSided):
    name = "fastcut"


class SpatiallyCorrelativeGAN(OneSided):
    name = "sc"


class PixelLossGAN(OneSided):
    """GAN + lambda * L1(G(x), x), the CycleGAN paper's "pixel loss + GAN" baseline after
    SimGAN's self-regularisation (``loss.terms.self_reg``)."""

    name = "simgan"


class FeatureLossGAN(OneSided):
    """GAN + lambda * L1 between VGG16 relu4_2 features of G(x) and x, the CycleGAN paper's
    "feature loss + GAN" baseline (``loss.terms.features``)."""

    name = "featgan"
