from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from i2i.config import DataConfig
from i2i.data import toy
from i2i.data.datasets import build_dataset, resolve_root
from i2i.data.sampler import EpochSampler
from i2i.data.transforms import Augment, preprocess
from i2i.errors import DataError
from i2i.images import load_rgb, protect, save_image_atomic


@pytest.mark.parametrize("mode", ["L", "RGBA", "CMYK", "P", "I;16", "LA", "1"])
def test_every_common_mode_loads_as_rgb(tmp_path, mode):
    img = Image.new("RGB", (20, 12), (200, 40, 10)).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        img = Image.fromarray((np.arange(240).reshape(12, 20) * 250).astype(np.uint16))
    ext = ".jpg" if mode == "CMYK" else ".tif" if mode == "I;16" else ".png"
    path = tmp_path / f"x{ext}"
    img.save(path)
    out = load_rgb(path)
    assert out.mode == "RGB" and out.size == (20, 12)


def test_sixteen_bit_keeps_its_range(tmp_path):
    arr = np.full((4, 4), 65535, np.uint16)
    Image.fromarray(arr).save(tmp_path / "w.tif")
    assert np.asarray(load_rgb(tmp_path / "w.tif")).min() == 255


def test_truncated_and_non_image_files_raise_one_line(tmp_path, shared_data):
    src = (shared_data / "photos" / "apple.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(src[: len(src) // 3])
    (tmp_path / "notes.png").write_text("not an image")
    for name in ("cut.jpg", "notes.png"):
        with pytest.raises(DataError, match=f"cannot read image .*{name}"):
            load_rgb(tmp_path / name)


def test_save_refuses_to_overwrite_an_input(tmp_path):
    src = tmp_path / "in.png"
    Image.new("RGB", (4, 4)).save(src)
    with pytest.raises(DataError, match="refusing to overwrite input"):
        save_image_atomic(Image.new("RGB", (4, 4), "red"), src, protected=protect([src]))
    assert load_rgb(src).getpixel((0, 0)) == (0, 0, 0)


@pytest.mark.parametrize("mode,expected", [
    ("resize_and_crop", (64, 64)), ("crop", (64, 64)), ("scale_width", (72, 108)),
    ("scale_width_and_crop", (64, 64)), ("none", (100, 152)),
])
def test_preprocess_modes_give_the_reference_sizes(mode, expected):
    cfg = DataConfig(preprocess=mode, load_size=72, crop_size=64)
    img = Image.new("RGB", (101, 150))
    assert preprocess(img, cfg, Augment(0.3, 0.7, False)).size == expected


def test_images_smaller_than_the_crop_are_scaled_up():
    cfg = DataConfig(preprocess="crop", crop_size=64)
    assert preprocess(Image.new("RGB", (30, 40)), cfg, None).size == (64, 64)


def test_flip_mirrors_and_test_time_is_centred():
    cfg = DataConfig(preprocess="none")
    img = Image.new("RGB", (8, 4))
    img.putpixel((0, 0), (255, 0, 0))
    flipped = preprocess(img, cfg, Augment(0.0, 0.0, True))
    assert flipped.getpixel((7, 0)) == (255, 0, 0)


def test_toy_b_is_the_known_function_of_a():
    a = np.asarray(toy.draw_a(7, 32))
    assert np.array_equal(np.asarray(toy.draw_b(7, 32)), a[..., [2, 0, 1]])
    assert np.array_equal(np.asarray(toy.draw_a(7, 32)), a)  # deterministic
    assert not np.array_equal(np.asarray(toy.draw_a(8, 32)), a)


def test_toy_materialises_the_standard_layout():
    root = resolve_root("builtin:toy", 32)
    for sub, count in (("trainA", toy.N_TRAIN), ("testB", toy.N_TEST)):
        assert len(list((root / sub).glob("*.png"))) == count
    with pytest.raises(DataError, match="sizes 32-256"):
        resolve_root("builtin:toy", 8)
    with pytest.raises(DataError, match="unknown builtin dataset 'nope'"):
        resolve_root("builtin:nope", 32)


def make_domain_folders(root, n=3, size=(40, 30)):
    for sub in ("trainA", "trainB"):
        (root / sub).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", size, (i * 40, 10, 10)).save(root / sub / f"{i}.png")


def test_missing_and_empty_folders_are_one_line_errors(tmp_path):
    cfg = DataConfig(root=str(tmp_path))
    with pytest.raises(DataError, match="missing folder .*trainA; expected trainA/ trainB/"):
        build_dataset(cfg, "train", paired=False)
    (tmp_path / "trainA").mkdir()
    (tmp_path / "trainB").mkdir()
    (tmp_path / "trainA" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no images in .*trainA"):
        build_dataset(cfg, "train", paired=False)


def test_an_unreadable_image_is_skipped_with_a_warning(tmp_path, capsys):
    make_domain_folders(tmp_path)
    (tmp_path / "trainA" / "1.png").write_bytes(b"\x89PNG broken")
    cfg = DataConfig(root=str(tmp_path), load_size=36, crop_size=32)
    ds = build_dataset(cfg, "train", paired=False)
    item = ds[(1, 5)]
    assert item["A"].shape == (3, 32, 32)
    assert not item["A_path"].endswith("1.png")
    assert "1.png" in capsys.readouterr().err


def test_item_seed_fixes_the_augmentation_and_b_pairing(tmp_path):
    make_domain_folders(tmp_path, n=5)
    cfg = DataConfig(root=str(tmp_path), load_size=40, crop_size=16)
    ds = build_dataset(cfg, "train", paired=False)
    one, two = ds[(2, 99)], ds[(2, 99)]
    assert one["B_path"] == two["B_path"] and (one["A"] == two["A"]).all()


def _domain_colours(root, n=6):
    """trainA/ images red (value i in green), trainB/ blue: an item tells its folder."""
    for sub, rgb in (("trainA", (250, 0, 0)), ("trainB", (0, 0, 250))):
        (root / sub).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (16, 16), (rgb[0], i * 20, rgb[2])).save(root / sub / f"{i}.png")


def _colour(t):
    """The mean (R, G, B) in 0-255 of a CHW tensor in [-1, 1]."""
    return tuple(round(float(v)) for v in (t.mean(dim=(1, 2)) + 1) * 127.5)


def test_direction_btoa_swaps_the_unaligned_domains(tmp_path):
    """Guards against ``--direction BtoA`` being ignored by the unaligned dataset (the A/B
    swap removed): A must then come from trainB/ and B from trainA/."""
    _domain_colours(tmp_path)
    base = {"root": str(tmp_path), "load_size": 16, "crop_size": 16, "flip": False}
    for direction, a_blue in (("AtoB", False), ("BtoA", True)):
        item = build_dataset(DataConfig(direction=direction, **base), "train", False)[(1, 3)]
        r_a, _, b_a = _colour(item["A"])
        r_b, _, b_b = _colour(item["B"])
        assert (b_a > r_a) == a_blue and (b_b > r_b) == (not a_blue)
        assert ("trainB" in item["A_path"]) == a_blue


def test_b_is_drawn_at_random_not_by_index_unless_serial(tmp_path):
    """Guards against B paired by index (``ib = index``), which makes the data paired: over
    many item seeds, item 2 must meet most B images; serial_batches pairs by index."""
    _domain_colours(tmp_path)
    base = {"root": str(tmp_path), "load_size": 16, "crop_size": 16}
    ds = build_dataset(DataConfig(**base), "train", False)
    partners = {ds[(2, seed)]["B_path"] for seed in range(40)}
    assert len(partners) >= 5
    serial = build_dataset(DataConfig(serial_batches=True, **base), "train", False)
    assert {serial[(2, seed)]["B_path"] for seed in range(10)} == {str(tmp_path / "trainB/2.png")}


def _coordinates(w, h):
    """An image whose red value is x and green value is y: a crop shows its offset."""
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0] = np.arange(w)[None, :]
    arr[..., 1] = np.arange(h)[:, None]
    return Image.fromarray(arr)


