"""The plugin registers selfie2anime, and its recipe builds the layout from the archive."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from i2i_selfie2anime import plugin
from PIL import Image

from i2i import DatasetEntry, PrepareOptions

ROOT = Path(__file__).resolve().parents[1]


def _png(seed: int, grey: bool = False) -> bytes:
    arr = np.random.default_rng(seed).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    if grey:
        arr[:] = arr[:, :, :1]
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _archive(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for k, split in enumerate(("trainA", "trainB", "testA", "testB")):
            for i in range(3):
                zf.writestr(f"selfie2anime/{split}/{i}.png", _png(10 * k + i))
        zf.writestr("selfie2anime/trainA/grey.png", _png(99, grey=True))
    return path


def test_entry_point_names_the_hook_module():
    text = (ROOT / "pyproject.toml").read_text()  # tomllib needs Python 3.11
    section = text.split("[project.entry-points.i2i]", 1)[1].split("[", 1)[0]
    target = section.split("selfie2anime", 1)[1].split('"')[1]
    assert target == "i2i_selfie2anime.plugin"
    assert sys.modules[target] is plugin


def test_hook_registers_a_manual_catalog_entry():
    entries = plugin.register_datasets()
    entry = entries["selfie2anime"]
    assert isinstance(entry, DatasetEntry)
    assert not entry.downloadable and "selfie2anime.zip" in entry.manual
    assert entry.recipe is not None


def test_recipe_turns_the_archive_into_the_unaligned_layout(tmp_path):
    archive = _archive(tmp_path / "selfie2anime.zip")
    opts = PrepareOptions(size=32, drop_grayscale=True)
    report = plugin.ENTRY.recipe([archive], tmp_path / "out", opts, False)
    assert report.counts == {"trainA": 3, "trainB": 3, "testA": 3, "testB": 3}
    assert [Path(f).name for f, r in report.dropped] == ["grey.png"]
    assert Image.open(tmp_path / "out/trainA/0.png").size == (32, 32)
    assert not (tmp_path / ".out.sources").exists()
