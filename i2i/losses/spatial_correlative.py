"""The spatially-correlative loss (Zheng et al. 2021, "The Spatially-Correlative Loss for
Various Image Translation Tasks", F-LSeSim): a translation should keep the *structure* of
its source, measured as the self-similarity of deep features, not the features themselves
(which carry the domain's appearance).

As the authors' code computes it (lyndonzheng/F-LSeSim, ``models/losses.py``: ``PatchSim``,
``SpatialCorrelativeLoss``; ``models/sc_model.py``): on frozen VGG16 ``layers`` (ReLU
outputs; their ``--attn_layers 4,7,9`` are relu3_1, relu4_1 and relu4_3), each feature map
is centred per channel; ``num_patches`` random positions (all of them where the map has
fewer; 0 takes every position) are each compared with a ``patch_size`` x ``patch_size``
window of *feature cells* around them (shifted to lie inside the map), or with the whole
map when the map is not larger than the window. Without ``use_norm`` (the authors'
default) features are divided by sqrt(C) and a similarity is tanh(q.k / 10); with it they
are L2-normalised per position and a similarity is q.k (a cosine). The maps of source and
result are compared where the *result's* map has its top quarter of values (the rest is
zeroed in both): ``cos`` mode, criterion(1, cosine of the two maps); ``l1`` mode,
criterion of the two maps scaled by N / (N // 4); the criterion is L1 with ``use_norm``,
SmoothL1 without. Layers are averaged.

FSeSim uses the fixed VGG features; ``learned: true`` (LSeSim) puts a trainable head on
each layer (1x1 conv c -> m, ReLU, 1x1 conv m -> m, m = max(32, c // 4), normal(0, 0.02)
init), frozen in the generator's pass and trained by this term's own contrastive step
(InfoNCE at ``temperature``): a position's map in the source A must match the same
position's map in G(A) (detached) against the other positions of G(A), of a flipped real
image of the target domain, and that flipped image's maps against G(A)'s. With
``augment`` the batch is doubled by a second positive pair, A and a colour-jittered A
(``ColorJitter(0.5, 0.5, 0.5, 0.3)``), whose negatives come from a colour-jittered
flipped target-domain image. The VGG is frozen and not saved in checkpoints; the heads are.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.color_jitter import color_jitter
from i2i.losses.terms import LossTerm, TermContext, TermInputs
from i2i.nets.vgg import WIDTHS, check_layers, frozen_vgg, layer_names

DEFAULT_LAYERS = ["conv3_1", "conv4_1", "conv4_3"]  # read, never changed
TANH_SCALE = 10.0  # tanh(q.k / 10) without use_norm, as the authors' PatchSim
JITTER = {"brightness": 0.5, "contrast": 0.5, "saturation": 0.5, "hue": 0.3}  # their dataset


class SpatiallyCorrelative(LossTerm):
    needs = ("source", "result")

    def __init__(self, ctx: TermContext, layers: list = DEFAULT_LAYERS,
                 num_patches: int = 256, patch_size: int = 64, mode: str = "cos",
                 use_norm: bool = False, learned: bool = False, temperature: float = 0.07,
                 augment: bool = True, lr: float = 0.0) -> None:
        super().__init__(ctx)
        layers = list(layers)
        check_layers("vgg16", layers)
        if mode not in ("cos", "l1"):
            raise ConfigError(f"scl mode is {mode!r}; choose one of: cos, l1")
        if num_patches < 0 or patch_size < 1 or temperature <= 0:
            raise ConfigError("scl: num_patches must be >= 0 (0: every position), "
                              "patch_size >= 1 and temperature > 0")
        self.layers, self.mode, self.use_norm = layers, mode, bool(use_norm)
        self.num_patches, self.patch_size = num_patches, patch_size
        self.temperature, self.augment, self.lr = temperature, augment, lr
        deepest = max(layers, key=layer_names("vgg16").index)
        # a plain attribute, not a submodule: frozen and never written into checkpoints
        # weights via the registry (I2I_WEIGHTS_DIR or the cache; a one-line error if absent)
        self.__dict__["vgg"] = frozen_vgg("vgg16", deepest, ctx.device)
        self._check_sizes(ctx.cfg.data.crop_size)
        self.learned = learned
        if learned:
            self.heads = nn.ModuleList(_head(WIDTHS[int(name[4]) - 1]) for name in layers)

    def _check_sizes(self, size: int) -> None:
        """Every layer's map must have a position at the training crop size; where it has
        fewer than ``num_patches``, all are used (as the authors' code does), said once."""
        fewer = []
        for name in self.layers:
            side = size // _stride(name)
            if side < 1:
                raise ConfigError(f"scl: VGG16 {name} has no positions at --size {size}; "
                                  "use shallower layers or raise --size")
            if self.num_patches > side * side:
                fewer.append(f"{name} {side * side}")
        if fewer:
            from i2i.console import note

            note(f"scl num_patches is {self.num_patches}, but at --size {size} some VGG16 "
                 f"maps have fewer positions; using all of them there ({', '.join(fewer)})")

    @property
    def trainable(self) -> bool:  # only the learned variant owns parameters
        return self.learned

    @property
    def steps_with_generator(self) -> bool:
        return False  # the learned heads learn from the contrastive step alone

    def make_optimizer(self, make_adam):
        if not self.learned:
            return None
        opt = make_adam(self)
        if self.lr > 0:
            for group in opt.param_groups:
                group["lr"] = group["initial_lr"] = self.lr
        return opt

    # ------------------------------------------------------------------ pieces
    def vgg_features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The frozen VGG16's maps of ``layers`` for images in [-1, 1]."""
        found = self.vgg.of_tanh_images(images, self.layers)
        return [found[name] for name in self.layers]

    def sample_ids(self, feat: torch.Tensor) -> torch.Tensor | None:
        """Random positions of one map, as the authors draw them (None: every position)."""
        if self.num_patches == 0:
            return None
        hw = feat.shape[2] * feat.shape[3]
        return torch.randperm(hw, device=feat.device)[: min(self.num_patches, hw)]

    def _head(self, i: int, feat: torch.Tensor) -> torch.Tensor:
        return self.heads[i](feat) if self.learned else feat

    def structure_loss(self, source: list[torch.Tensor], result: list[torch.Tensor],
                       ids: list[torch.Tensor | None] | None = None) -> torch.Tensor:
        """The term's value on VGG maps of source and result (ids drawn when not given)."""
        total = 0.0
        for i, (fs, fr) in enumerate(zip(source, result, strict=True)):
            fs, fr = self._head(i, fs), self._head(i, fr)
            pick = self.sample_ids(fs) if ids is None else ids[i]
            sim_s = similarity_maps(fs, pick, self.patch_size, self.use_norm)
            sim_r = similarity_maps(fr, pick, self.patch_size, self.use_norm)
            total = total + compare_maps(sim_s, sim_r, self.mode, self.use_norm)
        return total / len(source)

    def contrast_loss(self, source: list[torch.Tensor], positive: list[torch.Tensor],
                      other: list[torch.Tensor],
                      ids: list[torch.Tensor | None] | None = None) -> torch.Tensor:
        """The heads' contrastive loss on VGG maps (ids drawn when not given)."""
        total = 0.0
        for i, (fs, fp, fo) in enumerate(zip(source, positive, other, strict=True)):
            fs, fp, fo = self._head(i, fs), self._head(i, fp), self._head(i, fo)
            pick = self.sample_ids(fs) if ids is None else ids[i]
            maps = [similarity_maps(f, pick, self.patch_size, self.use_norm)
                    for f in (fs, fp, fo)]
            total = total + contrast_maps(*maps, self.temperature)
        return total / len(source)

    # ------------------------------------------------------------------ losses
    def loss(self, inputs: TermInputs) -> torch.Tensor:
        with torch.no_grad():
            source = self.vgg_features(inputs.source)
        result = self.vgg_features(inputs.result)
        if self.learned:  # frozen in the generator's pass, as the reference does
            self.heads.requires_grad_(False)
        try:  # similarities are differences of small numbers: fp32 whatever autocast says
            with torch.autocast(inputs.result.device.type, enabled=False):
                return self.structure_loss(source, result)
        finally:
            if self.learned:
                self.heads.requires_grad_(True)

    def own_losses(self, inputs: TermInputs) -> dict[str, torch.Tensor]:
        """LSeSim's contrastive step for the learned heads (nothing for FSeSim).

        As the authors' ``backward_F``: source A, positive G(A) (detached), negatives from
        a real image of the target domain (``reference``; the source itself where a method
        feeds none) flipped in both axes; with ``augment`` a second pair (A, jittered A)
        with a jittered flipped reference as its negative."""
        if not self.learned:
            return {}
        source = inputs.source.detach()
        positive = inputs.result.detach()
        other = (inputs.reference if inputs.reference is not None else inputs.source).detach()
        if self.augment:
            positive = torch.cat([positive, jitter_tanh(source)])
            other = torch.cat([other, jitter_tanh(other)])
            source = torch.cat([source, source])
        with torch.no_grad():
            feats = [self.vgg_features(x) for x in (source, positive, torch.flip(other, [2, 3]))]
        with torch.autocast(source.device.type, enabled=False):
            return {"scl_contrast": self.contrast_loss(*feats)}


# ---------------------------------------------------------------------- the formulas
def similarity_maps(feat: torch.Tensor, ids: torch.Tensor | None, patch_size: int,
                    use_norm: bool) -> torch.Tensor:
    """(B, P, K) similarities of the positions ``ids`` of ``feat`` (B, C, H, W) to the
    ``patch_size``-cell window around each (K = patch_size**2), or to the whole map (K =
    H*W) where the map is not larger than the window; ``ids`` None: every position."""
    b, c, h, w = feat.shape
    feat = feat - feat.mean(dim=(2, 3), keepdim=True)
    feat = F.normalize(feat, dim=1) if use_norm else feat / math.sqrt(c)
    flat = feat.flatten(2)  # (B, C, HW)
    query = (flat if ids is None else flat[:, :, ids]).transpose(1, 2)  # (B, P, C)
    sim = torch.bmm(query, flat)  # to every position: one matmul, then pick the windows
    if ids is not None and patch_size < h and patch_size < w:
        windows = _windows(ids, h, w, patch_size)
        sim = sim.gather(2, windows[None].expand(b, -1, -1))
    return sim if use_norm else torch.tanh(sim / TANH_SCALE)


def _windows(ids: torch.Tensor, h: int, w: int, k: int) -> torch.Tensor:
    """(P, k*k) flat positions of the k x k window from (row - k//2, col - k//2) of each
    id, shifted to lie inside the map, row-major as the authors slice it."""
    rows, cols = ids // w, ids % w
    top = (rows - k // 2).clamp(0, h - k)
    left = (cols - k // 2).clamp(0, w - k)
    offs = torch.arange(k, device=ids.device)
    r = top[:, None, None] + offs[None, :, None]
    c = left[:, None, None] + offs[None, None, :]
    return (r * w + c).flatten(1)


def compare_maps(sim_src: torch.Tensor, sim_tgt: torch.Tensor, mode: str,
                 use_norm: bool) -> torch.Tensor:
    """The authors' ``compare_sim`` without ``sim_other``: both maps kept where the
    target's (the translation's) map has its ``N // 4 + 1`` largest values (ties kept)."""
    n = sim_src.shape[-1]
    num = n // 4
    with torch.no_grad():
        cut = sim_tgt.topk(num + 1, dim=-1).values[..., -1:]
    keep = sim_tgt >= cut
    src = torch.where(keep, sim_src, torch.zeros_like(sim_src))
    tgt = torch.where(keep, sim_tgt, torch.zeros_like(sim_tgt))
    criterion = F.l1_loss if use_norm else F.smooth_l1_loss
    if mode == "l1":
        scale = n / max(num, 1)  # the authors divide by zero below 4 cells; 1 is N there
        return criterion(scale * src, scale * tgt)
    cos = F.cosine_similarity(src, tgt, dim=-1)
    return criterion(torch.ones_like(cos), cos)


def contrast_maps(sim_src: torch.Tensor, sim_pos: torch.Tensor, sim_other: torch.Tensor,
                  temperature: float) -> torch.Tensor:
    """The authors' ``compare_sim`` with ``sim_other``: the source's map at position i
    must match the positive's map at i (logit s_i.t_i / T) against s_i.t_j (j != i),
    s_i.o_j and t_i.o_j for every j (o: the other image's maps), all maps L2-normalised."""
    b, p, _ = sim_src.shape
    s, t, o = (F.normalize(x, dim=-1) for x in (sim_src, sim_pos, sim_other))
    logits = torch.cat([torch.bmm(s, t.transpose(1, 2)), torch.bmm(s, o.transpose(1, 2)),
                        torch.bmm(t, o.transpose(1, 2))], dim=-1) / temperature
    target = torch.arange(p, device=logits.device).repeat(b)
    return F.cross_entropy(logits.flatten(0, 1), target)


def jitter_tanh(images: torch.Tensor) -> torch.Tensor:
    """The authors' ``ColorJitter(0.5, 0.5, 0.5, 0.3)`` on images in [-1, 1]."""
    return color_jitter((images + 1) / 2, **JITTER) * 2 - 1


def _head(channels: int) -> nn.Sequential:
    """The authors' ``create_conv``: c -> max(32, c // 4) -> same, normal(0, 0.02) init."""
    width = max(32, channels // 4)
    head = nn.Sequential(nn.Conv2d(channels, width, 1), nn.ReLU(), nn.Conv2d(width, width, 1))
    for m in head:
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
    return head


def _stride(layer: str) -> int:
    """How many image pixels one cell of VGG ``convN_x`` (2**(N-1)) or ``poolN`` (2**N)
    spans."""
    block = int(layer[4])
    return 2**block if layer.startswith("pool") else 2 ** (block - 1)
