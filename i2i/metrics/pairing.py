"""Matching real and fake images by file name for paired metrics (LPIPS, PSNR, SSIM).

Files match on their path relative to the folder without the extension, so a translated
``out/001.png`` pairs with ``testB/001.jpg``. Anything unmatched is an error that lists it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from i2i.errors import DataError
from i2i.images import load_rgb

MAX_LISTED = 10


def _by_stem(root: Path, files: list[Path], label: str) -> dict[str, Path]:
    keyed: dict[str, Path] = {}
    for path in files:
        key = path.relative_to(root).with_suffix("").as_posix()
        if key in keyed:
            raise DataError(f"two {label} images share the name '{key}' ({keyed[key].name}, "
                            f"{path.name}); paired metrics match by name, rename one")
        keyed[key] = path
    return keyed


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def match_pairs(real_root: Path, real: list[Path], fake_root: Path, fake: list[Path]
                ) -> list[tuple[str, Path, Path]]:
    """(name, real file, fake file) for every name; DataError listing unmatched names."""
    r, f = _by_stem(real_root, real, "real"), _by_stem(fake_root, fake, "fake")
    only_real, only_fake = sorted(set(r) - set(f)), sorted(set(f) - set(r))
    if only_real or only_fake:
        parts = []
        if only_real:
            parts.append(f"only in --real: {_listing(only_real)}")
        if only_fake:
            parts.append(f"only in --fake: {_listing(only_fake)}")
        raise DataError("paired metrics need the same file names in --real and --fake; "
                        + "; ".join(parts))
    return [(name, r[name], f[name]) for name in sorted(r)]


def load_pair(real: Path, fake: Path) -> tuple[np.ndarray, np.ndarray, bool]:
    """Both images as HxWx3 uint8; the fake is resized (bicubic) to the real's size if needed.

    Returns (real, fake, resized).
    """
    a, b = load_rgb(real), load_rgb(fake)
    resized = a.size != b.size
    if resized:
        b = b.resize(a.size, Image.Resampling.BICUBIC)
    return np.asarray(a), np.asarray(b), resized
