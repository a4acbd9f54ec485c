"""Paired data as side-by-side images: ``train/ val/ test/`` each holding A|B images.

Every image is cut in half (A left, B right); the width must be twice the height. Both
halves get the same random crop and flip (one :class:`Augment` per item), so the pair stays
aligned. ``data.direction=BtoA`` swaps the halves. Sizes are checked from image headers when
the dataset is built, so a wrongly shaped file stops the run before its first step, not in
the middle. An unreadable file (a decompression bomb too) is reported once and skipped,
when the dataset is built or when an item is loaded, as the unaligned folders do.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image
from torch.utils.data import Dataset

from i2i.config import DataConfig
from i2i.console import warn
from i2i.data.transforms import Augment, preprocess
from i2i.errors import DataError
from i2i.images import list_images, load_rgb, pil_to_tensor

LAYOUT_HINT = "expected train/ (and test/ or val/) holding A|B side-by-side images"


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file header, or a one-line error when unreadable."""
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise DataError(f"cannot read image {path}: {err}") from err


def readable_sizes(paths: list, key=lambda item: item) -> list[tuple[object, tuple[int, int]]]:
    """(item, size of ``key(item)``) for the items whose header reads; the others are
    reported once and left out."""
    kept = []
    for item in paths:
        try:
            kept.append((item, image_size(key(item))))
        except DataError as err:
            warn(f"{err}; skipping it")
    return kept


def load_or_skip(items: list, index: int, bad: set, load):
    """``load(item)`` for the item at ``index``, or for the next readable one: an image
    that fails to decode is reported once and skipped for the rest of the run."""
    for step in range(len(items)):
        item = items[(index + step) % len(items)]
        if item in bad:
            continue
        try:
            return item, load(item)
        except DataError as err:
            bad.add(item)
            warn(f"{err}; skipping it")
    raise DataError(f"no readable image among the {len(items)} files of this split")


def split_folder(root: Path, split: str) -> Path:
    """The folder of a split; the test split falls back to ``val/`` (facades has both)."""
    candidates = [split] + (["val"] if split == "test" else [])
    for name in candidates:
        if (root / name).is_dir():
            return root / name
    raise DataError(f"missing folder {root / split}; {LAYOUT_HINT}")


def paired_item(img_a: Image.Image, img_b: Image.Image, cfg: DataConfig, train: bool,
                seed: int, path_a: Path, path_b: Path) -> dict:
    """One item from two aligned halves: the same crop and flip for both, then tensors."""
    if cfg.direction == "BtoA":
        img_a, img_b, path_a, path_b = img_b, img_a, path_b, path_a
    aug = Augment.draw(random.Random(seed), cfg.flip) if train else None
    return {
        "A": pil_to_tensor(preprocess(img_a, cfg, aug)),
        "B": pil_to_tensor(preprocess(img_b, cfg, aug)),
        "A_path": str(path_a),
        "B_path": str(path_b),
    }


def channels(cfg: DataConfig) -> tuple[int, int]:
    """Channels to load for the stored A and B halves (input/output follow the direction)."""
    if cfg.direction == "BtoA":
        return cfg.output_nc, cfg.input_nc
    return cfg.input_nc, cfg.output_nc


class AlignedImageFolder(Dataset):
    """Items ``{"A", "B", "A_path", "B_path"}`` cut from side-by-side A|B images."""

    def __init__(self, root: Path, cfg: DataConfig, split: str = "train", train: bool = True):
        self.cfg, self.train, self.bad = cfg, train, set()
        folder = split_folder(root, split)
        paths = list_images(folder)[: cfg.max_dataset_size or None]
        if not paths:
            raise DataError(f"no images in {folder}; {LAYOUT_HINT}")
        sized = readable_sizes(paths)
        if not sized:
            raise DataError(f"no readable images in {folder}; {LAYOUT_HINT}")
        self.paths = [path for path, _ in sized]
        for path, (w, h) in sized:
            if w != 2 * h:
                raise DataError(
                    f"{path} is {w}x{h}, but an aligned A|B image must be twice as wide as "
                    "high; use trainA/ trainB/ folders or `i2i prepare --pair` for such data"
                )

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, key)
        path, whole = load_or_skip(self.paths, index % len(self.paths), self.bad,
                                   lambda p: load_rgb(p, 3))
        nc_a, nc_b = channels(self.cfg)
        w, h = whole.size
        img_a = _mode(whole.crop((0, 0, w // 2, h)), nc_a)
        img_b = _mode(whole.crop((w // 2, 0, w, h)), nc_b)
        return paired_item(img_a, img_b, self.cfg, self.train, seed, path, path)


def _mode(img: Image.Image, nc: int) -> Image.Image:
    return img.convert("L") if nc == 1 else img
