"""Random brightness, contrast, saturation and hue changes of image tensors, one draw per
image, with the semantics of torchvision's ``ColorJitter`` (factors drawn uniformly from
[1 - x, 1 + x], the hue shift from [-hue, hue] turns of the colour wheel, the four applied
in a random order). Pixels stay where they are, so a jittered image has the same spatial
structure as its original: LSeSim's contrastive step uses such pairs as positives.

Pure torch on (N, 3, H, W) tensors in [0, 1]; no gradient is meant to flow through it.
"""

from __future__ import annotations

import torch

# ITU-R 601 luma as torchvision's rgb_to_grayscale rounds it (PIL's "L" uses 0.299)
LUMA = (0.2989, 0.587, 0.114)


def color_jitter(images: torch.Tensor, brightness: float = 0.5, contrast: float = 0.5,
                 saturation: float = 0.5, hue: float = 0.3,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image of ``images`` (N, 3, H, W in [0, 1]) jittered with its own random draw
    (from ``generator``, a CPU generator, or torch's default one)."""
    return torch.stack([_jitter_one(img, brightness, contrast, saturation, hue, generator)
                        for img in images])


def _uniform(low: float, high: float, generator) -> float:
    # drawn as torchvision's ColorJitter.get_params draws, so a seed gives its factors
    return float(torch.empty(1).uniform_(low, high, generator=generator))


def _jitter_one(img: torch.Tensor, brightness: float, contrast: float, saturation: float,
                hue: float, generator) -> torch.Tensor:
    order = torch.randperm(4, generator=generator).tolist()
    b = _uniform(max(0.0, 1 - brightness), 1 + brightness, generator)
    c = _uniform(max(0.0, 1 - contrast), 1 + contrast, generator)
    s = _uniform(max(0.0, 1 - saturation), 1 + saturation, generator)
    h = _uniform(-hue, hue, generator)
    for step in order:
        if step == 0:
            img = (img * b).clamp(0, 1)
        elif step == 1:
            img = _blend(img, _gray(img).mean(), c)
        elif step == 2:
            img = _blend(img, _gray(img), s)
        else:
            img = shift_hue(img, h)
    return img


def _gray(img: torch.Tensor) -> torch.Tensor:
    weights = torch.tensor(LUMA, dtype=img.dtype, device=img.device).view(3, 1, 1)
    return (img * weights).sum(dim=0, keepdim=True)


def _blend(img: torch.Tensor, other: torch.Tensor, factor: float) -> torch.Tensor:
    return (factor * img + (1 - factor) * other).clamp(0, 1)


def shift_hue(img: torch.Tensor, shift: float) -> torch.Tensor:
    """``img`` (3, H, W in [0, 1]) with its hue turned by ``shift`` (a fraction of a turn)."""
    h, s, v = rgb_to_hsv(img)
    return hsv_to_rgb(torch.remainder(h + shift, 1.0), s, v)


def rgb_to_hsv(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hue (in turns, [0, 1)), saturation and value of an RGB image (3, H, W)."""
    r, g, b = img.unbind(0)
    v = img.amax(dim=0)
    chroma = v - img.amin(dim=0)
    grey = chroma == 0
    safe = torch.where(grey, torch.ones_like(chroma), chroma)
    s = chroma / torch.where(v == 0, torch.ones_like(v), v)
    # the sector the largest channel names, and the position inside it
    h = torch.where(v == r, (g - b) / safe,
                    torch.where(v == g, 2 + (b - r) / safe, 4 + (r - g) / safe))
    h = torch.where(grey, torch.zeros_like(h), h)
    return torch.remainder(h / 6, 1.0), s, v


def hsv_to_rgb(h: torch.Tensor, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The RGB image (3, H, W) of hue (turns), saturation and value maps (H, W)."""
    # each channel n is v - v*s*clamp(min(k, 4 - k), 0, 1) with k = (n + 6h) mod 6
    out = []
    for n in (5.0, 3.0, 1.0):
        k = torch.remainder(n + 6 * h, 6.0)
        out.append(v - v * s * torch.clamp(torch.minimum(k, 4 - k), 0, 1))
    return torch.stack(out).clamp(0, 1)
