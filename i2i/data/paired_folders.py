"""Paired data as two folders matched by file name: ``trainA/x.png`` pairs ``trainB/x.png``.

Names match without their extension (``x.jpg`` pairs ``x.png``), in sub-folders too. A file
with no partner, or a pair whose halves differ in size, is a one-line error naming the file
when the dataset is built: nothing is silently mis-paired. A pair with an unreadable half
(a decompression bomb too) is reported once and skipped, as the unaligned folders do.
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

from i2i.config import DataConfig
from i2i.data.aligned import channels, load_or_skip, paired_item, readable_sizes
from i2i.errors import DataError
from i2i.images import list_images, load_rgb

LAYOUT_HINT = "expected trainA/ trainB/ (testA/ testB/) with the same file names in both"


def _by_stem(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise DataError(f"missing folder {folder}; {LAYOUT_HINT}")
    found: dict[str, Path] = {}
    for path in list_images(folder):
        stem = str(path.relative_to(folder).with_suffix(""))
        if stem in found:
            raise DataError(f"{found[stem]} and {path} have the same name; pairs are matched "
                            "by name without extension, so rename one of them")
        found[stem] = path
    if not found:
        raise DataError(f"no images in {folder}; {LAYOUT_HINT}")
    return found


def match_pairs(folder_a: Path, folder_b: Path) -> list[tuple[Path, Path]]:
    """(A, B) file pairs by name; a missing partner or a size mismatch is a DataError."""
    a, b = _by_stem(folder_a), _by_stem(folder_b)
    for have, other, other_folder in ((a, b, folder_b), (b, a, folder_a)):
        missing = sorted(set(have) - set(other))
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise DataError(f"{have[missing[0]]} has no partner in {other_folder}{more}; "
                            "every image needs a file of the same name in both folders")
    pairs = [(a[stem], b[stem]) for stem in sorted(a)]
    kept = []
    for (path_a, path_b), size_a in readable_sizes(pairs, key=lambda pair: pair[0]):
        sized_b = readable_sizes([path_b])
        if not sized_b:
            continue
        size_b = sized_b[0][1]
        if size_a != size_b:
            raise DataError(f"{path_a} is {size_a[0]}x{size_a[1]} but its partner {path_b} is "
                            f"{size_b[0]}x{size_b[1]}; the halves of a pair must match in size")
        kept.append((path_a, path_b))
    if not kept:
        raise DataError(f"no readable pairs in {folder_a} and {folder_b}; {LAYOUT_HINT}")
    return kept


class PairedImageFolders(Dataset):
    """Items ``{"A", "B", "A_path", "B_path"}`` from ``<split>A/`` and ``<split>B/``."""

    def __init__(self, root: Path, cfg: DataConfig, split: str = "train", train: bool = True):
        self.cfg, self.train, self.bad = cfg, train, set()
        self.pairs = match_pairs(root / f"{split}A", root / f"{split}B")
        self.pairs = self.pairs[: cfg.max_dataset_size or None]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, key)
        nc_a, nc_b = channels(self.cfg)
        (path_a, path_b), (img_a, img_b) = load_or_skip(
            self.pairs, index % len(self.pairs), self.bad,
            lambda pair: (load_rgb(pair[0], nc_a), load_rgb(pair[1], nc_b)))
        return paired_item(img_a, img_b, self.cfg, self.train, seed, path_a, path_b)
