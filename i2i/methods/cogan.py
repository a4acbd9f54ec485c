"""CoGAN (Liu & Tuzel 2016, "Coupled Generative Adversarial Networks"), the baseline of the
CycleGAN paper: two GANs, one per domain, whose generators share their first layers and
whose discriminators share their last (``nets/coupled.py``). From one ``z`` ~ U(-1, 1)
(the paper's prior; ``options.z_prior=normal`` draws N(0, I) instead) the generator pair
draws an image of A and one of B; trained on unpaired images only, the shared layers make
the two images correspond.

Each step (the authors' trainer's order): D on real A and B against the detached pair
G(z) (one verdict per image, criterion ``loss.gan``), then G through the updated, frozen D;
PacGAN packing (``discriminator.pack``) packs each domain's inputs like any method's.

Translation: CoGAN has no encoder. The paper (and the CycleGAN paper's use of it) finds
the ``z`` that G_A renders closest to the input and renders that ``z`` with G_B. Here an
encoder E (``nets/coupled.LatentEncoder``), trained alongside, gives that ``z`` in one
pass; after G's update in every step it takes its own step on
``options.latent_weight * ||E(G_A(z)) - z||^2`` (on the step's detached samples) plus
``lambda_recon * recon(G_A(E(a)), a)`` on real A through the frozen G in eval mode (the
mode G translates in). ``options.translate_steps`` > 0 then refines each image's ``E(x)`` by
that many Adam steps (lr ``options.translate_lr``) on ``recon(G_A(z), x)`` at translation
time; network weights never change. Under the uniform prior E's guess and every refined
``z`` are clipped to [-1, 1], the box G was trained on (the paper searches z there). The
default is 50 steps, the paper's way refined from a learned start: on builtin:toy (32 px,
400 training steps, measured, seeds 0 and 1) E alone gives an error of 0.33-0.34 against
the known translation and 50 steps 0.26-0.27, at the price of 50 passes
of G_A forward and back per image (0.2 s a 32 px image on one CPU thread). The setting is
saved with the run; ``--set options.translate_steps=0`` at training makes translation one
pass of E and G_B.

Defaults (``i2i/configs/cogan.yaml``): the authors' CelebA model and solver (128 px, z of
100 dimensions, batch norm, width 32 = 1024 channels at 4x4, Adam 2e-4 (0.5, 0.999) at a
fixed lr, N(0, 0.02) init, the standard GAN loss); the choices and where they differ are in
that file's comments.

Only AtoB: E inverts G_A alone. Images of any size are translated at ``data.crop_size`` (the
size G renders) and resized back.
"""

from __future__ import annotations

import contextlib
import functools

import torch
import torch.nn.functional as F

from i2i.config import check_factory_params
from i2i.errors import ConfigError
from i2i.losses.criteria import gan_loss, recon_loss
from i2i.losses.gan import gradient_penalty
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.coupled import DOMAINS, LatentEncoder, coupled_discriminator, coupled_generator

NET_NAME = "coupled"  # the only generator/discriminator name: CoGAN builds its own pair
FACTORIES = {"generator": coupled_generator, "discriminator": coupled_discriminator}
# the preprocessing modes whose training images are crop_size squares, what G renders
SQUARE_MODES = ("resize_and_crop", "crop", "scale_width_and_crop")
# z's prior: the paper's U(-1, 1) (every released model), or N(0, I)
Z_PRIORS = ("uniform", "normal")


