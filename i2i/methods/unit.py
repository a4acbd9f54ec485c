"""UNIT (Liu, Breuel & Kautz 2017, "Unsupervised Image-to-Image Translation Networks").

Two VAE-GANs that share a latent space: encoders E_A, E_B whose last layers are one shared
module (``E_shared``) and decoders G_A, G_B whose first layers are one shared module
(``G_shared``); each shared module is used by both domains' paths and kept once in
``self.nets`` (so it is saved, optimised and DDP-synced once). The latent is Gaussian with
unit variance: ``z = mu + N(0, I)``, ``mu = E_shared(E_X(x))``. Translation A->B is
``G_B(G_shared(mu_A))`` of the mean, with no sampling; B->A likewise.

One step (the authors' ``UNIT_Trainer``: D first, then G) on real a, b:

* codes ``z_a``, ``z_b``; reconstructions ``G_A(z_a)``, ``G_B(z_b)``; translations
  ``fake_b = G_B(z_a)``, ``fake_a = G_A(z_b)``;
* D step: D_A judges domain A (real a against ``fake_a``), D_B domain B (UNIT's naming,
  not CycleGAN's), through the image pool when ``train.pool_size`` > 0; each D's loss is
  the sum of its real and fake terms, as the authors' (CycleGAN halves it);
* G step: ``loss.gan_weight`` x GAN terms through the frozen Ds, ``loss.lambda_recon`` x
  L1 reconstruction (the ``recon`` term), ``options.kl_weight`` x KL of ``mu_a`` and
  ``mu_b`` (the ``kl`` term), and the cycle: encode each translation again (``mu_aba``
  from fake_b), decode it back to its own domain, ``loss.lambda_A``/``lambda_B`` x L1 to
  the input (the ``cycle`` term) plus ``options.kl_cycle_weight`` x KL of those codes.

Defaults (``i2i/configs/unit.yaml``) are the authors' PyTorch configs (mingyuliutw/UNIT,
``configs/unit_*_folder.yaml``): gan_w 1, recon_x_w 10, recon_kl_w 0.01, recon_x_cyc_w
10, recon_kl_cyc_w 0.01, LSGAN, Adam lr 1e-4 (0.5, 0.999), batch 1; their KL is
``mean(mu**2)``, twice our ``kl`` term, so their 0.01 is our 0.02. Differences: a 70x70
PatchGAN (``build_discriminator``, any registered one) instead of their three-scale
discriminator, no Adam weight decay (their 1e-4), and our per-epoch lr schedule.
``loss.terms`` adds any other term, fed each translation (source, result, generator: the
decoder of the target domain, and reference: the real batch of that domain).

To add a method of this family (a shared latent space with other losses), subclass
:class:`UNIT` and override :meth:`generator_losses`.
"""

from __future__ import annotations

import torch

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits
from i2i.nets.sizes import check_side
from i2i.nets.unit_nets import unit_nets

NETS = "unit"  # the value generator.name takes: UNIT builds its own encoder/decoder pairs
GENERATOR_KEYS = ("E_A", "E_B", "E_shared", "G_shared", "G_A", "G_B")


