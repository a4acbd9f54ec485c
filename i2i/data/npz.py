"""Compressed ``.npz`` image shards, as ``i2i prepare --format npz`` writes them.

Format: a split folder (``trainA/``) holds ``shard_00000.npz``, ``shard_00001.npz``, ...
Each shard has two arrays: ``images``, uint8 of shape (N, H, W, 3) (RGB, NHWC, every image
of a dataset the same size), and ``names``, a unicode string array of N original file
names (for reports and translated outputs). A shard may hold zero images. No pickles:
shards load with ``allow_pickle=False``.

Readers: :func:`list_npz_items` lists ``(shard, index)`` pairs of a folder (it reads only
the small ``names`` arrays); :class:`NpzShardCache` loads images, keeping recent shards
decompressed. :func:`list_items` and :func:`load_item` treat image folders and shard
folders alike, which is all a dataset class needs.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image

from i2i.errors import DataError
from i2i.images import finish_atomic
from i2i.outputs import temp_prefix

SHARD_PATTERN = "shard_*.npz"


def shard_path(folder: Path, index: int) -> Path:
    return Path(folder) / f"shard_{index:05d}.npz"


def has_shards(folder: Path) -> bool:
    return Path(folder).is_dir() and any(Path(folder).glob(SHARD_PATTERN))


def write_shard(path: Path, images: list[np.ndarray], names: list[str],
                size: tuple[int, int]) -> None:
    """Write one shard atomically (temp name, then rename)."""
    path = Path(path)
    height, width = size
    array = (np.stack(images).astype(np.uint8) if images
             else np.zeros((0, height, width, 3), np.uint8))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, images=array, names=np.array(names, dtype=np.str_))
        finish_atomic(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_names(path: Path) -> list[str]:
    """The ``names`` of one shard; DataError if the shard is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return [str(n) for n in data["names"]]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"cannot read shard {path}: {err}; delete it and rerun prepare") from err


def list_npz_items(folder: Path) -> list[tuple[Path, int]]:
    """Every image of a shard folder as ``(shard path, index in shard)``, in order."""
    items = []
    for shard in sorted(Path(folder).glob(SHARD_PATTERN)):
        items.extend((shard, i) for i in range(len(read_names(shard))))
    return items


class NpzShardCache:
    """Loads images from shards, keeping the ``max_shards`` most recent shards decompressed
    (random access, as unpaired B sampling does, would otherwise decompress a shard per
    image). One cache per process: DataLoader workers each get their own copy."""

    def __init__(self, max_shards: int = 8) -> None:
        self.max_shards = max(1, max_shards)
        self._arrays: OrderedDict[Path, np.ndarray] = OrderedDict()

    def array(self, shard: Path, index: int) -> np.ndarray:
        images = self._arrays.get(shard)
        if images is None:
            try:
                with np.load(shard, allow_pickle=False) as data:
                    images = data["images"]
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
                raise DataError(f"cannot read shard {shard}: {err}") from err
            self._arrays[shard] = images
            while len(self._arrays) > self.max_shards:
                self._arrays.popitem(last=False)
        else:
            self._arrays.move_to_end(shard)
        return images[index]

    def image(self, shard: Path, index: int, channels: int = 3) -> Image.Image:
        img = Image.fromarray(self.array(shard, index), "RGB")
        return img.convert("L") if channels == 1 else img


# -- the two calls a dataset class needs to read image folders and shard folders alike ---

Item = Path | tuple[Path, int]  # an image file, or (shard, index)


def list_items(folder: Path) -> list[Item]:
    """Image files of ``folder``, or its npz items when it holds shards."""
    from i2i.images import list_images

    return list_npz_items(folder) if has_shards(folder) else list(list_images(Path(folder)))


def load_item(item: Item, cache: NpzShardCache, channels: int = 3) -> Image.Image:
    """Open one item of :func:`list_items` as RGB (or L); DataError if unreadable."""
    if isinstance(item, tuple):
        return cache.image(item[0], item[1], channels)
    from i2i.images import load_rgb

    return load_rgb(item, channels)


def item_name(item: Item) -> str:
    """A printable path for reports: ``shard_00000.npz[12]`` for npz items."""
    return f"{item[0]}[{item[1]}]" if isinstance(item, tuple) else str(item)
