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

    statistics_only: bool = False  # a .npz of mean and covariance, no features

    @classmethod
    def from_folder(cls, folder: Path, label: str, cacheable: bool = False) -> ImageSet:
        if Path(folder).suffix.lower() == ".npz" and Path(folder).is_file():
            return read_statistics(Path(folder), label)
        return cls(Path(folder), image_files(folder, label), cacheable)


def read_statistics(path: Path, label: str) -> ImageSet:
    """A reference set given as a ``.npz`` file instead of images, as pytorch-fid and
    clean-fid take one: ``mu`` and ``sigma`` (their saved FID statistics: enough for FID),
    and/or the features of every image (``pool``, an i2i cache entry in
    ``$I2I_HOME/metrics/``, or clean-fid's ``feats``: enough for KID and precision/recall
    too). They must come from the network and protocol i2i uses (pytorch-fid's 2048-d pool
    features); a metric checks the width against the fake set's features."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise DataError(f"{label} {path} is not a readable .npz of statistics ({err})") from err
    pool = arrays.get("pool", arrays.get("feats"))
    stats = (arrays["mu"], arrays["sigma"]) if "mu" in arrays and "sigma" in arrays else None
    if pool is None and stats is None:
        raise DataError(f"{label} {path} holds neither mu and sigma (FID statistics) nor "
                        f"features (pool); it has: {', '.join(arrays) or 'nothing'}")
    dims = {a.shape[-1] for a in ([pool] if pool is not None else []) +
            ([stats[0]] if stats else [])}
    if len(dims) != 1 or (stats is not None and (stats[0].ndim != 1 or stats[1].shape != (
            stats[0].shape[0],) * 2)) or (pool is not None and pool.ndim != 2):
        raise DataError(f"{label} {path}: mu, sigma and the features do not fit together "
                        "(want mu (D,), sigma (D, D), features (N, D))")
    image_set = ImageSet(path, [], statistics_only=pool is None)
    if pool is not None:
        pool = np.asarray(pool, np.float64)
        image_set.feats = FeatureSet(pool, None, [f"#{i}" for i in range(len(pool))], [])
    if stats is not None:
        image_set._stats = (np.asarray(stats[0], np.float64), np.asarray(stats[1], np.float64))
    return image_set


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
        feats = self._features(which, logits)
        other = self.fake if which == "real" else self.real
        if other is not None and other.feats is not None and \
                other.feats.pool.shape[1] != feats.pool.shape[1]:
            raise DataError(f"{self.real.root} holds {self.real.feats.pool.shape[1]}-d "
                            f"features; the network gives {self.fake.feats.pool.shape[1]}-d "
                            "ones (another network or protocol)")
        return feats

    def _features(self, which: str, logits: bool) -> FeatureSet:
        from i2i.metrics.networks import load_inception

        image_set = self.real if which == "real" else self.fake
        if image_set.feats is not None and (not logits or image_set.feats.logits is not None):
            return image_set.feats
        if image_set.statistics_only:
            raise DataError(f"{image_set.root} holds only the mean and covariance of the "
                            "real features (enough for FID alone); give the image folder "
                            "for this metric")
        if image_set.feats is not None and not image_set.files:
            raise DataError(f"{image_set.root} holds features without logits; give the "
                            "image folder for this metric")
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
