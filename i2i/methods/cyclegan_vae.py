"""CycleGAN+VAE: a CycleGAN between the latent maps of a VAE trained first on both domains.

One run, two stages, chosen by the global step (``self.step``, set by the loop), so the
ordinary checkpoints resume either stage exactly and no second command or run folder is
needed:

* **stage 1** (steps ``0 .. options.vae_steps - 1``): the VAE alone (``i2i/nets/vae.py``:
  one conv encoder to an ``options.latent_nc``-channel map ``2**options.vae_downsampling``
  times smaller, and a decoder back) on the images of both domains, batch A and B
  together: ``loss.lambda_recon`` x the ``recon`` term (``loss.recon``, L1) of the decoded
  ``mu + N(0, I)`` plus ``options.kl_weight`` x the ``kl`` term of ``mu`` (unit variance,
  as UNIT; defaults UNIT's recon_x_w 10 and recon_kl_w 0.01, our 0.02, see
  latent_terms.py);
* **stage 2** (the rest): the VAE is frozen (no gradient, eval mode, its optimiser no longer
  stepped) and a CycleGAN is trained between the latent means of A and B, as
  ``cyclegan.py`` does between images: translators G_A (A->B) and G_B (B->A), small
  ResNets on latent maps (``latent_resnet``); discriminators on latent codes, D_A judging
  B codes and D_B A codes (``latent``: stride-1 3x3 convs, so 4x4 codes are judged); LSGAN,
  ``lambda_A``/``lambda_B`` x L1 cycle in latent space (1 by default, not CycleGAN's 10:
  see ``i2i/configs/cyclegan_vae.yaml``), the identity term, code pools.

Every optimiser (VAE, G, D) exists from the start, so every checkpoint holds all three
states whichever stage it was saved in; the switch changes only which are stepped. The
lr schedule (per epoch) runs over the whole run for all of them. Translation encodes
(mean, no sampling), maps and decodes: A->B is ``decode(G_A(encode(x)))``.

Why one run with stages rather than two commands (train a VAE, then a latent CycleGAN that
loads it): one run folder holds everything translation needs, ``--resume`` works
unchanged anywhere in the schedule, and a run's config records both stages.

To add another latent-space method, reuse :class:`~i2i.nets.vae.ConvVAE` and this stage
rule, and replace :meth:`latent_step`.
"""

from __future__ import annotations

import torch

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import NORMS, set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits
from i2i.nets.sizes import check_side
from i2i.nets.vae import ConvVAE


