"""The TF "inception-2015-12-05" network that FID, KID and IS are defined on, in plain torch.

This is the graph of the original TensorFlow FID code, not torchvision's Inception v3: the
Mixed blocks average-pool without counting padding, and the last block max-pools its pool
branch. Batch norm has no scale (gamma == 1) and eps 1e-3. The module names follow the
StyleGAN-metrics naming (``conv``, ``mixed_3.tower_1.conv_2``, ...), so the TorchScript in
``inception-2015-12-05-fid.pt`` loads as is; the pytorch-fid state dict
(``pt_inception-2015-12-05-6726825d.pth``, torchvision-style names) is renamed on load by
:func:`from_pytorch_fid`. The input is NCHW at 299x299 already scaled to [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3
POOL_FEATURES = 2048
NUM_CLASSES = 1008  # the TF graph's softmax has 1008 outputs (1000 classes + unused)


class ConvBN(nn.Module):
    """Convolution without bias, scale-free batch norm (eval statistics), ReLU."""

    def __init__(self, cin: int, cout: int, kernel, stride: int = 1, padding=0):
        super().__init__()
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        self.stride = stride
        self.padding = padding if isinstance(padding, tuple) else (padding, padding)
        self.weight = nn.Parameter(torch.zeros(cout, cin, kh, kw))
        self.register_buffer("beta", torch.zeros(cout))
        self.register_buffer("mean", torch.zeros(cout))
        self.register_buffer("var", torch.ones(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight, None, self.stride, self.padding)
        x = F.batch_norm(x, self.mean, self.var, None, self.beta, False, 0.0, BN_EPS)
        return F.relu(x)


class _Tower(nn.Sequential):
    """A chain of ConvBN named conv, conv_1, conv_2, ... (the StyleGAN naming)."""

    def __init__(self, *layers: ConvBN):
        super().__init__()
        for i, layer in enumerate(layers):
            self.add_module("conv" if i == 0 else f"conv_{i}", layer)


def _avg3(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class Mixed35(nn.Module):
    """35x35 block (pytorch-fid's FIDInceptionA): 1x1, 5x5, double 3x3, avg-pool branches."""

    def __init__(self, cin: int, pool_features: int):
        super().__init__()
        self.conv = ConvBN(cin, 64, 1)
        self.tower = _Tower(ConvBN(cin, 48, 1), ConvBN(48, 64, 5, padding=2))
        self.tower_1 = _Tower(ConvBN(cin, 64, 1), ConvBN(64, 96, 3, padding=1),
                              ConvBN(96, 96, 3, padding=1))
        self.tower_2 = _Tower(ConvBN(cin, pool_features, 1))

    def forward(self, x):
        return torch.cat([self.conv(x), self.tower(x), self.tower_1(x),
                          self.tower_2(_avg3(x))], 1)


class Reduce35(nn.Module):
    """35 -> 17 grid reduction (torchvision's InceptionB)."""

    def __init__(self, cin: int):
        super().__init__()
        self.conv = ConvBN(cin, 384, 3, stride=2)
        self.tower = _Tower(ConvBN(cin, 64, 1), ConvBN(64, 96, 3, padding=1),
                            ConvBN(96, 96, 3, stride=2))

    def forward(self, x):
        return torch.cat([self.conv(x), self.tower(x), F.max_pool2d(x, 3, stride=2)], 1)


class Mixed17(nn.Module):
    """17x17 block with factorised 7x7 convolutions (pytorch-fid's FIDInceptionC)."""

    def __init__(self, cin: int, c7: int):
        super().__init__()
        self.conv = ConvBN(cin, 192, 1)
        self.tower = _Tower(ConvBN(cin, c7, 1), ConvBN(c7, c7, (1, 7), padding=(0, 3)),
                            ConvBN(c7, 192, (7, 1), padding=(3, 0)))
        self.tower_1 = _Tower(
            ConvBN(cin, c7, 1), ConvBN(c7, c7, (7, 1), padding=(3, 0)),
            ConvBN(c7, c7, (1, 7), padding=(0, 3)), ConvBN(c7, c7, (7, 1), padding=(3, 0)),
            ConvBN(c7, 192, (1, 7), padding=(0, 3)),
        )
        self.tower_2 = _Tower(ConvBN(cin, 192, 1))

    def forward(self, x):
        return torch.cat([self.conv(x), self.tower(x), self.tower_1(x),
                          self.tower_2(_avg3(x))], 1)


class Reduce17(nn.Module):
    """17 -> 8 grid reduction (torchvision's InceptionD)."""

    def __init__(self, cin: int):
        super().__init__()
        self.tower = _Tower(ConvBN(cin, 192, 1), ConvBN(192, 320, 3, stride=2))
        self.tower_1 = _Tower(ConvBN(cin, 192, 1), ConvBN(192, 192, (1, 7), padding=(0, 3)),
                              ConvBN(192, 192, (7, 1), padding=(3, 0)),
                              ConvBN(192, 192, 3, stride=2))

    def forward(self, x):
        return torch.cat([self.tower(x), self.tower_1(x), F.max_pool2d(x, 3, stride=2)], 1)


class Mixed8(nn.Module):
    """8x8 block with split 1x3/3x1 outputs (pytorch-fid's FIDInceptionE_1 / _2).

    ``max_pool``: the last block of the TF graph max-pools its pool branch (E_2), the one
    before it average-pools without padding (E_1).
    """

    def __init__(self, cin: int, max_pool: bool):
        super().__init__()
        self.max_pool = max_pool
        self.conv = ConvBN(cin, 320, 1)
        self.tower_conv = ConvBN(cin, 384, 1)
        self.tower_mixed_conv = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.tower_mixed_conv_1 = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.tower_1_conv = ConvBN(cin, 448, 1)
        self.tower_1_conv_1 = ConvBN(448, 384, 3, padding=1)
        self.tower_1_mixed_conv = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.tower_1_mixed_conv_1 = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.tower_2_conv = ConvBN(cin, 192, 1)

    def forward(self, x):
        a = self.tower_conv(x)
        b = self.tower_1_conv_1(self.tower_1_conv(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else _avg3(x)
        return torch.cat([
            self.conv(x), self.tower_mixed_conv(a), self.tower_mixed_conv_1(a),
            self.tower_1_mixed_conv(b), self.tower_1_mixed_conv_1(b), self.tower_2_conv(pooled),
        ], 1)


class FIDInception(nn.Module):
    """Images (N, 3, 299, 299) in [-1, 1] -> 2048-d pool features (and 1008 logits if headed).

    ``with_head`` adds the 1008-class linear layer that the Inception Score needs; only the
    pytorch-fid weights carry it.
    """

    def __init__(self, with_head: bool = False):
        super().__init__()
        self.layers = nn.Module()
        L = self.layers
        L.conv = ConvBN(3, 32, 3, stride=2)
        L.conv_1 = ConvBN(32, 32, 3)
        L.conv_2 = ConvBN(32, 64, 3, padding=1)
        L.conv_3 = ConvBN(64, 80, 1)
        L.conv_4 = ConvBN(80, 192, 3)
        L.mixed = Mixed35(192, 32)
        L.mixed_1 = Mixed35(256, 64)
        L.mixed_2 = Mixed35(288, 64)
        L.mixed_3 = Reduce35(288)
        L.mixed_4 = Mixed17(768, 128)
        L.mixed_5 = Mixed17(768, 160)
        L.mixed_6 = Mixed17(768, 160)
        L.mixed_7 = Mixed17(768, 192)
        L.mixed_8 = Reduce17(768)
        L.mixed_9 = Mixed8(1280, max_pool=False)
        L.mixed_10 = Mixed8(2048, max_pool=True)
        self.fc = nn.Linear(POOL_FEATURES, NUM_CLASSES) if with_head else None

    @property
    def has_head(self) -> bool:
        return self.fc is not None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Returns (pool features (N, 2048), logits (N, 1008) or None)."""
        L = self.layers
        x = L.conv_2(L.conv_1(L.conv(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = L.conv_4(L.conv_3(x))
        x = F.max_pool2d(x, 3, stride=2)
        for name in ("mixed", "mixed_1", "mixed_2", "mixed_3", "mixed_4", "mixed_5", "mixed_6",
                     "mixed_7", "mixed_8", "mixed_9", "mixed_10"):
            x = getattr(L, name)(x)
        pool = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        logits = self.fc(pool) if self.fc is not None else None
        return pool, logits


# ---------------------------------------------------------------- pytorch-fid key names
# Each torchvision-style block name -> (our block name, {branch name: our ConvBN path}).
_A = {"branch1x1": "conv", "branch5x5_1": "tower.conv", "branch5x5_2": "tower.conv_1",
      "branch3x3dbl_1": "tower_1.conv", "branch3x3dbl_2": "tower_1.conv_1",
      "branch3x3dbl_3": "tower_1.conv_2", "branch_pool": "tower_2.conv"}
_B = {"branch3x3": "conv", "branch3x3dbl_1": "tower.conv", "branch3x3dbl_2": "tower.conv_1",
      "branch3x3dbl_3": "tower.conv_2"}
_C = {"branch1x1": "conv", "branch7x7_1": "tower.conv", "branch7x7_2": "tower.conv_1",
      "branch7x7_3": "tower.conv_2", "branch_pool": "tower_2.conv",
      **{f"branch7x7dbl_{i}": "tower_1.conv" + ("" if i == 1 else f"_{i - 1}")
         for i in range(1, 6)}}
_D = {"branch3x3_1": "tower.conv", "branch3x3_2": "tower.conv_1",
      **{f"branch7x7x3_{i}": "tower_1.conv" + ("" if i == 1 else f"_{i - 1}")
         for i in range(1, 5)}}
_E = {"branch1x1": "conv", "branch3x3_1": "tower_conv", "branch3x3_2a": "tower_mixed_conv",
      "branch3x3_2b": "tower_mixed_conv_1", "branch3x3dbl_1": "tower_1_conv",
      "branch3x3dbl_2": "tower_1_conv_1", "branch3x3dbl_3a": "tower_1_mixed_conv",
      "branch3x3dbl_3b": "tower_1_mixed_conv_1", "branch_pool": "tower_2_conv"}
PYTORCH_FID_BLOCKS: dict[str, tuple[str, dict[str, str] | None]] = {
    "Conv2d_1a_3x3": ("conv", None), "Conv2d_2a_3x3": ("conv_1", None),
    "Conv2d_2b_3x3": ("conv_2", None), "Conv2d_3b_1x1": ("conv_3", None),
    "Conv2d_4a_3x3": ("conv_4", None),
    "Mixed_5b": ("mixed", _A), "Mixed_5c": ("mixed_1", _A), "Mixed_5d": ("mixed_2", _A),
    "Mixed_6a": ("mixed_3", _B), "Mixed_6b": ("mixed_4", _C), "Mixed_6c": ("mixed_5", _C),
    "Mixed_6d": ("mixed_6", _C), "Mixed_6e": ("mixed_7", _C), "Mixed_7a": ("mixed_8", _D),
    "Mixed_7b": ("mixed_9", _E), "Mixed_7c": ("mixed_10", _E),
}
_BN_SUFFIX = {"bn.bias": "beta", "bn.running_mean": "mean", "bn.running_var": "var",
              "conv.weight": "weight"}


def pytorch_fid_to_ours(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a pytorch-fid state dict to this module's keys.

    The batch-norm scale (``bn.weight``) is folded into the convolution and the running
    mean, which is exact: (g*y - g*m) / s == g * (y - m) / s. In the released file it is 1.
    """
    ours: dict[str, torch.Tensor] = {}
    gammas: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.startswith("fc."):
            ours[key] = tensor
            continue
        block, _, rest = key.partition(".")
        if block not in PYTORCH_FID_BLOCKS or rest.endswith("num_batches_tracked"):
            continue
        target, branches = PYTORCH_FID_BLOCKS[block]
        if branches is not None:
            branch, _, rest = rest.partition(".")
            target = f"{target}.{branches[branch]}"
        if rest == "bn.weight":
            gammas[f"layers.{target}"] = tensor
        elif rest in _BN_SUFFIX:
            ours[f"layers.{target}.{_BN_SUFFIX[rest]}"] = tensor
    for prefix, gamma in gammas.items():
        ours[f"{prefix}.weight"] = ours[f"{prefix}.weight"] * gamma.view(-1, 1, 1, 1)
        ours[f"{prefix}.mean"] = ours[f"{prefix}.mean"] * gamma
    return ours


def from_torchscript_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keys of the StyleGAN-metrics TorchScript (``net.layers.*``) -> this module's keys."""
    return {key.removeprefix("net."): t for key, t in state.items() if "layers." in key}
