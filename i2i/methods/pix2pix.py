"""pix2pix (Isola et al. 2017), faithful to the paper and its reference code.

G: input -> output (a U-Net by default); D: a conditional PatchGAN that sees the input
concatenated with a real or generated output. Each step first updates D (real pair vs
fake pair, vanilla GAN loss halved), then G (GAN term through the updated, frozen D plus
``loss.lambda_recon`` (100) x the reconstruction loss ``loss.recon``: l1, l2 or l1_l2).
No image pool. ``loss.gan_weight=0`` trains G on the reconstruction loss alone (no D is
built). Which folder half is the input is chosen by ``data.direction``, so the method has a
single generator, used for translation as ``AtoB``.

Inference follows the paper and the reference's default test: batch norm normalises with
the statistics of the image being translated (not running averages, which training at batch
size 1 leaves unreliable) and dropout stays on as the noise source. Each image of a batch is
translated on its own, so the output does not depend on the batch it came in, and running
statistics are left untouched.
"""

from __future__ import annotations

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.patchgan import check_fits

CROP_MODES = ("resize_and_crop", "crop", "scale_width_and_crop")
MIN_FITTED_DEPTH = 5


class Pix2Pix(Method):
    name = "pix2pix"
    reads = frozenset({"loss.recon", "loss.lambda_recon", "loss.tv_weight"})
    paired = True
    generator_for = {"AtoB": "G"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        if training and d.preprocess in CROP_MODES:
            fit_unet_depth(cfg)
        self.nets["G"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        self.gan = gan_loss(loss.gan)
        if not training:
            return
        own = self.build_terms({"recon": {"weight": loss.lambda_recon,
                                          "params": {"distance": loss.recon}},
                                "tv": {"weight": loss.tv_weight}}, ("result", "target"),
                               where="loss")
        self.own = {t.key: t for t in own}
        self.terms = self.build_terms(loss.terms, ("source", "result", "target", "generator"),
                                      generator=self.nets["G"])
        if d.preprocess in CROP_MODES:
            check_generator_fits(self.nets["G"], d.crop_size, cfg.generator.name)
        self.use_gan = loss.gan_weight > 0
        if not (self.use_gan or loss.lambda_recon > 0 or loss.tv_weight > 0 or self.terms):
            raise ConfigError("pix2pix has no generator loss: set loss.gan_weight, "
                              "loss.lambda_recon or loss.tv_weight above 0")
        if self.use_gan:
            # Conditional: D judges (input, output) pairs, so it sees both images' channels.
            self.nets["D"] = self.build_discriminator(cfg.discriminator, d.input_nc + d.output_nc)
            check_fits(self.nets["D"], d.crop_size)
            self.optimizers["D"] = self.make_adam(self.nets["D"])
        self.optimizers["G"] = self.make_adam(self.nets["G"])

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        loss_cfg = self.cfg.loss
        real_a, real_b = self.images_of(batch, "A", "B")
        logs: dict[str, torch.Tensor] = {}
        with self.autocast():
            fake_b = self.net("G")(real_a)

        if self.use_gan:  # D first, as the reference does; G then meets the updated D
            set_requires_grad(self.nets["D"], True)
            with self.autocast():
                logs["D"] = self.d_loss("D", torch.cat([real_a, real_b], 1),
                                        torch.cat([real_a, fake_b.detach()], 1))
            self.backward_and_step(logs["D"], "D")
            set_requires_grad(self.nets["D"], False)

        with self.autocast():
            total = fake_b.new_zeros(())
            if self.use_gan:
                # The bare module, not a DDP view: D is frozen here and must not sync.
                logs["G_GAN"] = self.g_adversarial("D", torch.cat([real_a, fake_b], 1))
                total = total + loss_cfg.gan_weight * logs["G_GAN"]
            names = {"recon": "G_recon", "tv": "tv"}
            pixel = TermInputs(result=fake_b, target=real_b)
            for key, t in self.own.items():
                logs[names[key]] = t.weight * t.term(pixel)
                total = total + logs[names[key]]
            value = self.terms_total(self.terms, TermInputs(real_a, fake_b, real_b,
                                                            self.nets["G"]), logs)
            if value is not None:
                total = total + value
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        self.own_term_steps(self.terms, TermInputs(real_a, fake_b.detach(), real_b), logs)
        return {k: float(v.detach()) for k, v in logs.items()}

    # ------------------------------------------------------------------ outputs
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        if direction not in self.generator_for:
            raise ConfigError(f"pix2pix translates AtoB only (its data.direction was chosen "
                              f"at training time), not '{direction}'")
        g = self.nets["G"]
        return torch.cat([g(x[i : i + 1]) for i in range(x.shape[0])])

    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a = batch["A"].to(self.device)
        with torch.random.fork_rng(devices=[]):  # dropout must not shift the training RNG
            fake_b = self.translate(real_a)
        return {"AtoB": [("input", real_a), ("output", fake_b),
                         ("target", batch["B"].to(self.device))]}

    def inference_mode(self) -> None:
        """The paper's test mode: batch statistics and dropout, running stats frozen."""
        for net in self.nets.values():
            net.train()
            for m in net.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.momentum = 0.0  # use batch statistics but leave the running ones alone

    def train_mode(self) -> None:
        for net in self.nets.values():
            net.train()
            for m in net.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.momentum = 0.1


def fit_unet_depth(cfg) -> None:
    """A U-Net whose depth the user left to its default gets the depth that fits the crop.

    ``unet_256`` needs 256 px, so ``--size 128`` alone would stop; instead the depth becomes
    7 (what ``unet_128`` is) and one line says so. The choice lands in the run's config, so
    translation rebuilds the same network. An explicit ``num_downs`` is left to the check.
    """
    import inspect

    from i2i.console import note
    from i2i.plugins import lookup

    block, size = cfg.generator, cfg.data.crop_size
    param = inspect.signature(lookup("generators", block.name)).parameters.get("num_downs")
    if param is None or "num_downs" in block.params or size % 2**param.default == 0:
        return
    # no shallower than 5 (32 px): a 2- or 3-level U-Net would be another network altogether
    depth = max((k for k in range(MIN_FITTED_DEPTH, param.default + 1)
                 if size % 2**k == 0), default=None)
    if depth is None:
        return  # not even 4 divides the size: the check below says what to do
    block.params["num_downs"] = depth
    note(f"generator '{block.name}' needs {2**param.default} px; at --size {size} it uses "
         f"num_downs={depth} (set generator.params.num_downs to choose)")


def check_generator_fits(net: nn.Module, size: int, name: str) -> None:
    """A U-Net needs sides that are multiples of 2**num_downs (else its skips misalign)."""
    multiple = getattr(net, "size_multiple", 1)
    if size % multiple == 0:
        return
    downs = getattr(net, "num_downs", None)
    fit = max(2, size.bit_length() - 1) if downs is not None else None
    hint = f"set generator.params.num_downs={fit}" if fit and size % 2**fit == 0 else \
        f"use a --size that is a multiple of {multiple}"
    raise ConfigError(f"generator '{name}' needs images whose sides are multiples of "
                      f"{multiple} px, but data.crop_size is {size}; {hint}")