class CycleGANVAE(Method):
    name = "cyclegan_vae"
    reads = frozenset({"loss.cycle", "loss.lambda_A", "loss.lambda_B", "loss.identity",
                       "loss.forward_cycle", "loss.backward_cycle", "loss.recon",
                       "loss.lambda_recon"})
    paired = False
    # the VAE's encoder sees the input first (inference pads to its size_multiple);
    # translate() below runs encode, map, decode
    generator_for = {"AtoB": "VAE", "BtoA": "VAE"}
    #: stage 1's length in steps, the VAE (``i2i/nets/vae.py``) and the weight of its KL
    #: (``kl`` term; UNIT's recon_kl_w 0.01 on mean(mu^2) is 0.02 here): our choices, see
    #: i2i/configs/cyclegan_vae.yaml
    options = {"vae_steps": 10000, "vae_ngf": 32, "vae_downsampling": 3, "latent_nc": 4,
               "vae_blocks": 1, "vae_norm": "layer", "kl_weight": 0.02}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        self._check_options()
        if d.input_nc != d.output_nc:
            raise ConfigError("cyclegan_vae encodes both domains with one VAE: data.input_nc "
                              f"({d.input_nc}) and data.output_nc ({d.output_nc}) must be equal")
        latent_nc, downs = self.option("latent_nc"), self.option("vae_downsampling")
        vae = ConvVAE(d.input_nc, latent_nc, self.option("vae_ngf"), downs,
                      self.option("vae_blocks"), self.option("vae_norm"))
        # the c7s1 layers reflect-pad 3 px, the residual blocks 1 px of the latent map
        check_side(d.crop_size, vae.size_multiple, max(4, 2 * vae.size_multiple),
                   f"cyclegan_vae's VAE (options.vae_downsampling={downs})")
        self.nets["VAE"] = self._place(vae)
        self.nets["G_A"] = self.build_generator(cfg.generator, latent_nc, latent_nc)
        self.nets["G_B"] = self.build_generator(cfg.generator, latent_nc, latent_nc)
        self.gan = gan_loss(loss.gan)
        if not training:
            return
        self.vae_steps = self.option("vae_steps")
        _check_stages(cfg)
        distance = {"weight": 1.0, "params": {"distance": loss.cycle}}  # scaled by lambda
        self.own = {t.key: t for t in self.build_terms(
            {"recon": {"weight": loss.lambda_recon, "params": {"distance": loss.recon}},
             "kl": {"weight": self.option("kl_weight")}, "cycle": distance,
             "identity": distance},
            ("result", "target", "mu"), where="loss")}
        self.use_gan = loss.gan_weight > 0
        if self.use_gan:
            self.nets["D_A"] = self.build_discriminator(cfg.discriminator, latent_nc)
            self.nets["D_B"] = self.build_discriminator(cfg.discriminator, latent_nc)
            _check_discriminator_fits(cfg, self.nets["D_A"], d.crop_size // vae.size_multiple,
                                      downs)
            self.optimizers["D"] = self.make_adam(self.nets["D_A"], self.nets["D_B"])
        self.optimizers["VAE"] = self.make_adam(self.nets["VAE"])
        self.optimizers["G"] = self.make_adam(self.nets["G_A"], self.nets["G_B"])
        self.pool_a = self.image_pool("pool_a", 1)
        self.pool_b = self.image_pool("pool_b", 2)

    def _check_options(self) -> None:
        """Each option's range, in one line (their types the base class checks)."""
        for key, low in (("vae_steps", 1), ("vae_ngf", 1), ("vae_downsampling", 1),
                         ("latent_nc", 1), ("vae_blocks", 0), ("kl_weight", 0)):
            if self.option(key) < low:
                raise ConfigError(f"'options.{key}' is {self.option(key)}; it must be >= {low}")
        if self.option("vae_norm") not in NORMS:
            raise ConfigError(f"'options.vae_norm' is {self.option('vae_norm')!r}; choose one "
                              f"of: {', '.join(NORMS)}")

    def check_run(self, total_steps: int) -> None:
        if self.vae_steps >= total_steps:
            per_epoch = total_steps // max(1, self.cfg.total_epochs)
            raise ConfigError(
                f"options.vae_steps is {self.vae_steps} but the run has {total_steps} steps "
                f"({self.cfg.total_epochs} epochs of {per_epoch}), so stage 2 (the latent "
                "CycleGAN) would never train; lower options.vae_steps or raise --epochs")

    # ------------------------------------------------------------------ stages
    @property
    def stage(self) -> int:
        """1 while the VAE trains, 2 after: a function of the global step alone."""
        return 1 if self.step < self.vae_steps else 2

    def training_step(self, batch: dict) -> dict[str, float]:
        real_a, real_b = self.images_of(batch, "A", "B")
        if self.stage == 1:
            return self.vae_step(torch.cat([real_a, real_b]))
        vae = self.nets["VAE"]
        set_requires_grad(vae, False)  # frozen from here on, also after a resume
        vae.eval()  # and its batch-norm statistics (options.vae_norm=batch) with it
        with torch.no_grad(), self.autocast():
            z_a, z_b = vae.encode(real_a), vae.encode(real_b)
        return self.latent_step(z_a, z_b)

    def vae_step(self, real: torch.Tensor) -> dict[str, float]:
        """Stage 1: reconstruction of the noisy code plus its KL, on both domains' images."""
        with self.autocast():
            rec, mu = self.net("VAE")(real)
            logs = {"vae_recon": self.own["recon"].weight * self.own["recon"].term(
                TermInputs(result=rec, target=real))}
            if "kl" in self.own:
                logs["vae_kl"] = self.own["kl"].weight * self.own["kl"].term(TermInputs(mu=mu))
        self.backward_and_step(sum(logs.values()), "VAE")
        return {k: float(v.detach()) for k, v in logs.items()}

    def latent_step(self, z_a: torch.Tensor, z_b: torch.Tensor) -> dict[str, float]:
        """Stage 2: one CycleGAN step between latent codes (G first, then D on pooled codes)."""
        loss = self.cfg.loss
        g_a, g_b = self.net("G_A"), self.net("G_B")
        lam_a = loss.lambda_A if loss.forward_cycle else 0.0
        lam_b = loss.lambda_B if loss.backward_cycle else 0.0
        logs: dict[str, torch.Tensor] = {}
        if self.use_gan:
            set_requires_grad([self.nets["D_A"], self.nets["D_B"]], False)
        with self.autocast():
            fake_b, fake_a = g_a(z_a), g_b(z_b)
            total = fake_b.new_zeros(())
            if self.use_gan:
                logs["G_A"] = self.g_adversarial("D_A", fake_b)
                logs["G_B"] = self.g_adversarial("D_B", fake_a)
                total = total + loss.gan_weight * (logs["G_A"] + logs["G_B"])
            pairs = []
            if lam_a > 0:
                pairs.append(("cycle", "cycle_A", g_b(fake_b), z_a, lam_a))
            if lam_b > 0:
                pairs.append(("cycle", "cycle_B", g_a(fake_a), z_b, lam_b))
            if loss.identity > 0 and lam_b > 0:
                pairs.append(("identity", "idt_A", g_a(z_b), z_b, lam_b * loss.identity))
            if loss.identity > 0 and lam_a > 0:
                pairs.append(("identity", "idt_B", g_b(z_a), z_a, lam_a * loss.identity))
            for key, log, result, target, weight in pairs:
                logs[log] = weight * self.own[key].term(TermInputs(result=result, target=target))
                total = total + logs[log]
        self.backward_and_step(total, "G")
        if self.use_gan:
            set_requires_grad([self.nets["D_A"], self.nets["D_B"]], True)
            with self.autocast():
                logs["D_A"] = self.d_loss("D_A", z_b, self.pool_b.query(fake_b))
                logs["D_B"] = self.d_loss("D_B", z_a, self.pool_a.query(fake_a))
            self.backward_and_step(logs["D_A"] + logs["D_B"], "D")
        return {k: float(v.detach()) for k, v in logs.items()}

    # ------------------------------------------------------------------ outputs
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        if direction not in self.generator_for:
            raise ConfigError(f"cyclegan_vae translates AtoB or BtoA, not '{direction}'")
        vae = self.nets["VAE"]
        g = self.nets["G_A" if direction == "AtoB" else "G_B"]
        return vae.decode(g(vae.encode(x)))

    def export_net(self, direction: str = "AtoB") -> torch.nn.Module:
        """The path translate runs: VAE encoder, the direction's latent map, VAE decoder."""
        super().export_net(direction)  # checks the direction
        vae = self.nets["VAE"]
        g = self.nets["G_A" if direction == "AtoB" else "G_B"]
        return torch.nn.Sequential(vae.encoder, g, vae.decoder)

    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        vae = self.nets["VAE"]
        rows = {}
        for direction, key, there, back in (("AtoB", "A", "G_A", "G_B"),
                                            ("BtoA", "B", "G_B", "G_A")):
            real = batch[key].to(self.device)
            z = vae.encode(real)
            fake = self.nets[there](z)
            rows[direction] = [(f"real {key}", real), (f"VAE rec {key}", vae.decode(z)),
                               ("translated", vae.decode(fake)),
                               ("cycle", vae.decode(self.nets[back](fake)))]
        return rows



