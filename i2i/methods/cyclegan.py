"""CycleGAN (Zhu et al. 2017), faithful to the reference implementation.

G_A: A->B, G_B: B->A; D_A judges domain-B images, D_B domain-A images. Generator step:
GAN terms through frozen discriminators, cycle terms (lambda per direction) and the
identity term (identity * lambda). Discriminator step: real vs a fake drawn from the image
pool, loss halved. Switches in ``loss.*`` give the ablations of the paper (GAN alone,
cycle alone, one cycle direction) with no code copies; terms that are off are not computed.

The cycle, identity and TV losses are translation loss terms (``i2i.losses.terms``) built
from those settings; ``loss.terms`` adds any other term (e.g. ``scl``, the
spatially-correlative loss), fed the translation of each direction (source, result and the
translating generator).
"""

from __future__ import annotations

import torch

from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits


class CycleGAN(Method):
    name = "cyclegan"
    reads = frozenset({"loss.cycle", "loss.lambda_A", "loss.lambda_B", "loss.identity",
                       "loss.forward_cycle", "loss.backward_cycle", "loss.tv_weight"})
    paired = False
    generator_for = {"AtoB": "G_A", "BtoA": "G_B"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d = cfg.data
        self.nets["G_A"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        self.nets["G_B"] = self.build_generator(cfg.generator, d.output_nc, d.input_nc)
        loss = cfg.loss
        self.gan = gan_loss(loss.gan)
        if not training:
            return
        distance = {"weight": 1.0, "params": {"distance": loss.cycle}}  # scaled by lambda
        own = self.build_terms({"cycle": distance, "identity": distance,
                                "tv": {"weight": loss.tv_weight}}, ("result", "target"),
                               where="loss")
        self.own = {t.key: t for t in own}
        self.terms = self.build_terms(loss.terms,
                                      ("source", "result", "generator", "reference"),
                                      generator=self.nets["G_A"])
        self.use_gan = loss.gan_weight > 0
        if self.use_gan:
            self.nets["D_A"] = self.build_discriminator(cfg.discriminator, d.output_nc)
            self.nets["D_B"] = self.build_discriminator(cfg.discriminator, d.input_nc)
            check_fits(self.nets["D_A"], d.crop_size)  # a vanishing patch map fails now
            self.optimizers["D"] = self.make_adam(self.nets["D_A"], self.nets["D_B"])
        self.optimizers["G"] = self.make_adam(self.nets["G_A"], self.nets["G_B"])
        self.pool_a = self.image_pool("pool_a", 1)
        self.pool_b = self.image_pool("pool_b", 2)

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        loss_cfg = self.cfg.loss
        real_a, real_b = self.images_of(batch, "A", "B")
        g_a, g_b = self.net("G_A"), self.net("G_B")
        lam_a, lam_b, lam_idt = loss_cfg.lambda_A, loss_cfg.lambda_B, loss_cfg.identity
        need_fwd_cycle = loss_cfg.forward_cycle and lam_a > 0
        need_bwd_cycle = loss_cfg.backward_cycle and lam_b > 0
        logs: dict[str, torch.Tensor] = {}

        if self.use_gan:
            set_requires_grad([self.nets["D_A"], self.nets["D_B"]], False)
        with self.autocast():
            fake_b = g_a(real_a)
            fake_a = g_b(real_b)
            total = fake_b.new_zeros(())
            if self.use_gan:
                # The bare modules, not DDP views: D is frozen here and must not sync.
                logs["G_A"] = self.g_adversarial("D_A", fake_b)
                logs["G_B"] = self.g_adversarial("D_B", fake_a)
                total = total + loss_cfg.gan_weight * (logs["G_A"] + logs["G_B"])
            pairs = []
            if need_fwd_cycle:
                pairs.append(("cycle", "cycle_A", g_b(fake_b), real_a, lam_a))
            if need_bwd_cycle:
                pairs.append(("cycle", "cycle_B", g_a(fake_a), real_b, lam_b))
            # Identity terms scale with lambda too: with lambda 0 (GAN alone) they are off.
            if lam_idt > 0 and lam_b > 0:
                pairs.append(("identity", "idt_A", g_a(real_b), real_b, lam_b * lam_idt))
            if lam_idt > 0 and lam_a > 0:
                pairs.append(("identity", "idt_B", g_b(real_a), real_a, lam_a * lam_idt))
            for key, log, result, target, weight in pairs:
                logs[log] = self.own[key].term(TermInputs(result=result, target=target)) * weight
                total = total + logs[log]
            if "tv" in self.own:
                tv = self.own["tv"]
                value = tv.term(TermInputs(result=fake_b)) + tv.term(TermInputs(result=fake_a))
                logs["tv"] = tv.weight * value
                total = total + logs["tv"]
            for suffix, src, res, gen, ref in (("_A", real_a, fake_b, "G_A", real_b),
                                               ("_B", real_b, fake_a, "G_B", real_a)):
                inputs = TermInputs(src, res, generator=self.nets[gen], reference=ref)
                value = self.terms_total(self.terms, inputs, logs, suffix)
                if value is not None:
                    total = total + value
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        for src, res, ref in ((real_a, fake_b, real_b), (real_b, fake_a, real_a)):
            self.own_term_steps(self.terms, TermInputs(src, res.detach(), reference=ref), logs)

        if self.use_gan:
            set_requires_grad([self.nets["D_A"], self.nets["D_B"]], True)
            with self.autocast():
                logs["D_A"] = self.d_loss("D_A", real_b, self.pool_b.query(fake_b))
                logs["D_B"] = self.d_loss("D_B", real_a, self.pool_a.query(fake_a))
            self.backward_and_step(logs["D_A"] + logs["D_B"], "D")
        return {k: float(v.detach()) for k, v in logs.items()}

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a = batch["A"].to(self.device)
        real_b = batch["B"].to(self.device)
        fake_b = self.nets["G_A"](real_a)
        fake_a = self.nets["G_B"](real_b)
        return {
            "AtoB": [("real A", real_a), ("fake B", fake_b), ("rec A", self.nets["G_B"](fake_b))],
            "BtoA": [("real B", real_b), ("fake A", fake_a), ("rec B", self.nets["G_A"](fake_a))],
        }



class CycleGANNST(CycleGAN):
    """CycleGAN + NST (``i2i/configs/cyclegan_nst.yaml``): CycleGAN with the content
    (``features``) and ``style`` terms of neural style transfer on each translation."""

    name = "cyclegan_nst"
