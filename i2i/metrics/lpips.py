"""LPIPS v0.1 (Zhang et al. 2018) with the VGG16 backbone, for paired images.

Both images in [-1, 1] are shifted/scaled per channel, run through the VGG16 conv stack;
at relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3 the features are unit-normalised over
channels, their squared difference is weighted by the learned linear head, averaged over
space, and the five layers are summed. The heads are the v0.1 ``vgg.pth`` of the ``lpips``
package, vendored in ``i2i/metrics/data/`` (see PROVENANCE.md there); the backbone comes
from the ``vgg16-lpips`` weights entry.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import vgg16

from i2i.metrics.base import PairedMetric

HEADS_FILE = Path(__file__).parent / "data" / "lpips_vgg_v0.1.pth"
HEADS_SHA256 = "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868"
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
#: VGG16 ``features`` index just after each tapped ReLU (relu1_2 ... relu5_3)
TAPS = (4, 9, 16, 23, 30)


class LPIPS(nn.Module):
    """d(x, y) for image batches (N, 3, H, W) in [-1, 1] -> (N,)."""

    def __init__(self, vgg_state: dict[str, torch.Tensor], heads: dict[str, torch.Tensor]):
        super().__init__()
        features = vgg16(weights=None).features
        features.load_state_dict(vgg_state, strict=True)
        self.slices = nn.ModuleList(
            features[a:b] for a, b in zip((0,) + TAPS[:-1], TAPS, strict=False))
        self.heads = nn.ParameterList(
            nn.Parameter(heads[f"lin{i}.model.1.weight"], requires_grad=False)
            for i in range(len(TAPS)))
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))
        self.requires_grad_(False)  # a fixed metric; callers that need gradients re-enable

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, y = (x - self.shift) / self.scale, (y - self.shift) / self.scale
        total = torch.zeros(x.shape[0], device=x.device)
        for block, head in zip(self.slices, self.heads, strict=False):
            x, y = block(x), block(y)
            diff = (_unit(x) - _unit(y)) ** 2
            total = total + F.conv2d(diff, head).mean(dim=(1, 2, 3))
        return total


def _unit(t: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    return t / (t.pow(2).sum(dim=1, keepdim=True).sqrt() + eps)


def load_heads() -> dict[str, torch.Tensor]:
    return torch.load(HEADS_FILE, map_location="cpu", weights_only=True)


@functools.lru_cache(maxsize=2)
def load_lpips(weights_dir: str | None, device: str) -> LPIPS:
    from i2i.metrics.networks import vgg16_features_state

    net = LPIPS(vgg16_features_state(weights_dir), load_heads())
    return net.eval().requires_grad_(False).to(device)


def to_unit_range(arr: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> (1, 3, H, W) float in [-1, 1]."""
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)[None].float().div(127.5).sub(1.0)


class LPIPSMetric(PairedMetric):
    name = "lpips"
    description = "LPIPS v0.1, VGG16 backbone (paired), lower is better"
    columns = ("lpips",)

    def prepare(self, job):
        wd = str(job.options.weights_dir) if job.options.weights_dir else None
        self.device = job.device
        self.net = load_lpips(wd, str(job.device))

    def score_pair(self, real, fake):
        with torch.inference_mode():
            d = self.net(to_unit_range(real).to(self.device), to_unit_range(fake).to(self.device))
        return float(d[0])
