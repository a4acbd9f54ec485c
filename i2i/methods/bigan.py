"""BiGAN / ALI (Donahue et al. 2017, "Adversarial Feature Learning"; Dumoulin et al. 2017,
"Adversarially Learned Inference") applied to X -> Y, as the CycleGAN paper's baseline
(Zhu et al. 2017, sec. 5.1.1): "we implemented the same objective for mapping a source
image x to a target image y".

G: X -> Y and F: Y -> X (G's inverse, BiGAN's encoder); one discriminator D judges *joint*
pairs, the two images concatenated along channels, X's channels first: it tells
(x, G(x)) (the "real" class; X is the data side and G its encoder, as in BiGAN) from
(F(y), y) ("fake": the pair F makes from a real y). G and F are trained together against D
with the labels swapped, so each pair must pass for the other: their loss is the GAN
criterion's discriminator loss with the fake pair as real and the real pair as fake. Nothing
else ties x to G(x); the CycleGAN paper reports that this fails to translate faithfully,
which is what the baseline shows.

Each step updates G and F first, then D on pairs drawn from image pools of earlier pairs
(CycleGAN's training details, which the paper used for its baselines). ``loss.terms`` add
translation terms, fed (x, G(x), G) and (y, F(y), F).
"""

from __future__ import annotations

import torch

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits


class BiGAN(Method):
    name = "bigan"
    reads = frozenset()
    paired = False
    generator_for = {"AtoB": "G", "BtoA": "F"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d = cfg.data
        self.nets["G"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        self.nets["F"] = self.build_generator(cfg.generator, d.output_nc, d.input_nc)
        if not training:
            return
        if cfg.loss.gan_weight == 0:
            raise ConfigError("bigan is its adversarial loss: loss.gan_weight must be above 0")
        self.gan = gan_loss(cfg.loss.gan)
        # A pair is x's channels then y's, so D is as wide as both (times the pack).
        self.nets["D"] = self.build_discriminator(cfg.discriminator, d.input_nc + d.output_nc)
        check_fits(self.nets["D"], d.crop_size)
        self.terms = self.build_terms(cfg.loss.terms,
                                      ("source", "result", "generator", "reference"),
                                      generator=self.nets["G"])
        self.optimizers["G"] = self.make_adam(self.nets["G"], self.nets["F"])
        self.optimizers["D"] = self.make_adam(self.nets["D"])
        # One pool per pair kind: both hold a generated half, so both get history.
        self.pool_real = self.image_pool("pool_real", 1)
        self.pool_fake = self.image_pool("pool_fake", 2)

    @staticmethod
    def pair(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The joint sample D judges: an X image and a Y image, X's channels first."""
        return torch.cat([x, y], 1)

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        real_x, real_y = self.images_of(batch, "A", "B")
        logs: dict[str, torch.Tensor] = {}

        set_requires_grad([self.nets["D"]], False)
        with self.autocast():
            fake_y = self.net("G")(real_x)
            fake_x = self.net("F")(real_y)
            real_pair = self.pair(real_x, fake_y)  # (x, G(x))
            fake_pair = self.pair(fake_x, real_y)  # (F(y), y)
            # G and F minimise D's loss with the classes swapped (the frozen, bare D).
            pred_real = self.discriminate("D", real_pair, "real", update=False)
            pred_fake = self.discriminate("D", fake_pair, "fake", update=False)
            logs["G_GAN"] = self.gan.discriminator_loss(pred_fake, pred_real)
            total = self.cfg.loss.gan_weight * logs["G_GAN"]
            for suffix, src, res, gen, ref in (("_G", real_x, fake_y, "G", real_y),
                                               ("_F", real_y, fake_x, "F", real_x)):
                inputs = TermInputs(src, res, generator=self.nets[gen], reference=ref)
                value = self.terms_total(self.terms, inputs, logs, suffix)
                if value is not None:
                    total = total + value
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        for src, res in ((real_x, fake_y), (real_y, fake_x)):
            self.own_term_steps(self.terms, TermInputs(src, res.detach()), logs)

        set_requires_grad([self.nets["D"]], True)
        with self.autocast():
            # d_loss detaches only its fake; the real pair holds G's output, so detach here
            logs["D"] = self.d_loss("D", self.pool_real.query(real_pair.detach()),
                                    self.pool_fake.query(fake_pair))
        self.backward_and_step(logs["D"], "D")
        return {k: float(v.detach()) for k, v in logs.items()}

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_x = batch["A"].to(self.device)
        real_y = batch["B"].to(self.device)
        return {"AtoB": [("real A", real_x), ("G(A)", self.nets["G"](real_x))],
                "BtoA": [("real B", real_y), ("F(B)", self.nets["F"](real_y))]}

