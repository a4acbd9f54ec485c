"""`i2i prepare NAME --from FILE`: built-in recipes and the selfie2anime plugin package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from archive_builders import make_zip, png_bytes
from PIL import Image

from i2i.data.prepare import PrepareOptions
from i2i.data.prepare_front import prepare_job
from i2i.errors import DataError

REPO = Path(__file__).resolve().parents[1]
OPTS = PrepareOptions(size=32, test_fraction=0.25)


def _cityscapes_zips(tmp_path: Path) -> tuple[Path, Path]:
    labels, photos = {}, {}
    for split in ("train", "val"):
        for i in range(2):
            stem = f"aachen_{i:06d}_000019"
            labels[f"gtFine/{split}/aachen/{stem}_gtFine_color.png"] = png_bytes(i, (64, 32))
            labels[f"gtFine/{split}/aachen/{stem}_gtFine_labelIds.png"] = png_bytes(9)
            photos[f"leftImg8bit/{split}/aachen/{stem}_leftImg8bit.png"] = png_bytes(
                i + 5, (64, 32))
    photos["leftImg8bit/train/aachen/lonely_000000_000001_leftImg8bit.png"] = png_bytes(7)
    (tmp_path / "gt.zip").write_bytes(make_zip(labels))
    (tmp_path / "left.zip").write_bytes(make_zip(photos))
    return tmp_path / "gt.zip", tmp_path / "left.zip"


def test_cityscapes_recipe_pairs_colour_labels_with_photos(tmp_path):
    gt, left = _cityscapes_zips(tmp_path)
    report = prepare_job("from", ["cityscapes"], [gt, left], tmp_path / "cs", OPTS, False)
    assert report.counts == {"train": 2, "val": 2}
    assert [Path(f).name for f, _ in report.dropped] == ["lonely_000000_000001_leftImg8bit.png"]
    assert Image.open(tmp_path / "cs/train/aachen_000000_000019.png").size == (64, 32)
    assert (tmp_path / "cs" / "prepare_report.json").is_file()
    assert not (tmp_path / ".cs.sources").exists()


def test_cityscapes_needs_both_archives(tmp_path):
    gt, _ = _cityscapes_zips(tmp_path)
    with pytest.raises(DataError, match="needs 2 --from"):
        prepare_job("from", ["cityscapes"], [gt], tmp_path / "cs", OPTS, False)


def test_image_domain_recipe_prepares_an_archive_of_one_domain(tmp_path):
    (tmp_path / "celeba.zip").write_bytes(make_zip(
        {f"img_align_celeba/{i:06d}.jpg": png_bytes(i, (44, 54)) for i in range(4)}))
    opts = PrepareOptions(size=16, test_fraction=0.25, format="npz")
    report = prepare_job("from", ["celeba"], [tmp_path / "celeba.zip"], tmp_path / "c", opts,
                         False)
    assert report.counts == {"trainA": 3, "testA": 1}
    assert (tmp_path / "c" / "trainA" / "shard_00000.npz").is_file()


def test_downloadable_entry_has_no_from_recipe(tmp_path):
    with pytest.raises(DataError, match="i2i download horse2zebra"):
        prepare_job("from", ["horse2zebra"], [tmp_path / "x.zip"], tmp_path / "o", OPTS, False)


def test_missing_from_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="--from file not found"):
        prepare_job("from", ["celeba"], [tmp_path / "nope.zip"], tmp_path / "o", OPTS, False)


def test_installed_selfie2anime_plugin_registers_through_its_entry_point(
        tmp_path, monkeypatch, fresh_plugins):
    target = tmp_path / "site"
    source = shutil.copytree(REPO / "plugins" / "i2i-selfie2anime", tmp_path / "plugin",
                             ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(target),
         str(source)],
        check=True, capture_output=True,
    )
    monkeypatch.syspath_prepend(str(target))
    monkeypatch.setenv("I2I_DISABLE_PLUGIN_AUTOLOAD", "0")
    from i2i.data.catalog import get_entry
    from i2i.plugins import loaded_plugins

    entry = get_entry("selfie2anime")
    assert "selfie2anime.zip" in entry.manual
    assert any(p.source == "i2i-selfie2anime" for p in loaded_plugins())
    archive = tmp_path / "selfie2anime.zip"
    archive.write_bytes(make_zip({f"selfie2anime/{s}/{i}.png": png_bytes(i)
                                  for s in ("trainA", "trainB", "testA", "testB")
                                  for i in range(2)}))
    report = prepare_job("from", ["selfie2anime"], [archive], tmp_path / "s2a", OPTS, False)
    assert report.counts == {"trainA": 2, "trainB": 2, "testA": 2, "testB": 2}
