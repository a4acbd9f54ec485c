"""Unaligned (unpaired) image folders: ``trainA/ trainB/ testA/ testB``, as CycleGAN uses."""

from __future__ import annotations

import random
from pathlib import Path

from torch.utils.data import Dataset

from i2i.config import DataConfig
from i2i.console import warn
from i2i.data import npz
from i2i.data.transforms import Augment, preprocess
from i2i.errors import DataError
from i2i.images import pil_to_tensor

LAYOUT_HINT = "expected trainA/ trainB/ testA/ testB holding jpg/png/webp/bmp images"


def image_folder(root: Path, name: str, limit: int | None = None) -> list[Path]:
    """Images of one sub-folder, or a one-line error when it is missing or empty."""
    folder = root / name
    if not folder.is_dir():
        raise DataError(f"missing folder {folder}; {LAYOUT_HINT}")
    paths = npz.list_items(folder)  # image files, or (shard, index) items of npz shards
    if not paths:
        raise DataError(f"no images in {folder}; {LAYOUT_HINT}")
    return paths[:limit] if limit else paths


class SkipBadImages:
    """Mixin: an unreadable image is reported once and replaced by the next readable one,
    so one bad file among thousands does not stop training."""

    bad: set
    npz_cache: npz.NpzShardCache

    def load_or_next(self, paths: list[Path], index: int, channels: int):
        for step in range(len(paths)):
            path = paths[(index + step) % len(paths)]
            if path in self.bad:
                continue
            try:
                return path, npz.load_item(path, self.npz_cache, channels)
            except DataError as err:
                self.bad.add(path)
                warn(f"{err}; skipping it")
        raise DataError(f"no readable image among {len(paths)} files near {paths[0].parent}")


class UnalignedImageFolder(SkipBadImages, Dataset):
    """Items ``{"A", "B", "A_path", "B_path"}``; B is drawn at random unless serial."""

    def __init__(self, root: Path, cfg: DataConfig, split: str = "train", train: bool = True):
        self.cfg, self.train, self.bad = cfg, train, set()
        self.npz_cache = npz.NpzShardCache()
        self.paths_a = image_folder(root, f"{split}A", cfg.max_dataset_size)
        self.paths_b = image_folder(root, f"{split}B", cfg.max_dataset_size)
        if cfg.direction == "BtoA":
            self.paths_a, self.paths_b = self.paths_b, self.paths_a
        self.nc_a, self.nc_b = cfg.input_nc, cfg.output_nc

    def __len__(self) -> int:
        return max(len(self.paths_a), len(self.paths_b))

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, key)
        rng = random.Random(seed)
        ib = index if self.cfg.serial_batches else rng.randrange(len(self.paths_b))
        path_a, img_a = self.load_or_next(self.paths_a, index % len(self.paths_a), self.nc_a)
        path_b, img_b = self.load_or_next(self.paths_b, ib % len(self.paths_b), self.nc_b)
        aug_a = Augment.draw(rng, self.cfg.flip) if self.train else None
        aug_b = Augment.draw(rng, self.cfg.flip) if self.train else None
        return {
            "A": pil_to_tensor(preprocess(img_a, self.cfg, aug_a)),
            "B": pil_to_tensor(preprocess(img_b, self.cfg, aug_b)),
            "A_path": npz.item_name(path_a),
            "B_path": npz.item_name(path_b),
        }
