"""PatchNCE (Park et al. 2020, "Contrastive Learning for Unpaired Image-to-Image
Translation"): a patch of the translation should match the patch of the source at the same
place, and no other patch of that source, in the generator's own encoder features.

For each of ``layers`` of the generator's encoder, ``num_patches`` positions are drawn at
random (a layer with fewer positions gives all of them, in random order: the authors'
``min(num_patches, H*W)``, said once when the term is built); the features there (of the
source, and of the result passed through the same encoder) go through a 2-layer MLP head
of ``mlp_channels`` (trainable, one per layer, owned by this term), are L2-normalised
(``x / (|x| + 1e-7)``, the authors' ``Normalize``), and a cross-entropy with temperature
``temperature`` picks the source patch of the same position among all drawn positions of
the same image. The projected source patches (keys) are detached, as in the paper: the
contrast moves the result, not the source's encoding. The loss is the mean over layers.
With flip equivariance (FastCUT) the result of the flipped source is encoded and its
features flipped back, as the paper does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from i2i.console import note
from i2i.errors import ConfigError
from i2i.losses.terms import LossTerm, TermContext, TermInputs

SOURCE_FEATURES = "source_features"  # TermInputs.cache key: features of the source's forward
FLIPPED_RESULT = "flipped_result"  # cache key: the translation of the flipped source


def generator_features_api(net: nn.Module | None, term: str):
    """The generator, if it exposes encoder features; a one-line error otherwise."""
    if net is None or not hasattr(net, "encode") or not hasattr(net, "feature_channels"):
        kind = type(net).__name__ if net is not None else "no generator"
        raise ConfigError(f"term '{term}' needs the generator's encoder features, which "
                          f"{kind} does not expose; use the resnet or unet generator")
    return net


class PatchNCE(LossTerm):
    needs = ("source", "result", "generator")
    trainable = True

    def __init__(self, ctx: TermContext, layers: list = [0, 4, 8, 12, 16],  # noqa: B006
                 num_patches: int = 256, temperature: float = 0.07,
                 mlp_channels: int = 256) -> None:
        super().__init__(ctx)
        gen = generator_features_api(ctx.generator, "patchnce")
        if num_patches < 1 or temperature <= 0 or mlp_channels < 1:
            raise ConfigError("patchnce: num_patches and mlp_channels must be >= 1 and "
                              "temperature > 0")
        self.layers = [int(i) for i in layers]
        channels = gen.feature_channels(self.layers, where=f"{ctx.where}.params.layers")
        self.num_patches, self.temperature = num_patches, temperature
        self._note_small_maps(gen, ctx)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(c, mlp_channels), nn.ReLU(), nn.Linear(mlp_channels,
                                                                          mlp_channels))
            for c in channels)
        for head in self.heads:  # xavier, gain 0.02: the CUT reference's init for the heads
            for m in head:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_normal_(m.weight, gain=0.02)
                    nn.init.zeros_(m.bias)

    def _note_small_maps(self, gen, ctx: TermContext) -> None:
        """Say once which layers hold fewer than ``num_patches`` positions at the training
        crop (they use all of theirs, as the authors' code does)."""
        size, nc = ctx.cfg.data.crop_size, ctx.cfg.data.input_nc
        param = next(gen.parameters())
        was_training = gen.training
        gen.eval()  # a probe must not touch batch-norm statistics or draw dropout masks
        try:
            with torch.no_grad():
                feats = gen.encode(torch.zeros(1, nc, size, size, device=param.device,
                                               dtype=param.dtype), self.layers)
        finally:
            gen.train(was_training)
        small = [f"layer {layer}: {f.shape[2] * f.shape[3]} ({f.shape[2]}x{f.shape[3]})"
                 for layer, f in zip(self.layers, feats, strict=True)
                 if f.shape[2] * f.shape[3] < self.num_patches]
        if small:
            note(f"{ctx.where}: num_patches is {self.num_patches}, but at --size {size} "
                 f"{'; '.join(small)} positions; those layers use all of theirs, as the "
                 "CUT authors' code does")

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        gen = inputs.generator
        cached = inputs.cache.get(SOURCE_FEATURES)  # from the forward that made the result
        source_feats = cached.for_layers(self.layers) if cached is not None else \
            gen.encode(inputs.source, self.layers)
        flipped = inputs.cache.get(FLIPPED_RESULT)
        if flipped is not None:  # FastCUT, as the paper: encode G(flip A), flip the features
            result_feats = [torch.flip(f, [3]) for f in gen.encode(flipped, self.layers)]
        else:
            result_feats = gen.encode(inputs.result, self.layers)
        total = 0.0
        for head, fk, fq in zip(self.heads, source_feats, result_feats, strict=True):
            ids = self._positions(fk)
            k = _l2_normalize(head(self._take(fk, ids))).detach()  # keys: no grad
            q = _l2_normalize(head(self._take(fq, ids)))
            total = total + self._nce(q, k)
        return total / len(self.heads)

    def _positions(self, feat: torch.Tensor) -> torch.Tensor:
        hw = feat.shape[2] * feat.shape[3]
        return torch.randperm(hw, device=feat.device)[: min(self.num_patches, hw)]

    @staticmethod
    def _take(feat: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, P, C) at the flat positions ``ids``."""
        return feat.flatten(2)[:, :, ids].transpose(1, 2)

    def _nce(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the positive (same position) against the image's other patches."""
        positive = (q * k).sum(-1, keepdim=True)  # (B, P, 1)
        negatives = torch.bmm(q, k.transpose(1, 2))  # (B, P, P); the diagonal is the positive
        eye = torch.eye(q.shape[1], device=q.device, dtype=torch.bool)[None]
        negatives = negatives.masked_fill(eye, -10.0)
        logits = torch.cat([positive, negatives], dim=2) / self.temperature
        target = torch.zeros(logits.shape[:2], dtype=torch.long, device=q.device)
        # at least fp32 (bf16 logits / 0.07 lose the contrast), fp64 kept for exact checks
        logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
        return F.cross_entropy(logits.flatten(0, 1), target.flatten())


def _l2_normalize(x: torch.Tensor) -> torch.Tensor:
    """``x / (|x| + 1e-7)`` over the last dim, as the authors' ``Normalize``: the heads'
    outputs start small (xavier gain 0.02), so the epsilon's place is visible there."""
    return x / (x.norm(dim=-1, keepdim=True) + 1e-7)
