"""BicycleGAN (Zhu et al. 2017, "Toward Multimodal Image-to-Image Translation"), after the
paper and the authors' code (github.com/junyanz/BicycleGAN).

Paired data (A, B). G(A, z) translates A with a latent code z of ``encoder.latent_size``
(8) numbers, concatenated to its input tiled over the image (``where_add=input``, see
``i2i/nets/latent.py``); E(B) is a Gaussian (mu, logvar) over codes. Each batch is split in
halves, as in the reference (batch 2: one pair each):

* cVAE-GAN: z = mu + exp(logvar / 2) * eps from E(B1); G(A1, z) must reconstruct B1
  (``loss.lambda_recon`` (10) x ``loss.recon`` (L1)), fool discriminator ``D``, and q(z|B1)
  stays near N(0, I) (term ``kl_gaussian``, weight 0.01).
* cLR-GAN: z ~ N(0, I); G(A1, z) must fool discriminator ``D2`` (judged against B2) and
  let E recover z (term ``latent_l1``: |mu(E(G(A1, z))) - z|, weight 0.5). That loss trains
  G alone: E is frozen while it recovers z, as in the reference.

Two discriminators, one per branch (the reference's default; its ``--use_same_D`` is not
offered), unconditional (they see B only: the reference's ``--conditional_D`` is off by
default), LSGAN (each D's loss the sum of its real and fake terms, not halved as
CycleGAN's), both GAN terms at ``loss.gan_weight`` (1). Each step updates G and E
together, then D and D2 on the same (detached) translations, in the reference's order.
``kl_gaussian`` and ``latent_l1`` sit in ``loss.terms`` (weight 0 switches one off: cVAE-GAN
or cLR-GAN alone); every term there is fed the cVAE-GAN translation (source A1, result,
target B1) and the codes (mu, logvar, latent, latent_target). A batch of one image (batch
size 1, or a short last batch) serves both halves.

Translation: ``translate(x, z=None)`` uses z = 0, the prior's mean (one deterministic
output); ``i2i translate --samples K`` draws K codes per input from the prior, and
``--reference IMG`` uses mu(E(IMG)), as the reference's test does. Nets are in eval mode
(dropout off), like the reference's ``model.eval()``.

Defaults (``i2i/configs/bicyclegan.yaml``) are the reference's options; where i2i differs:
z is added at the input, not to every U-Net level (``--where_add all``); one 70x70
PatchGAN per branch instead of two scales each (``basic_256_multi``, ``--num_Ds 2``); the
encoder averages globally instead of with a fixed 8x8 pool (the same at 256 px); dropout
sits where pix2pix's U-Net puts it; the KL is a batch mean (the reference's sum over a
batch of one).
"""

from __future__ import annotations

import torch

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.methods.pix2pix import CROP_MODES, check_generator_fits, fit_unet_depth
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits
from i2i.nets.encoders.resnet import check_encoder_fits
from i2i.nets.latent import with_latent

#: what BicycleGAN feeds the terms of ``loss.terms`` (the cVAE-GAN pass and the codes)
FEEDS = ("source", "result", "target", "mu", "logvar", "latent", "latent_target")
VISUAL_SAMPLES = 3  # random codes per input in the sample grids


def split_halves(real_a: torch.Tensor, real_b: torch.Tensor):
    """(A1, B1, B2): the cVAE-GAN pair and the reals D2 sees. A batch of one serves both."""
    n = real_a.shape[0]
    if n == 1:
        return real_a, real_b, real_b
    half = n // 2
    return real_a[:half], real_b[:half], real_b[half:]