class UNIT(Method):
    name = "unit"
    reads = frozenset({"loss.cycle", "loss.lambda_A", "loss.lambda_B", "loss.recon",
                       "loss.lambda_recon"})
    paired = False
    # the encoders see the input first: inference pads to their size_multiple;
    # translate() below runs the whole path
    generator_for = {"AtoB": "E_A", "BtoA": "E_B"}
    d_loss_halved = False  # the authors' calc_dis_loss sums the fake and the real term
    #: the weights of the KL of the codes of real images (recon_kl_w) and of translations
    #: (recon_kl_cyc_w): the authors' 0.01 on mean(mu^2), our 0.02 on the ``kl`` term
    options = {"kl_weight": 0.02, "kl_cycle_weight": 0.02}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        for key in self.options:
            if self.option(key) < 0:
                raise ConfigError(f"'options.{key}' is {self.option(key)}; it must be >= 0")
        parts = self._place(build_unit_nets(cfg))
        for key, part in zip(GENERATOR_KEYS, (parts.enc_a, parts.enc_b, parts.enc_shared,
                                              parts.dec_shared, parts.dec_a, parts.dec_b),
                             strict=True):
            self.nets[key] = part
        self.gan = gan_loss(loss.gan)
        if not training:
            return
        self.nets["D_A"] = self.build_discriminator(cfg.discriminator, d.input_nc)
        self.nets["D_B"] = self.build_discriminator(cfg.discriminator, d.output_nc)
        check_fits(self.nets["D_A"], d.crop_size)
        self.own = {t.key: t for t in self.build_terms(
            {"recon": {"weight": loss.lambda_recon, "params": {"distance": loss.recon}},
             "cycle": {"weight": 1.0, "params": {"distance": loss.cycle}},  # x lambda_A/B
             "kl": {"weight": self.option("kl_weight")},
             "kl_cycle": {"weight": self.option("kl_cycle_weight"), "name": "kl"}},
            ("result", "target", "mu"), where="loss")}
        self.terms = self.build_terms(loss.terms, ("source", "result", "generator", "reference"),
                                      generator=self.nets["G_B"])
        self.optimizers["D"] = self.make_adam(self.nets["D_A"], self.nets["D_B"])
        self.optimizers["G"] = self.make_adam(*(self.nets[k] for k in GENERATOR_KEYS))
        self.pool_a = self.image_pool("pool_a", 1)
        self.pool_b = self.image_pool("pool_b", 2)

    # ------------------------------------------------------------------ the two paths
    def encode(self, x: torch.Tensor, domain: str, bare: bool = False) -> torch.Tensor:
        """The latent mean ``mu`` of images of ``domain`` ("A" or "B")."""
        net = self.nets.__getitem__ if bare else self.net
        return net("E_shared")(net(f"E_{domain}")(x))

    def decode(self, z: torch.Tensor, domain: str, bare: bool = False) -> torch.Tensor:
        """Images of ``domain`` from latent codes ``z``."""
        net = self.nets.__getitem__ if bare else self.net
        return net(f"G_{domain}")(net("G_shared")(z))

    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        if direction not in self.generator_for:
            raise ConfigError(f"unit translates AtoB or BtoA, not '{direction}'")
        source, target = ("A", "B") if direction == "AtoB" else ("B", "A")
        return self.decode(self.encode(x, source, bare=True), target, bare=True)

    def export_net(self, direction: str = "AtoB") -> torch.nn.Module:
        """The path translate runs: source encoder, shared layers, target decoder."""
        super().export_net(direction)  # checks the direction
        source, target = ("A", "B") if direction == "AtoB" else ("B", "A")
        return torch.nn.Sequential(*(self.nets[k] for k in (f"E_{source}", "E_shared",
                                                            "G_shared", f"G_{target}")))

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        real_a, real_b = self.images_of(batch, "A", "B")
        logs: dict[str, torch.Tensor] = {}
        with self.autocast():
            mu_a, mu_b = self.encode(real_a, "A"), self.encode(real_b, "B")
            z_a, z_b = mu_a + torch.randn_like(mu_a), mu_b + torch.randn_like(mu_b)
            fake_b, fake_a = self.decode(z_a, "B"), self.decode(z_b, "A")

        # D first, as the authors' train.py (dis_update, then gen_update)
        set_requires_grad([self.nets["D_A"], self.nets["D_B"]], True)
        with self.autocast():
            logs["D_A"] = self.d_loss("D_A", real_a, self.pool_a.query(fake_a))
            logs["D_B"] = self.d_loss("D_B", real_b, self.pool_b.query(fake_b))
        self.backward_and_step(logs["D_A"] + logs["D_B"], "D")

        set_requires_grad([self.nets["D_A"], self.nets["D_B"]], False)
        with self.autocast():
            total = self.generator_losses(real_a, real_b, mu_a, mu_b, z_a, z_b,
                                          fake_a, fake_b, logs)
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        for src, res in ((real_a, fake_b), (real_b, fake_a)):
            self.own_term_steps(self.terms, TermInputs(src, res.detach()), logs)
        return {k: float(v.detach()) for k, v in logs.items()}

    def generator_losses(self, real_a, real_b, mu_a, mu_b, z_a, z_b, fake_a, fake_b,
                         logs: dict) -> torch.Tensor:
        """The encoders' and decoders' objective (see the module docstring), logged."""
        loss, own = self.cfg.loss, self.own
        logs["G_A"] = self.g_adversarial("D_A", fake_a)
        logs["G_B"] = self.g_adversarial("D_B", fake_b)
        total = loss.gan_weight * (logs["G_A"] + logs["G_B"])

        def add(key: str, log: str, weight: float, inputs: TermInputs) -> None:
            nonlocal total
            if key in own and weight > 0:  # a term at weight 0 is not built or computed
                logs[log] = weight * own[key].weight * own[key].term(inputs)
                total = total + logs[log]

        add("recon", "recon_A", 1.0, TermInputs(result=self.decode(z_a, "A"), target=real_a))
        add("recon", "recon_B", 1.0, TermInputs(result=self.decode(z_b, "B"), target=real_b))
        add("kl", "kl_A", 1.0, TermInputs(mu=mu_a))
        add("kl", "kl_B", 1.0, TermInputs(mu=mu_b))
        if loss.lambda_A > 0 or loss.lambda_B > 0 or "kl_cycle" in own:
            mu_aba, mu_bab = self.encode(fake_b, "B"), self.encode(fake_a, "A")
            add("kl_cycle", "kl_cycle_A", 1.0, TermInputs(mu=mu_aba))
            add("kl_cycle", "kl_cycle_B", 1.0, TermInputs(mu=mu_bab))
            if loss.lambda_A > 0:
                cyc_a = self.decode(mu_aba + torch.randn_like(mu_aba), "A")
                add("cycle", "cycle_A", loss.lambda_A, TermInputs(result=cyc_a, target=real_a))
            if loss.lambda_B > 0:
                cyc_b = self.decode(mu_bab + torch.randn_like(mu_bab), "B")
                add("cycle", "cycle_B", loss.lambda_B, TermInputs(result=cyc_b, target=real_b))
        for suffix, src, res, gen, ref in (("_A", real_a, fake_b, "G_B", real_b),
                                           ("_B", real_b, fake_a, "G_A", real_a)):
            inputs = TermInputs(src, res, generator=self.nets[gen], reference=ref)
            value = self.terms_total(self.terms, inputs, logs, suffix)
            if value is not None:
                total = total + value
        return total

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a, real_b = batch["A"].to(self.device), batch["B"].to(self.device)
        mu_a, mu_b = self.encode(real_a, "A", bare=True), self.encode(real_b, "B", bare=True)
        fake_b, fake_a = self.decode(mu_a, "B", bare=True), self.decode(mu_b, "A", bare=True)
        return {
            "AtoB": [("real A", real_a), ("fake B", fake_b),
                     ("rec A", self.decode(mu_a, "A", bare=True)),
                     ("cycle A", self.translate(fake_b, "BtoA"))],
            "BtoA": [("real B", real_b), ("fake A", fake_a),
                     ("rec B", self.decode(mu_b, "B", bare=True)),
                     ("cycle B", self.translate(fake_a, "AtoB"))],
        }



def build_unit_nets(cfg):
    """The UNIT parts from ``generator.params`` (a one-line error for another generator
    name, unknown params, or a crop size the encoders cannot take)."""
    from i2i.config import check_factory_params

    block, d = cfg.generator, cfg.data
    if block.name != NETS:
        raise ConfigError(f"unit builds its own encoders and decoders: generator.name must be "
                          f"'{NETS}' (their sizes go in generator.params), not '{block.name}'")
    check_factory_params(unit_nets, block.params, "generator", skip=2)
    parts = unit_nets(d.input_nc, d.output_nc, **block.params)
    multiple = parts.enc_a.size_multiple
    # the c7s1 layers reflect-pad 3 px, and the residual blocks 1 px of the smallest map
    check_side(d.crop_size, multiple, max(4, 2 * multiple), "unit's encoders "
               f"(generator.params.n_downsampling={multiple.bit_length() - 1})")
    return parts
