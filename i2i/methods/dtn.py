"""DTN, the Domain Transfer Network (Taigman et al. 2017, "Unsupervised Cross-Domain Image
Generation"): source domain A, target domain B, one generator G: A -> B.

The paper's G is g∘f with f a fixed, pretrained encoder (a digit classifier, DeepFace)
and g a decoder of f's embedding. Here G is a generator on the image (``generator``:
ResNet by default, so every generator option works) and f is frozen VGG16 (the pretrained
network i2i ships; the paper's f networks are not available), entering through the
f-constancy loss of the paper's eq. 5 alone. G's objective, L_GANG + alpha L_CONST +
beta L_TID + gamma L_TV, is made of terms (``i2i.losses.terms``) the method owns:

- L_GANG: D must classify both G(x) (x from A) and G(y) (y from B) as real targets;
  weight ``loss.gan_weight``;
- L_CONST, f(G(x)) must equal f(x) for source inputs x: an ordinary translation term,
  ``loss.terms.f_constancy`` (weight alpha; dtn.yaml: the ``features`` term,
  ``losses/feature_terms.py``, as the MSE of frozen VGG16 relu5_3), since the terms of
  ``loss.terms`` are fed exactly (x, G(x), G);
- L_TID, G must leave target images alone: distance ``loss.recon`` (the paper's MSE)
  between G(y) and y, weight ``loss.identity`` (beta; absolute here, not a multiple of a
  cycle weight as in CycleGAN);
- L_TV on G(x), weight ``loss.tv_weight`` (gamma).

D is the paper's three-way classifier: a registered discriminator with one logit per class
and patch (``nets/discriminators/class_head.py``) for G(x) of a source input (class 1),
G(y) of a target input (class 2) or a real target (class 3), trained with the cross-entropy
over the three (L_D). Each kind goes through PacGAN packing as its own kind. No image pool,
as in the paper. Each step updates D, then G against the updated D.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from i2i.errors import ConfigError
from i2i.losses.terms import TermInputs
from i2i.methods.base import Method
from i2i.nets.blocks import set_requires_grad
from i2i.nets.discriminators.class_head import with_class_logits
from i2i.nets.discriminators.patchgan import check_fits

#: D's classes, in the paper's order, and the packing kind of each
SOURCE_FAKE, TARGET_FAKE, REAL = 0, 1, 2
KINDS = ("source_fake", "target_fake", "real")
#: the paper's names for the generator's own terms, as logged
LOGGED = {"identity": "TID", "tv": "TV"}


class DTN(Method):
    name = "dtn"
    reads = frozenset({"loss.identity", "loss.recon", "loss.tv_weight"})
    paired = False
    generator_for = {"AtoB": "G"}

    def __init__(self, cfg, device, training=True):
        super().__init__(cfg, device, training)
        d, loss = cfg.data, cfg.loss
        self.nets["G"] = self.build_generator(cfg.generator, d.input_nc, d.output_nc)
        if not training:
            return
        if d.input_nc != d.output_nc:
            raise ConfigError(f"dtn feeds target images to G (the TID loss and D's class 2), "
                              f"so it needs data.input_nc == data.output_nc, got "
                              f"{d.input_nc} and {d.output_nc}")
        if loss.gan != "vanilla":
            raise ConfigError(f"dtn's discriminator is the paper's 3-way classifier, trained "
                              f"with cross-entropy (the 3-class gan.vanilla); loss.gan="
                              f"{loss.gan} is not supported, use vanilla")
        d_net = self.build_discriminator(cfg.discriminator, d.output_nc)
        # re-placed so the new head gets the configured init and device like every layer
        self.nets["D"] = self._place(with_class_logits(d_net, len(KINDS),
                                                       cfg.discriminator.name))
        check_fits(self.nets["D"], d.crop_size)
        own = self.build_terms({"identity": {"weight": loss.identity,
                                             "params": {"distance": loss.recon}},
                                "tv": {"weight": loss.tv_weight}},
                               ("result", "target"), where="loss")
        self.own = {t.key: t for t in own}
        self.terms = self.build_terms(loss.terms, ("source", "result", "generator", "reference"),
                                      generator=self.nets["G"])
        if loss.gan_weight == 0 and not own and not self.terms:
            raise ConfigError("dtn has no generator loss: set loss.gan_weight, "
                              "loss.terms.f_constancy.weight or loss.identity above 0")
        self.optimizers["D"] = self.make_adam(self.nets["D"])
        self.optimizers["G"] = self.make_adam(self.nets["G"])

    # ------------------------------------------------------------------ training
    def training_step(self, batch: dict) -> dict[str, float]:
        real_x, real_y = self.images_of(batch, "A", "B")
        g = self.net("G")
        logs: dict[str, torch.Tensor] = {}
        with self.autocast():
            fake_x = g(real_x)  # G(x): a source image translated
            fake_y = g(real_y)  # G(y): a target image, which G should leave as it is

        set_requires_grad([self.nets["D"]], True)  # L_D first, as the references alternate
        with self.autocast():
            logs["D"] = sum(self._class_loss(image.detach(), cls, update=True)
                            for image, cls in ((fake_x, SOURCE_FAKE), (fake_y, TARGET_FAKE),
                                               (real_y, REAL)))
        self.backward_and_step(logs["D"], "D")

        set_requires_grad([self.nets["D"]], False)
        with self.autocast():
            # L_GANG: both translations must pass for real targets (the frozen, bare D)
            logs["G_GAN"] = (self._class_loss(fake_x, REAL, kind=SOURCE_FAKE)
                             + self._class_loss(fake_y, REAL, kind=TARGET_FAKE))
            total = self.cfg.loss.gan_weight * logs["G_GAN"]
            own_inputs = {"identity": TermInputs(result=fake_y, target=real_y),
                          "tv": TermInputs(result=fake_x)}
            for key, t in self.own.items():
                logs[LOGGED[key]] = t.weight * t.term(own_inputs[key])
                total = total + logs[LOGGED[key]]
            value = self.terms_total(self.terms, TermInputs(real_x, fake_x, reference=real_y,
                                                            generator=self.nets["G"]), logs)
            if value is not None:
                total = total + value
        self.backward_and_step(total, "G", *self.term_keys(self.terms))
        self.own_term_steps(self.terms, TermInputs(real_x, fake_x.detach()), logs)
        return {k: float(v.detach()) for k, v in logs.items()}

    def _class_loss(self, images: torch.Tensor, cls: int, update: bool = False,
                    kind: int | None = None) -> torch.Tensor:
        """Cross-entropy of D's per-patch class logits on ``images`` against class ``cls``;
        ``images`` are packed as ``kind`` (what they are), which defaults to ``cls``."""
        kind = cls if kind is None else kind
        logits = self.discriminate("D", images, KINDS[kind], update=update)
        # at least float32 (a bf16 logit under autocast), and float64 stays float64
        logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
        target = torch.full((logits.shape[0], *logits.shape[2:]), cls, dtype=torch.long,
                            device=logits.device)
        return F.cross_entropy(logits, target)

    # ------------------------------------------------------------------ outputs
    @torch.no_grad()
    def visuals(self, batch: dict) -> dict[str, list[tuple[str, torch.Tensor]]]:
        real_x = batch["A"].to(self.device)
        real_y = batch["B"].to(self.device)
        g = self.nets["G"]
        return {"AtoB": [("real A", real_x), ("G(A)", g(real_x)),
                         ("real B", real_y), ("G(B)", g(real_y))]}
