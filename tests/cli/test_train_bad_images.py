"""Training data with decompression bombs and garbage: every dataset loader (unaligned,
aligned A|B, paired folders) reports the item and trains on the rest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.bad_files import bomb_png, garbage
from tests.cli.conftest import TINY_SETS


def _img(path: Path, size, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), np.uint8)).save(path)


def _layout(root: Path, layout: str, bad) -> Path:
    """Three good items per split and one bad one (``bad(path)`` writes it)."""
    for i in range(3):
        if layout == "unaligned":
            for side in "AB":
                _img(root / f"train{side}" / f"{i}.png", (40, 40), i)
        elif layout == "aligned":
            _img(root / "train" / f"{i}.png", (80, 40), i)
        else:
            for side in "AB":
                _img(root / f"train{side}" / f"{i}.png", (40, 40), i)
    path = root / ("train" if layout == "aligned" else "trainA") / "b.png"
    bad(path, (80, 40) if layout == "aligned" else (40, 40))
    if layout == "paired":
        _img(root / "trainB" / "b.png", (40, 40), 9)
    return root


def _truncated(path: Path, size) -> None:
    """A header that reads (right size, so the layout checks pass) and data cut short."""
    _img(path, size, 7)
    path.write_bytes(path.read_bytes()[:120])


BAD = {"bomb": lambda p, size: bomb_png(p), "text": lambda p, size: garbage(p, "text"),
       "truncated": _truncated}


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("layout", ["unaligned", "aligned", "paired"])
def test_a_bad_training_image_is_reported_and_skipped(tmp_path, cli, layout, bad):
    """Guards: DecompressionBombError from Image.open escaping the header check of the
    aligned/paired loaders (a traceback before the first step), and a bad file stopping
    training instead of being skipped like an unreadable one."""
    data = _layout(tmp_path / "data", layout, BAD[bad])
    method = "cyclegan" if layout == "unaligned" else "pix2pix"
    sets = TINY_SETS if method == "cyclegan" else [
        "--set", "train.sample_every=0", "--set", "generator.params.num_downs=5",
        "--set", "generator.params.ngf=4", "--set", "discriminator.params.ndf=4"]
    result = cli("train", method, "--data", str(data), "--size", "32", "--max-steps", "4",
                 "--batch-size", "2", "--workers", "0", "--quiet", "--name", "r",
                 "--out-dir", str(tmp_path / "runs"), *sets)
    assert result.exit_code == 0, result.output
    assert "b.png" in result.output and "skipping it" in result.output
    assert "Traceback" not in result.output