def _check_stages(cfg) -> None:
    """Stage settings that would leave a stage with nothing to learn, in one line each."""
    loss = cfg.loss
    if loss.lambda_recon <= 0:
        raise ConfigError("cyclegan_vae's stage 1 trains the VAE on loss.lambda_recon x the "
                          "reconstruction loss; it is 0, so the VAE would learn nothing: set "
                          "it above 0")
    cycles = (loss.forward_cycle and loss.lambda_A > 0) or (loss.backward_cycle and
                                                              loss.lambda_B > 0)
    if loss.gan_weight <= 0 and not cycles:
        raise ConfigError("cyclegan_vae's stage 2 has no loss: set loss.gan_weight or "
                          "loss.lambda_A/lambda_B above 0")
    active = [k for k, spec in loss.terms.items()
              if not (isinstance(spec, dict) and spec.get("weight") == 0) and spec != 0]
    if active:
        raise ConfigError(f"cyclegan_vae takes no loss.terms (its translations are latent "
                          f"codes, not images); remove loss.terms.{active[0]}")


def _check_discriminator_fits(cfg, net, side: int, downs: int) -> None:
    """The discriminators judge latent maps ``side`` px wide, not images."""
    try:
        check_fits(net, side)
    except ConfigError:
        raise ConfigError(
            f"discriminator '{cfg.discriminator.name}' cannot judge the {side}x{side} latent "
            f"maps of {cfg.data.crop_size} px images (options.vae_downsampling={downs}); use "
            "discriminator.name=latent (the default) or a larger --size") from None
