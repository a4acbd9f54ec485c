"""Resolve a data root (folder or ``builtin:NAME``) and build the dataset a method needs.

To add a layout: write its Dataset class in its own file and add a branch to
``build_dataset`` keyed on ``cfg.layout`` (auto-detection in ``detect_layout``).
"""

from __future__ import annotations

from pathlib import Path

from i2i.config import DataConfig
from i2i.errors import DataError

BUILTIN_PREFIX = "builtin:"


def stored_root(root: str) -> str:
    """A data root as a run records it: a folder as an absolute path (so ``--resume`` and
    ``evaluate`` find it from any working folder), ``builtin:`` names as they are."""
    if root.startswith(BUILTIN_PREFIX):
        return root
    return str(Path(root).expanduser().resolve())


def resolve_root(root: str, size: int) -> Path:
    """The folder behind a data root; ``builtin:NAME[/sub]`` is made on first use."""
    entry = check_root(root)
    if entry is not None:
        sub = root[len(BUILTIN_PREFIX):].partition("/")[2]
        folder = entry.make(size)
        return folder / sub if sub else folder
    return Path(root).expanduser()


def check_root(root: str):
    """Refuse a data root that :func:`resolve_root` cannot give, making nothing (so a
    command checks it before any work); returns a builtin root's ``BuiltinSource``."""
    if root.startswith(BUILTIN_PREFIX):
        from i2i.data.builtin import BuiltinSource
        from i2i.plugins import get_registry

        name = root[len(BUILTIN_PREFIX):].partition("/")[0]
        entry = get_registry("datasets").get(name)
        if not isinstance(entry, BuiltinSource):
            valid = sorted(k for k, v in get_registry("datasets").items()
                           if isinstance(v, BuiltinSource))
            raise DataError(f"unknown builtin dataset '{name}'; choose one of: {', '.join(valid)}")
        return entry
    path = Path(root).expanduser()
    if not path.exists():
        raise DataError(f"data folder not found: {path}")
    if not path.is_dir():
        raise DataError(f"--data must be a folder, got file {path}")
    return None


def detect_layout(root: Path, paired: bool) -> str:
    """``unaligned`` (trainA/trainB), ``aligned`` (train/ with A|B images) or ``folders``
    (trainA/trainB matched by file name), as the method and the folder suggest."""
    has_ab = (root / "trainA").is_dir() or (root / "testA").is_dir()
    if not paired:
        return "unaligned"
    if (root / "train").is_dir() or (root / "test").is_dir() or (root / "val").is_dir():
        return "aligned"
    if has_ab:
        return "folders"
    return "aligned"


def build_dataset(cfg: DataConfig, split: str, paired: bool, train: bool = True):
    root = resolve_root(cfg.root, cfg.crop_size)
    layout = cfg.layout if cfg.layout != "auto" else detect_layout(root, paired)
    if layout == "unaligned" and paired:
        raise DataError("this method needs paired data; use data.layout=aligned (train/ with "
                        "A|B images) or data.layout=folders (trainA/ trainB/ matched by name)")
    if layout == "unaligned" and not paired and cfg.layout == "auto" and \
            not (root / f"{split}A").is_dir() and (root / split).is_dir():
        raise DataError(f"this method trains on unpaired data (trainA/ trainB/ testA/ testB), "
                        f"but {root} holds paired A|B images in {split}/; cut them apart "
                        f"with: i2i prepare --split-pairs {root} --out NEW_FOLDER --size 0")
    if layout == "unaligned":
        from i2i.data.unaligned import UnalignedImageFolder

        return UnalignedImageFolder(root, cfg, split, train)
    if layout == "aligned":
        from i2i.data.aligned import AlignedImageFolder

        return AlignedImageFolder(root, cfg, split, train)
    if layout == "folders":
        from i2i.data.paired_folders import PairedImageFolders

        return PairedImageFolders(root, cfg, split, train)
    raise DataError(f"data layout '{layout}' is not supported by this method")