@pytest.mark.parametrize("mode", ["crop", "resize_and_crop", "scale_width_and_crop"])
def test_test_time_crop_is_taken_from_the_centre(mode):
    """Guards against the test-time (``aug=None``) crop taken from the top-left corner or
    any other place than the centre."""
    cfg = DataConfig(preprocess=mode, load_size=48, crop_size=32)
    img = _coordinates(48, 64) if mode == "scale_width_and_crop" else _coordinates(48, 48)
    out = np.asarray(preprocess(img, cfg, None))
    height = 64 if mode == "scale_width_and_crop" else 48
    assert out.shape[:2] == (32, 32)
    assert (out[0, 0, 0], out[0, 0, 1]) == ((48 - 32) // 2, (height - 32) // 2)
    trained = np.asarray(preprocess(img, cfg, Augment(0.0, 1.0, False)))
    assert (trained[0, 0, 0], trained[0, 0, 1]) == (0, height - 32)


def test_sampler_skips_what_was_seen_and_splits_across_ranks():
    full = list(EpochSampler(10, seed=3))
    sampler = EpochSampler(10, seed=3)
    sampler.set_epoch(0, skip_items=4)
    assert list(sampler) == full[4:]
    ranks = [list(EpochSampler(10, 3, rank=r, world_size=2)) for r in (0, 1)]
    assert sorted(i for r in ranks for i, _ in r) == list(range(10))
    other_epoch = EpochSampler(10, seed=3)
    other_epoch.set_epoch(1)
    assert [i for i, _ in other_epoch] != [i for i, _ in full]


def test_sampling_leaves_the_global_rng_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    list(EpochSampler(10, seed=3))
    assert random.random() == expected  # resume exactness depends on this


def test_outputs_get_normal_file_permissions(tmp_path):
    import os

    from i2i.images import write_bytes_atomic

    umask = os.umask(0o022)
    try:
        save_image_atomic(Image.new("RGB", (2, 2)), tmp_path / "a.png")
        write_bytes_atomic(b"x", tmp_path / "b.txt")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.png").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o644
