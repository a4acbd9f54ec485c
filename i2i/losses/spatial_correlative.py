"""The spatially-correlative loss (Zheng et al. 2021, "The Spatially-Correlative Loss for
Various Image Translation Tasks", F-LSeSim): a translation should keep the *structure* of
its source, measured as the self-similarity of deep features, not the features themselves
(which carry the domain's appearance).

On frozen VGG16 ``layers`` (ReLU outputs; the authors' ``--attn_layers 4,7,9`` are relu3_1,
relu4_1 and relu4_3 of their list of VGG16 ReLUs), each feature map is centred and
L2-normalised per position; at ``num_patches`` random positions the cosine similarity of
that position to every position of a ``patch_size`` x ``patch_size`` px window around it
(in image pixels: ``patch_size / stride`` cells of a layer of that stride, shifted to lie
inside the map) is the position's similarity map. The loss compares
the maps of source and result: ``cos`` (1 - cosine similarity, the authors' default) or
``l1``. FSeSim uses the fixed VGG features; ``learned: true`` (LSeSim) puts a trainable
1x1-conv head on each layer, trained by this term's own contrastive step: a source's map at
a position must match the map of the same position in a photometrically augmented copy of
the source (``augment``) and no other position's (InfoNCE, temperature ``temperature``).
The VGG is frozen and not saved in checkpoints; the learned heads are.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.terms import LossTerm, TermContext, TermInputs
from i2i.nets.vgg import WIDTHS, check_layers, frozen_vgg, layer_names

DEFAULT_LAYERS = ["conv3_1", "conv4_1", "conv4_3"]  # read, never changed


class SpatiallyCorrelative(LossTerm):
    needs = ("source", "result")

    def __init__(self, ctx: TermContext, layers: list = DEFAULT_LAYERS,
                 num_patches: int = 256, patch_size: int = 64, mode: str = "cos",
                 learned: bool = False, temperature: float = 0.1, augment: bool = True,
                 lr: float = 0.0) -> None:
        super().__init__(ctx)
        layers = list(layers)
        check_layers("vgg16", layers)
        if mode not in ("cos", "l1"):
            raise ConfigError(f"scl mode is {mode!r}; choose one of: cos, l1")
        if num_patches < 1 or patch_size < 1 or temperature <= 0:
            raise ConfigError("scl: num_patches and patch_size must be >= 1, temperature > 0")
        self.layers, self.mode = layers, mode
        self.num_patches, self.patch_size = num_patches, patch_size
        self.temperature, self.augment, self.lr = temperature, augment, lr
        deepest = max(layers, key=layer_names("vgg16").index)
        # a plain attribute, not a submodule: frozen and never written into checkpoints
        # weights via the registry (I2I_WEIGHTS_DIR or the cache; a one-line error if absent)
        self.__dict__["vgg"] = frozen_vgg("vgg16", deepest, ctx.device)
        self._check_sizes(ctx.cfg.data.crop_size, ctx.where)
        self.learned = learned
        if learned:
            widths = [WIDTHS[int(name[4]) - 1] for name in layers]
            self.heads = nn.ModuleList(
                nn.Sequential(nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, c, 1))
                for c in widths)
            for head in self.heads:
                for m in head:
                    if isinstance(m, nn.Conv2d):
                        nn.init.normal_(m.weight, 0.0, 0.02)
                        nn.init.zeros_(m.bias)

    def _check_sizes(self, size: int, where: str) -> None:
        """Windows and patch counts must fit each layer's map at the training crop size."""
        if self.patch_size > size:
            raise ConfigError(f"scl patch_size is {self.patch_size} px, larger than --size "
                              f"{size}; set {where}.params.patch_size to at most {size}")
        for name in self.layers:
            side = size // _stride(name)
            if side < 1 or self.num_patches > side * side:
                raise ConfigError(
                    f"scl num_patches is {self.num_patches}, but VGG16 {name} has only "
                    f"{max(side, 0) ** 2} positions at --size {size}; set "
                    f"{where}.params.num_patches to at most {max(side, 0) ** 2}, "
                    "use shallower layers, or raise --size")

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

    # ------------------------------------------------------------------ features
    def _features(self, images: torch.Tensor) -> list[torch.Tensor]:
        found = self.vgg.of_tanh_images(images, self.layers)
        feats = [found[name] for name in self.layers]
        if self.learned:
            feats = [head(f) for head, f in zip(self.heads, feats, strict=True)]
        return feats

    def _similarity(self, feat: torch.Tensor, ids: torch.Tensor, stride: int) -> torch.Tensor:
        """(B, P, k*k) similarity maps of the positions ``ids`` to their windows."""
        b, c, h, w = feat.shape
        feat = feat - feat.mean(dim=(2, 3), keepdim=True)
        feat = F.normalize(feat, dim=1).flatten(2)  # (B, C, HW)
        query = feat[:, :, ids].transpose(1, 2)  # (B, P, C)
        full = torch.bmm(query, feat)  # (B, P, HW): to every position, cheap to gather from
        return full.gather(2, self._windows(ids, h, w, stride)[None].expand(b, -1, -1))

    def _windows(self, ids: torch.Tensor, h: int, w: int, stride: int) -> torch.Tensor:
        """(P, k*k) flat positions of the k x k window around each id, shifted to fit."""
        k = max(1, min(self.patch_size // stride, h, w))
        rows, cols = ids // w, ids % w
        top = (rows - k // 2).clamp(0, h - k)
        left = (cols - k // 2).clamp(0, w - k)
        offs = torch.arange(k, device=ids.device)
        r = top[:, None, None] + offs[None, :, None]
        c = left[:, None, None] + offs[None, None, :]
        return (r * w + c).flatten(1)

    def _positions(self, feat: torch.Tensor) -> torch.Tensor:
        hw = feat.shape[2] * feat.shape[3]
        return torch.randperm(hw, device=feat.device)[: min(self.num_patches, hw)]

    # ------------------------------------------------------------------ losses
    def loss(self, inputs: TermInputs) -> torch.Tensor:
        with torch.no_grad():
            source = self._features(inputs.source)
        if self.learned:  # frozen in the generator's pass, as the reference does
            self.heads.requires_grad_(False)
        try:
            result = self._features(inputs.result)
        finally:
            if self.learned:
                self.heads.requires_grad_(True)
        total = 0.0
        for name, fs, fr in zip(self.layers, source, result, strict=True):
            ids = self._positions(fs)
            ss = self._similarity(fs, ids, _stride(name))
            sr = self._similarity(fr, ids, _stride(name))
            if self.mode == "cos":
                total = total + (1 - F.cosine_similarity(ss, sr, dim=-1)).mean()
            else:
                total = total + (ss - sr).abs().mean()
        return total / len(source)

    def own_losses(self, inputs: TermInputs) -> dict[str, torch.Tensor]:
        """LSeSim's contrastive step for the learned heads (nothing for FSeSim)."""
        if not self.learned:
            return {}
        source = inputs.source.detach()
        other = _photometric_jitter(source) if self.augment else source
        total = 0.0
        for name, fa, fb in zip(self.layers, self._features(source), self._features(other),
                                strict=True):
            ids = self._positions(fa)
            sa = F.normalize(self._similarity(fa, ids, _stride(name)), dim=-1)
            sb = F.normalize(self._similarity(fb, ids, _stride(name)), dim=-1)
            logits = torch.bmm(sa, sb.transpose(1, 2)) / self.temperature  # (B, P, P)
            target = torch.arange(logits.shape[1], device=logits.device)
            total = total + F.cross_entropy(logits.flatten(0, 1),
                                            target.repeat(logits.shape[0]))
        return {"scl_contrast": total / len(self.layers)}


def _stride(layer: str) -> int:
    """How many image pixels one cell of VGG ``convN_x`` (2**(N-1)) or ``poolN`` (2**N)
    spans."""
    block = int(layer[4])
    return 2**block if layer.startswith("pool") else 2 ** (block - 1)


def _photometric_jitter(images: torch.Tensor) -> torch.Tensor:
    """Brightness, contrast and colour changes that keep every pixel where it is."""
    b = images.shape[0]
    scale = 1 + 0.4 * (torch.rand(b, 1, 1, 1, device=images.device) - 0.5)
    shift = 0.4 * (torch.rand(b, 3, 1, 1, device=images.device) - 0.5)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return ((images - mean) * scale + mean + shift).clamp(-1, 1)
