"""One evaluation of a fake set against a real set: what a metric reads while it computes.

An :class:`EvalJob` extracts (and caches) Inception features lazily, so a run of only PSNR
never loads the Inception network, and FID + KID + precision/recall extract each set once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from i2i.console import warn
from i2i.errors import DataError
from i2i.images import IMAGE_EXTENSIONS, list_images
from i2i.metrics import cache
from i2i.metrics.features import FeatureSet, extract_features
from i2i.metrics.stats import gaussian_stats


@dataclass(frozen=True)
class EvalOptions:
    """Settings of ``i2i evaluate`` that change how numbers are computed."""

    metrics: tuple[str, ...] = ("fid", "kid")
    weights_dir: Path | None = None
    device: str = "auto"
    batch_size: int = 50
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    seed: int = 0
    cache: bool = True  # cache the real set's features under $I2I_HOME/metrics



def image_files(folder: Path, label: str) -> list[Path]:
    """Images under ``folder``; DataError when it is missing or holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{label} folder {folder} does not exist")
    files = list_images(folder)
    if not files:
        raise DataError(f"no images in {label} folder {folder} (looked for "
                        f"{', '.join(IMAGE_EXTENSIONS)})")
    return files


@dataclass
class ImageSet:
    """A folder of images and, once computed, its features."""

    root: Path
    files: list[Path]
    cacheable: bool = False
    feats: FeatureSet | None = None
    _stats: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_folder(cls, folder: Path, label: str, cacheable: bool = False) -> ImageSet:
        return cls(Path(folder), image_files(folder, label), cacheable)


@dataclass
class EvalJob:
    real: ImageSet | None  # None when every metric reads the fake set only (IS, diversity)
    fake: ImageSet
    options: EvalOptions
    device: torch.device
    warned: set[str] = field(default_factory=set)
    #: file -> reason, for images a metric read by itself and could not (not features)
    unreadable: dict[str, str] = field(default_factory=dict)

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            warn(message)

    def features(self, which: str, logits: bool = False) -> FeatureSet:
        """Inception features of ``"real"`` or ``"fake"`` (with 1008 logits if asked)."""
        from i2i.metrics.networks import load_inception

        image_set = self.real if which == "real" else self.fake
        if image_set.feats is not None and (not logits or image_set.feats.logits is not None):
            return image_set.feats
        net, net_file = load_inception(self.options.weights_dir, self.device, need_head=logits)
        key = None
        if image_set.cacheable and self.options.cache:
            key = cache.feature_key(image_set.files, net_file, net.has_head)
            hit = cache.load(key)
            if hit is not None and (not logits or hit.logits is not None):
                image_set.feats, image_set._stats = hit, None
                return hit
        feats = extract_features(image_set.files, net, self.device, self.options.batch_size,
                                 label=f"{which} features", root=image_set.root)
        if not feats.names:
            raise DataError(f"no readable images in {image_set.root}")
        if key is not None:
            cache.save(key, feats)
        image_set.feats, image_set._stats = feats, None
        return feats

    def stats(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        image_set = self.real if which == "real" else self.fake
        if image_set._stats is None:
            image_set._stats = gaussian_stats(self.features(which).pool)
        return image_set._stats

    @property
    def bad_files(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for image_set in (self.real, self.fake):
            if image_set is not None and image_set.feats is not None:
                seen.update(image_set.feats.bad)
        seen.update(self.unreadable)
        return list(seen.items())