class BicycleGAN(Method):
    name = "bicyclegan"
    reads = frozenset({"encoder", "loss.recon", "loss.lambda_recon"})
    paired = True
    generator_for = {"AtoB": "G"}
    d_loss_halved = False  # the authors' backward_D: loss_D_fake + loss_D_real

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        self.latent_size = cfg.encoder.latent_size
        if training and d.preprocess in CROP_MODES:
            fit_unet_depth(cfg)
        self.nets["G"] = self.build_generator(cfg.generator, d.input_nc + self.latent_size,
                                              d.output_nc)
        self.nets["E"] = self.build_encoder(cfg.encoder, d.output_nc)
        if not training:
            return
        if d.preprocess in CROP_MODES:
            check_generator_fits(self.nets["G"], d.crop_size, cfg.generator.name)
            check_encoder_fits(self.nets["E"], d.crop_size)
        self.gan = gan_loss(loss.gan)
        own = self.build_terms({"recon": {"weight": loss.lambda_recon,
                                          "params": {"distance": loss.recon}}},
                               ("result", "target"), where="loss")
        self.recon = own[0] if own else None
        self.terms = self.build_terms(loss.terms, FEEDS)
        self.use_gan = loss.gan_weight > 0
        if not (self.use_gan or self.recon or self.terms):
            raise ConfigError("bicyclegan has no generator loss: set loss.gan_weight, "
                              "loss.lambda_recon or a loss.terms.<name>.weight above 0")
        self.regress_latent = any("latent" in t.term.needs for t in self.terms)
        if self.use_gan:
            for key in ("D", "D2"):  # D: cVAE-GAN's translations, D2: cLR-GAN's
                self.nets[key] = self.build_discriminator(cfg.discriminator, d.output_nc)
                check_fits(self.nets[key], d.crop_size)
                self.optimizers[key] = self.make_adam(self.nets[key])
        self.optimizers["G"] = self.make_adam(self.nets["G"])
        self.optimizers["E"] = self.make_adam(self.nets["E"])

    # ------------------------------------------------------------------ training
    def generate(self, a: torch.Tensor, z: torch.Tensor, bare: bool = False) -> torch.Tensor:
        """G(a, z); ``bare`` uses the plain module (no DDP view), for passes not trained."""
        g = self.nets["G"] if bare else self.net("G")
        return g(with_latent(a, z))

    def training_step(self, batch: dict) -> dict[str, float]:
        real_a, real_b = self.images_of(batch, "A", "B")
        a1, b1, b2 = split_halves(real_a, real_b)
        logs: dict[str, torch.Tensor] = {}
        discriminators = [self.nets[k] for k in ("D", "D2") if k in self.nets]
        set_requires_grad(discriminators, False)
        with self.autocast():
            mu, logvar = self.net("E")(b1)
            z_encoded = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            z_random = torch.randn(a1.shape[0], self.latent_size, device=self.device)
            fake_encoded = self.generate(a1, z_encoded)
            fake_random = self.generate(a1, z_random)
            latent = None
            if self.regress_latent:
                # E frozen here: the latent regression trains G alone (as the reference)
                set_requires_grad(self.nets["E"], False)
                latent = self.nets["E"](fake_random)[0]
                set_requires_grad(self.nets["E"], True)
            total = fake_encoded.new_zeros(())
            if self.use_gan:
                logs["G_GAN"] = self.g_adversarial("D", fake_encoded)
                logs["G_GAN2"] = self.g_adversarial("D2", fake_random)
                total = total + self.cfg.loss.gan_weight * (logs["G_GAN"] + logs["G_GAN2"])
            if self.recon is not None:
                logs["G_L1"] = self.recon.weight * self.recon.term(
                    TermInputs(result=fake_encoded, target=b1))
                total = total + logs["G_L1"]
            inputs = TermInputs(source=a1, result=fake_encoded, target=b1, mu=mu,
                                logvar=logvar, latent=latent, latent_target=z_random)
            value = self.terms_total(self.terms, inputs, logs)
            if value is not None:
                total = total + value
        self.backward_and_step(total, "G", "E", *self.term_keys(self.terms))

        if self.use_gan:
            set_requires_grad(discriminators, True)
            with self.autocast():
                logs["D"] = self.d_loss("D", b1, fake_encoded)
                logs["D2"] = self.d_loss("D2", b2, fake_random)
            # independent nets: one backward of the sum steps each with its own gradient
            self.backward_and_step(logs["D"] + logs["D2"], "D", "D2")
        self.own_term_steps(self.terms, TermInputs(a1, fake_encoded.detach(), b1), logs)
        return {k: float(v.detach()) for k, v in logs.items()}

    # ------------------------------------------------------------------ outputs
    def translate(self, x: torch.Tensor, direction: str = "AtoB",
                  z: torch.Tensor | None = None) -> torch.Tensor:
        """G(x, z); ``z`` (N or 1, nz) on any device, None for the prior's mean (zeros)."""
        if direction not in self.generator_for:
            raise ConfigError(f"bicyclegan translates AtoB only (its data.direction was "
                              f"chosen at training time), not '{direction}'")
        if z is None:
            z = x.new_zeros(x.shape[0], self.latent_size)
        z = z.to(device=x.device, dtype=x.dtype)
        if z.shape[0] == 1 and x.shape[0] > 1:  # one code (a reference's) for every image
            z = z.expand(x.shape[0], -1)
        return self.generate(x, z, bare=True)

    def export_net(self, direction: str = "AtoB") -> torch.nn.Module:
        raise ConfigError("bicyclegan cannot be exported as one feed-forward net: it "
                          "translates with a latent code z (a second input, one of many "
                          "outputs); translate with `i2i translate --samples`")

    def encode_latent(self, y: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """mu of E(y): the code of example outputs y (the reference's test encodes so)."""
        if direction not in self.generator_for:
            raise ConfigError(f"bicyclegan encodes outputs of AtoB only, not '{direction}'")
        return self.nets["E"](y)[0]

    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a, real_b = batch["A"].to(self.device), batch["B"].to(self.device)
        # the same codes at every step (a generator of its own: training's RNG is untouched)
        codes = torch.Generator().manual_seed(self.cfg.train.seed)
        with torch.random.fork_rng(devices=[]):
            rows = [("input", real_a), ("target", real_b),
                    ("E(B)", self.translate(real_a, z=self.encode_latent(real_b)))]
            for k in range(VISUAL_SAMPLES):
                z = self.sample_latents(real_a.shape[0], codes)
                rows.append((f"z{k + 1}", self.translate(real_a, z=z)))
        return {"AtoB": rows}
