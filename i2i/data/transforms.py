"""Preprocessing as users of the reference CycleGAN/pix2pix code expect.

``resize_and_crop`` (load 286, crop 256), ``crop``, ``scale_width``,
``scale_width_and_crop`` and ``none`` (round to a multiple of 4), then an optional
horizontal flip. Randomness comes from a ``random.Random`` handed in per item, so the same
(seed, epoch, index) gives the same crop in any worker and after a resume. Paired data
passes the same ``Augment`` to both halves so they stay aligned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from i2i.config import DataConfig

BICUBIC = Image.Resampling.BICUBIC


@dataclass(frozen=True)
class Augment:
    """The random choices for one item: crop offset (fractions) and flip."""

    crop_fx: float
    crop_fy: float
    flip: bool

    @classmethod
    def draw(cls, rng: random.Random, flip_enabled: bool) -> Augment:
        return cls(rng.random(), rng.random(), flip_enabled and rng.random() < 0.5)


def preprocess(img: Image.Image, cfg: DataConfig, aug: Augment | None) -> Image.Image:
    """Resize/crop/flip one PIL image. ``aug=None`` means test time: centre crop, no flip."""
    mode = cfg.preprocess
    if mode == "resize_and_crop":
        img = img.resize((cfg.load_size, cfg.load_size), BICUBIC)
    elif mode in ("scale_width", "scale_width_and_crop"):
        img = _scale_width(img, cfg.load_size, cfg.crop_size)
    if mode in ("resize_and_crop", "crop", "scale_width_and_crop"):
        img = _crop(_at_least(img, cfg.crop_size), cfg.crop_size, aug)
    if mode in ("none", "scale_width"):
        img = _multiple_of(img, 4)
    if aug is not None and aug.flip:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img


def _scale_width(img: Image.Image, target_width: int, crop_size: int) -> Image.Image:
    w, h = img.size
    if w == target_width and h >= crop_size:
        return img
    new_h = max(int(round(target_width * h / w)), crop_size)
    return img.resize((target_width, new_h), BICUBIC)


def _at_least(img: Image.Image, size: int) -> Image.Image:
    """Images smaller than the crop are scaled up (short side = crop) rather than rejected."""
    w, h = img.size
    if w >= size and h >= size:
        return img
    scale = size / min(w, h)
    return img.resize((max(size, round(w * scale)), max(size, round(h * scale))), BICUBIC)


def _crop(img: Image.Image, size: int, aug: Augment | None) -> Image.Image:
    w, h = img.size
    fx, fy = (0.5, 0.5) if aug is None else (aug.crop_fx, aug.crop_fy)
    x = min(int(fx * (w - size + 1)), w - size)
    y = min(int(fy * (h - size + 1)), h - size)
    return img.crop((x, y, x + size, y + size))


def _multiple_of(img: Image.Image, base: int) -> Image.Image:
    w, h = img.size
    nw, nh = max(base, round(w / base) * base), max(base, round(h / base) * base)
    return img if (nw, nh) == (w, h) else img.resize((nw, nh), BICUBIC)
