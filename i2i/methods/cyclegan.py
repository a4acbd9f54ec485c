"""CycleGAN (Zhu et al. 2017), faithful to the reference implementation.

G_A: A->B, G_B: B->A; D_A judges domain-B images, D_B domain-A images. Generator step:
GAN terms through frozen discriminators, cycle terms (lambda per direction) and the
identity term (identity * lambda). Discriminator step: real vs a fake drawn from the image
pool, loss halved. Switches in ``loss.*`` give the ablations of the paper (GAN alone,
cycle alone, one cycle direction) with no code copies; terms that are off are not computed.
"""

from __future__ import annotations

import torch

from i2i.losses.builtin import gan_loss, recon_loss
from i2i.losses.gan import gradient_penalty
from i2i.losses.reconstruction import total_variation
from i2i.methods.base import Method
from i2i.methods.image_pool import ImagePool
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits


class CycleGAN(Method):
    name = "cyclegan"
    paired = False
    generator_for = {"AtoB": "G_A", "BtoA": "G_B"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d = cfg.data
        self.nets["G_A"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        self.nets["G_B"] = self.build_generator(cfg.generator, d.output_nc, d.input_nc)
        loss = cfg.loss
        self.gan = gan_loss(loss.gan)
        self.cycle = recon_loss(loss.cycle)
        if not training:
            return
        self.use_gan = loss.gan_weight > 0
        if self.use_gan:
            self.nets["D_A"] = self.build_discriminator(cfg.discriminator, d.output_nc)
            self.nets["D_B"] = self.build_discriminator(cfg.discriminator, d.input_nc)
            check_fits(self.nets["D_A"], d.crop_size)  # a vanishing patch map fails now
            self.optimizers["D"] = self.make_adam(self.nets["D_A"], self.nets["D_B"])
        self.optimizers["G"] = self.make_adam(self.nets["G_A"], self.nets["G_B"])
        self.pool_a = ImagePool(cfg.train.pool_size, seed=cfg.train.seed * 2 + 1)
        self.pool_b = ImagePool(cfg.train.pool_size, seed=cfg.train.seed * 2 + 2)

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
                logs["G_A"] = self.gan.generator_loss(self.nets["D_A"](self.d_input(fake_b)))
                logs["G_B"] = self.gan.generator_loss(self.nets["D_B"](self.d_input(fake_a)))
                total = total + loss_cfg.gan_weight * (logs["G_A"] + logs["G_B"])
            if need_fwd_cycle:
                logs["cycle_A"] = self.cycle(g_b(fake_b), real_a) * lam_a
                total = total + logs["cycle_A"]
            if need_bwd_cycle:
                logs["cycle_B"] = self.cycle(g_a(fake_a), real_b) * lam_b
                total = total + logs["cycle_B"]
            # Identity terms scale with lambda too: with lambda 0 (GAN alone) they are off.
            if lam_idt > 0 and lam_b > 0:
                logs["idt_A"] = self.cycle(g_a(real_b), real_b) * lam_b * lam_idt
                total = total + logs["idt_A"]
            if lam_idt > 0 and lam_a > 0:
                logs["idt_B"] = self.cycle(g_b(real_a), real_a) * lam_a * lam_idt
                total = total + logs["idt_B"]
            if loss_cfg.tv_weight > 0:
                tv = total_variation(fake_b) + total_variation(fake_a)
                logs["tv"] = loss_cfg.tv_weight * tv
                total = total + logs["tv"]
        self.backward_and_step(total, "G")

        if self.use_gan:
            set_requires_grad([self.nets["D_A"], self.nets["D_B"]], True)
            with self.autocast():
                logs["D_A"] = self._d_loss("D_A", real_b, self.pool_b.query(fake_b))
                logs["D_B"] = self._d_loss("D_B", real_a, self.pool_a.query(fake_a))
            self.backward_and_step(logs["D_A"] + logs["D_B"], "D")
        return {k: float(v.detach()) for k, v in logs.items()}

    def _d_loss(self, key: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        d = self.net(key)
        fake = fake.detach()
        loss = self.gan.discriminator_loss(d(self.d_input(real)), d(self.d_input(fake)))
        if self.gan.needs_gradient_penalty:
            # The bare module: DDP cannot double-backward, and grads still reach d's params.
            bare = self.nets[key]
            loss = loss + self.cfg.loss.gp_weight * gradient_penalty(bare, real, fake)
        return loss

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

    def extra_state(self) -> dict:
        if not self.training:
            return {}
        return {"pool_a": self.pool_a.state_dict(), "pool_b": self.pool_b.state_dict()}

    def load_extra_state(self, state: dict) -> None:
        if self.training and "pool_a" in state:
            self.pool_a.load_state_dict(state["pool_a"], self.device)
            self.pool_b.load_state_dict(state["pool_b"], self.device)
