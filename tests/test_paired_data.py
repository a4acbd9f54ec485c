"""Paired datasets: side-by-side A|B images and folder pairs matched by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from i2i.config import DataConfig
from i2i.data.aligned import AlignedImageFolder
from i2i.data.datasets import build_dataset
from i2i.data.paired_folders import PairedImageFolders
from i2i.errors import DataError


def gradient(w: int, h: int, channel: int) -> Image.Image:
    """An image whose value in ``channel`` grows left to right (flips and crops show)."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., channel] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    arr[..., 2] = np.linspace(0, 255, h, dtype=np.uint8)[:, None]
    return Image.fromarray(arr)


def side_by_side(a: Image.Image, b: Image.Image) -> Image.Image:
    out = Image.new("RGB", (a.width + b.width, a.height))
    out.paste(a, (0, 0))
    out.paste(b, (a.width, 0))
    return out


def cfg(root: Path, **kw) -> DataConfig:
    base = {"root": str(root), "load_size": 40, "crop_size": 32, "num_workers": 0}
    return DataConfig(**{**base, **kw})


@pytest.fixture
def aligned_root(tmp_path: Path) -> Path:
    for split in ("train", "val"):
        (tmp_path / split).mkdir()
        for i in range(3):
            # A: red gradient; B: the same geometry in green, so aligned halves match.
            side_by_side(gradient(48, 48, 0), gradient(48, 48, 1)).save(
                tmp_path / split / f"{i}.png")
    return tmp_path


@pytest.fixture
def folder_root(tmp_path: Path) -> Path:
    for split in ("train", "test"):
        (tmp_path / f"{split}A").mkdir()
        (tmp_path / f"{split}B").mkdir()
        for i in range(3):
            gradient(48, 48, 0).save(tmp_path / f"{split}A" / f"{i}.png")
            gradient(48, 48, 1).save(tmp_path / f"{split}B" / f"{i}.bmp")  # other ext
    return tmp_path


def assert_aligned(item: dict) -> None:
    """A's red ramp and B's green ramp (and both blue ramps) must coincide."""
    a, b = item["A"], item["B"]
    torch.testing.assert_close(a[0], b[1], atol=0.05, rtol=0)
    torch.testing.assert_close(a[2], b[2], atol=0.05, rtol=0)


def test_aligned_halves_get_the_same_crop_and_flip(aligned_root):
    ds = build_dataset(cfg(aligned_root), "train", paired=True, train=True)
    assert isinstance(ds, AlignedImageFolder) and len(ds) == 3
    flips = set()
    for seed in range(12):
        item = ds[(seed % 3, seed)]
        assert item["A"].shape == (3, 32, 32) == item["B"].shape
        assert_aligned(item)
        flips.add(bool(item["A"][0, 0, 0] > item["A"][0, 0, -1]))  # ramp reversed = flipped
    assert flips == {True, False}


def test_aligned_test_split_falls_back_to_val(aligned_root):
    ds = build_dataset(cfg(aligned_root), "test", paired=True, train=False)
    assert len(ds) == 3 and Path(ds[(0, 0)]["A_path"]).parent.name == "val"


def test_direction_btoa_swaps_the_halves(aligned_root):
    item = build_dataset(cfg(aligned_root, direction="BtoA"), "train", True, False)[(0, 0)]
    assert item["A"][1].mean() > item["A"][0].mean()  # the green half is now the input


def test_aligned_image_not_twice_as_wide_is_named(aligned_root):
    gradient(50, 48, 0).save(aligned_root / "train" / "odd.png")
    with pytest.raises(DataError, match=r"odd\.png is 50x48.*twice as wide"):
        build_dataset(cfg(aligned_root), "train", paired=True)


def test_folder_pairs_match_by_name_across_extensions(folder_root):
    ds = build_dataset(cfg(folder_root), "train", paired=True, train=True)
    assert isinstance(ds, PairedImageFolders) and len(ds) == 3
    for seed in range(6):
        item = ds[(seed % 3, seed)]
        assert Path(item["A_path"]).stem == Path(item["B_path"]).stem
        assert_aligned(item)


def test_missing_partner_is_reported_not_dropped(folder_root):
    (folder_root / "trainB" / "1.bmp").unlink()
    with pytest.raises(DataError, match=r"trainA/1\.png has no partner in .*trainB"):
        build_dataset(cfg(folder_root), "train", paired=True)


def test_extra_file_in_b_is_reported(folder_root):
    gradient(48, 48, 1).save(folder_root / "trainB" / "extra.png")
    with pytest.raises(DataError, match=r"extra\.png has no partner"):
        build_dataset(cfg(folder_root), "train", paired=True)


def test_pair_halves_of_different_size_are_reported(folder_root):
    gradient(64, 48, 1).save(folder_root / "trainB" / "2.bmp")
    with pytest.raises(DataError, match=r"2\.png is 48x48 but its partner .*2\.bmp is 64x48"):
        build_dataset(cfg(folder_root), "train", paired=True)


def test_paired_method_refuses_unaligned_layout(folder_root):
    with pytest.raises(DataError, match="needs paired data"):
        build_dataset(cfg(folder_root, layout="unaligned"), "train", paired=True)


def test_toy_paired_b_is_the_filled_a():
    from i2i.data import toy_paired

    test = build_dataset(DataConfig(root="builtin:toy_paired", crop_size=32, load_size=32),
                         "test", paired=True, train=False)
    item = test[(0, 0)]
    a, b = item["A"], item["B"]
    assert a.shape == b.shape == (3, 32, 32)
    # Filling only adds colour: every outline pixel of A is in B, B has more shape pixels.
    background = torch.tensor(toy_paired.BACKGROUND, dtype=torch.float32)[:, None, None]
    background = background / 127.5 - 1
    shape_a = (a - background).abs().sum(0) > 0.1
    shape_b = (b - background).abs().sum(0) > 0.1
    assert shape_b.sum() > shape_a.sum() and (shape_a & ~shape_b).sum() == 0


def test_unpaired_method_refuses_paired_images_and_says_how_to_split_them(aligned_root):
    with pytest.raises(DataError, match=r"unpaired data .* paired A\|B images in train/.*"
                                        r"--split-pairs") as err:
        build_dataset(cfg(aligned_root), "train", paired=False)
    assert "\n" not in str(err.value)