class CoGAN(Method):
    tileable = False  # each image is refined by optimisation as a whole
    name = "cogan"
    reads = frozenset({"loss.recon", "loss.lambda_recon"})
    paired = False
    generator_for = {"AtoB": "G"}
    options = {"latent_weight": 1.0, "translate_steps": 50, "translate_lr": 0.05,
               "z_prior": "uniform"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        for key, low, above in (("latent_weight", 0, False), ("translate_steps", 0, False),
                                ("translate_lr", 0, True)):
            value = self.option(key)
            if value < low or (above and value == low):
                bound = f"> {low}" if above else f">= {low}"
                raise ConfigError(f"'options.{key}' is {value}; it must be {bound}")
        if self.option("z_prior") not in Z_PRIORS:
            raise ConfigError(f"'options.z_prior' is {self.option('z_prior')!r}; choose one "
                              f"of: {', '.join(Z_PRIORS)}")
        for kind, factory in FACTORIES.items():
            block = getattr(cfg, kind)
            if block.name != NET_NAME:
                raise ConfigError(f"cogan builds its own coupled networks: {kind}.name must "
                                  f"be '{NET_NAME}', not '{block.name}'")
            check_factory_params(factory, block.params, kind, skip=3)
        g = coupled_generator(d.input_nc, d.output_nc, d.crop_size, **cfg.generator.params)
        self.nets["G"] = self._place(g)
        self.nets["E"] = self._place(LatentEncoder(d.input_nc, d.crop_size, g.latent_dim,
                                                   g.ngf, g.norm))
        self.latent_dim = g.latent_dim
        self.recon = recon_loss(loss.recon)
        if not training:
            return
        if d.preprocess not in SQUARE_MODES:
            raise ConfigError(f"cogan trains on data.crop_size squares (what its generator "
                              f"renders); data.preprocess '{d.preprocess}' does not make them: "
                              f"choose one of {', '.join(SQUARE_MODES)}")
        if loss.terms:
            raise ConfigError("cogan takes no loss.terms: it makes no translation while it "
                              "trains, only pairs of samples")
        if loss.gan_weight == 0:
            raise ConfigError("cogan learns from its GAN alone: loss.gan_weight must be above 0")
        self.gan = gan_loss(loss.gan)
        # PacGAN: each head reads m samples of its domain, so its first layer is m times wide
        self.nets["D"] = self._place(coupled_discriminator(
            d.input_nc * self.pack, d.output_nc * self.pack, d.crop_size,
            **cfg.discriminator.params))
        self.optimizers["D"] = self.make_adam(self.nets["D"])
        self.optimizers["G"] = self.make_adam(self.nets["G"])
        self.optimizers["E"] = self.make_adam(self.nets["E"])

    @classmethod
    def fit_data_defaults(cls, overlay: dict) -> dict:
        """Keep the overlay's net parameters that the coupled nets take (builtin:toy's
        ``ngf``/``ndf``, not the ResNet's ``n_blocks``)."""
        import inspect

        out = dict(overlay)
        for kind, factory in FACTORIES.items():
            block = overlay.get(kind)
            if isinstance(block, dict) and isinstance(block.get("params"), dict):
                accepted = inspect.signature(factory).parameters
                params = {k: v for k, v in block["params"].items() if k in accepted}
                out[kind] = {**block, "params": params}
        return out

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        loss_cfg = self.cfg.loss
        real_a, real_b = self.images_of(batch, "A", "B")
        z = self.sample_z(real_a.shape[0])
        logs: dict[str, torch.Tensor] = {}
        with self.autocast():
            fakes = self.net("G")(z)

        set_requires_grad(self.nets["D"], True)
        with self.autocast():
            logs.update(self._d_losses((real_a, real_b), fakes))
        self.backward_and_step(logs["D_A"] + logs["D_B"], "D")

        # G meets the updated D: the bare module, frozen (no sync for a net not stepped)
        set_requires_grad(self.nets["D"], False)
        with self.autocast():
            packed = [self.d_input(self.pack_input(f"D_{dom}", x, "fake", remember=False))
                      for dom, x in zip(DOMAINS, fakes, strict=True)]
            preds = self.nets["D"](*packed)
            for dom, pred in zip(DOMAINS, preds, strict=True):
                logs[f"G_{dom}"] = self.gan.generator_loss(pred)
            total = loss_cfg.gan_weight * (logs["G_A"] + logs["G_B"])
        self.backward_and_step(total, "G")

        logs.update(self._encoder_step(real_a, z, fakes[0].detach()))
        return {k: float(v.detach()) for k, v in logs.items()}

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` codes from the prior ``options.z_prior``."""
        shape = (n, self.latent_dim)
        if self.option("z_prior") == "normal":
            return torch.randn(shape, generator=generator, device=self.device)
        return torch.rand(shape, generator=generator, device=self.device) * 2 - 1

    def _in_support(self, z: torch.Tensor) -> torch.Tensor:
        """``z`` clipped to the uniform prior's box (unchanged under the normal prior)."""
        return z.clamp(-1, 1) if self.option("z_prior") == "uniform" else z

    def _d_losses(self, reals, fakes) -> dict[str, torch.Tensor]:
        """Each head's criterion, real against the detached fake, packed per domain (the
        packer's keys D_A/D_B name the heads), with the gradient penalty on the bare module
        when the criterion needs one (DDP cannot double-backward)."""
        packs = {kind: [self.pack_input(f"D_{dom}", x, kind)
                        for dom, x in zip(DOMAINS, xs, strict=True)]
                 for kind, xs in (("real", reals), ("fake", [f.detach() for f in fakes]))}
        d = self.net("D")
        pred_real = d(*[self.d_input(x) for x in packs["real"]])
        pred_fake = d(*[self.d_input(x) for x in packs["fake"]])
        losses = {}
        for i, dom in enumerate(DOMAINS):
            loss = self.gan.discriminator_loss(pred_real[i], pred_fake[i])
            if self.gan.needs_gradient_penalty:
                head = functools.partial(self.nets["D"].judge, domain=dom)
                loss = loss + self.cfg.loss.gp_weight * gradient_penalty(
                    head, packs["real"][i], packs["fake"][i])
            losses[f"D_{dom}"] = loss
        return losses

    def _encoder_step(self, real_a, z, sample_a) -> dict[str, torch.Tensor]:
        """E's update: regress the ``z`` of G's own samples, and reconstruct real A through
        the frozen G in eval mode (so E learns the G it will translate with, and the real
        images' codes do not move G's batch-norm statistics)."""
        loss_cfg, g = self.cfg.loss, self.nets["G"]
        e = self.net("E")
        logs = {}
        set_requires_grad(g, False)
        try:
            with self.autocast():
                logs["E_latent"] = self.option("latent_weight") * F.mse_loss(e(sample_a).float(), z)
                with _eval_mode(g):
                    rec = g.render(e(real_a), "A")
                logs["E_recon"] = loss_cfg.lambda_recon * self.recon(rec, real_a)
            self.backward_and_step(logs["E_latent"] + logs["E_recon"], "E")
        finally:
            set_requires_grad(g, True)
        return logs

    # ------------------------------------------------------------------ translation
    def translate(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """G_B(z) for the ``z`` that encodes ``x`` (refined when ``options.translate_steps``)."""
        if direction not in self.generator_for:
            raise ConfigError(f"cogan translates AtoB only (its encoder inverts G_A), not "
                              f"'{direction}'")
        h, w = x.shape[-2:]
        src, z = self.encode(x)
        out = self.nets["G"].render(z, "B")
        if (h, w) != tuple(out.shape[-2:]):
            out = F.interpolate(out, size=(h, w), mode="bilinear", align_corners=False)
        return out.clamp(-1, 1)

    def export_net(self, direction: str = "AtoB") -> torch.nn.Module:
        raise ConfigError("cogan cannot be exported as one feed-forward net: it translates "
                          "by encoding to z, refining z and rendering at the training size; "
                          "translate with `i2i translate`")

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(``x`` at the training size, its ``z``): E's guess, then the refinement."""
        size = self.cfg.data.crop_size
        if tuple(x.shape[-2:]) != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                              antialias=True)
        z = self._in_support(self.nets["E"](x))
        steps = self.option("translate_steps")
        return x, (self._refine(z, x, steps) if steps > 0 else z)

    def _refine(self, z: torch.Tensor, x: torch.Tensor, steps: int) -> torch.Tensor:
        """``steps`` of Adam on ``z`` alone for ``recon(G_A(z), x)``. The CLI translates under
        ``torch.inference_mode()`` and tests under ``no_grad``: gradients are switched back
        on here, for ``z`` only (``autograd.grad``: no weight's ``.grad`` is touched), and
        the inputs are cloned into ordinary tensors, which autograd accepts. G runs in eval
        mode, the mode E learned to invert, whatever mode the caller left it in: 50 passes
        in train mode would also move its batch-norm statistics."""
        g = self.nets["G"]
        with torch.inference_mode(False), torch.enable_grad(), _eval_mode(g):
            x = x.clone()
            z = z.clone().requires_grad_(True)
            opt = torch.optim.Adam([z], lr=self.option("translate_lr"))
            for _ in range(steps):
                # summed over images, so each image's z moves as if it came alone
                loss = self.recon(g.render(z, "A"), x) * x.shape[0]
                (z.grad,) = torch.autograd.grad(loss, z)
                opt.step()
                with torch.no_grad():
                    z.copy_(self._in_support(z))
        return z.detach()

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_a = batch["A"].to(self.device)
        g = self.nets["G"]
        src, z = self.encode(real_a)
        # fixed z for the pairs (the same every grid), drawn without touching the training RNG
        gen = torch.Generator(device=self.device).manual_seed(self.cfg.train.seed)
        pair = g(self.sample_z(real_a.shape[0], generator=gen))
        return {"AtoB": [("real A", src), ("G_A(E(A))", g.render(z, "A")),
                         ("fake B", g.render(z, "B"))],
                "pairs": [("G_A(z)", pair[0]), ("G_B(z)", pair[1])]}


@contextlib.contextmanager
def _eval_mode(net):
    """``net`` in eval mode for the block, then back to the mode it was in."""
    was = net.training
    net.eval()
    try:
        yield net
    finally:
        net.train(was)
