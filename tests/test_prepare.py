"""i2i prepare on folders of synthetic images: layout, cleaning, pairs, npz, reruns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from i2i.data.npz import NpzShardCache, list_npz_items
from i2i.data.prepare import (
    REPORT_NAME,
    PrepareOptions,
    prepare_pairs,
    prepare_unaligned,
    split_pairs,
)
from i2i.errors import ConfigError, DataError


def make_images(folder: Path, n: int, size=(48, 40), seed=0, gray=False, ext="png"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        if gray:
            arr[:] = arr[:, :, :1]
        Image.fromarray(arr).save(folder / f"img{i:03d}.{ext}")
    return folder


OPTS = PrepareOptions(size=32, test_fraction=0.25, seed=1, workers=1)


def test_two_folders_become_the_unaligned_layout_at_the_requested_size(tmp_path):
    a = make_images(tmp_path / "a", 8)
    b = make_images(tmp_path / "b", 4, size=(60, 33), seed=1)
    report = prepare_unaligned([a, b], tmp_path / "out", OPTS, progress=False)
    out = tmp_path / "out"
    assert report.counts == {"trainA": 6, "testA": 2, "trainB": 3, "testB": 1}
    for split, n in report.counts.items():
        files = sorted((out / split).glob("*.png"))
        assert len(files) == n
        assert all(Image.open(f).size == (32, 32) for f in files)
    saved = json.loads((out / REPORT_NAME).read_text())
    assert saved["counts"] == report.counts


def test_split_is_reproducible_with_the_seed_and_changes_with_another(tmp_path):
    a = make_images(tmp_path / "a", 20)
    test_files = []
    for name, seed in (("o1", 1), ("o2", 1), ("o3", 2)):
        opts = PrepareOptions(size=32, test_fraction=0.25, seed=seed)
        prepare_unaligned([a], tmp_path / name, opts, progress=False)
        test_files.append(sorted(p.name for p in (tmp_path / name / "testA").iterdir()))
    assert test_files[0] == test_files[1]
    assert test_files[0] != test_files[2]


def test_shorter_side_resize_without_crop_keeps_the_aspect_ratio(tmp_path):
    a = make_images(tmp_path / "a", 1, size=(80, 40))
    opts = PrepareOptions(size=20, crop="none", test_fraction=0)
    prepare_unaligned([a], tmp_path / "out", opts, progress=False)
    assert Image.open(tmp_path / "out/trainA/img000.png").size == (40, 20)


def test_bad_images_are_dropped_with_reasons_and_the_rest_is_prepared(tmp_path):
    a = make_images(tmp_path / "a", 6)
    (a / "broken.png").write_bytes(b"\x89PNG not really")
    (a / "zcopy.png").write_bytes((a / "img000.png").read_bytes())
    Image.new("RGB", (8, 8)).save(a / "tiny.png")
    make_images(a / "grey", 1, gray=True)
    opts = PrepareOptions(size=32, test_fraction=0, drop_grayscale=True)
    report = prepare_unaligned([a], tmp_path / "out", opts, progress=False)
    reasons = {str(Path(f).relative_to(a)): r for f, r in report.dropped}
    assert reasons["broken.png"].startswith("unreadable")
    assert reasons["zcopy.png"].startswith("duplicate of")
    assert reasons["tiny.png"].startswith("too small")
    assert reasons["grey/img000.png"] == "grayscale"
    assert report.counts == {"trainA": 6}
    assert [Path(f).name for f, _ in report.unreadable] == ["broken.png"]
    saved = json.loads((tmp_path / "out" / REPORT_NAME).read_text())
    assert {d["file"] for d in saved["dropped"]} == {f for f, _ in report.dropped}


def test_grayscale_images_are_kept_without_the_flag(tmp_path):
    a = make_images(tmp_path / "a", 2, gray=True)
    report = prepare_unaligned([a], tmp_path / "out", PrepareOptions(size=32, test_fraction=0),
                               progress=False)
    assert report.counts == {"trainA": 2} and report.dropped == []


def test_rerun_skips_finished_files(tmp_path):
    a = make_images(tmp_path / "a", 5)
    prepare_unaligned([a], tmp_path / "out", OPTS, progress=False)
    victim = next((tmp_path / "out" / "trainA").iterdir())
    victim.unlink()
    kept = next((tmp_path / "out" / "trainA").iterdir())
    stamp = kept.stat().st_mtime_ns
    report = prepare_unaligned([a], tmp_path / "out", OPTS, progress=False)
    assert report.already_done == 4
    assert victim.is_file()
    assert kept.stat().st_mtime_ns == stamp


def test_rerun_with_other_options_is_refused(tmp_path):
    a = make_images(tmp_path / "a", 3)
    prepare_unaligned([a], tmp_path / "out", OPTS, progress=False)
    with pytest.raises(DataError, match="other inputs or options"):
        prepare_unaligned([a], tmp_path / "out", PrepareOptions(size=16), progress=False)


def test_output_inside_the_input_is_refused(tmp_path):
    a = make_images(tmp_path / "a", 3)
    with pytest.raises(DataError, match="inside the input folder"):
        prepare_unaligned([a], a / "out", OPTS, progress=False)


def test_workers_give_the_same_result_as_one_process(tmp_path):
    a = make_images(tmp_path / "a", 6)
    (a / "broken.jpg").write_bytes(b"nope")
    one = prepare_unaligned([a], tmp_path / "one", OPTS, progress=False)
    two = prepare_unaligned([a], tmp_path / "two", PrepareOptions(**{**OPTS.__dict__,
                                                                     "workers": 2}),
                            progress=False)
    assert one.counts == two.counts and len(two.dropped) == 1
    for f in (tmp_path / "one" / "trainA").iterdir():
        assert f.read_bytes() == (tmp_path / "two" / "trainA" / f.name).read_bytes()


def test_npz_shards_hold_the_images_and_are_read_back(tmp_path):
    a = make_images(tmp_path / "a", 7)
    b = make_images(tmp_path / "b", 3, seed=5)
    opts = PrepareOptions(size=16, test_fraction=0, format="npz", shard_size=3)
    report = prepare_unaligned([a, b], tmp_path / "out", opts, progress=False)
    assert report.counts == {"trainA": 7, "trainB": 3}
    shards = sorted(p.name for p in (tmp_path / "out" / "trainA").iterdir())
    assert shards == ["shard_00000.npz", "shard_00001.npz", "shard_00002.npz"]
    with np.load(tmp_path / "out/trainA/shard_00000.npz", allow_pickle=False) as data:
        assert data["images"].shape == (3, 16, 16, 3) and data["images"].dtype == np.uint8
        assert list(data["names"]) == ["img000.png", "img001.png", "img002.png"]
    items = list_npz_items(tmp_path / "out" / "trainA")
    assert len(items) == 7
    as_png = PrepareOptions(**{**opts.__dict__, "format": "png"})
    prepare_unaligned([a], tmp_path / "png", as_png, progress=False)
    expected = Image.open(tmp_path / "png/trainA/img006.png")
    assert np.array_equal(np.asarray(NpzShardCache().image(*items[6])), np.asarray(expected))
    again = prepare_unaligned([a, b], tmp_path / "out", opts, progress=False)
    assert again.already_done == 10


def test_npz_needs_one_image_size(tmp_path):
    a = make_images(tmp_path / "a", 2)
    with pytest.raises(ConfigError, match="npz needs"):
        prepare_unaligned([a], tmp_path / "o", PrepareOptions(crop="none", format="npz"),
                          progress=False)


def test_pairs_are_matched_by_name_into_side_by_side_images(tmp_path):
    a = make_images(tmp_path / "A", 4)
    b = make_images(tmp_path / "B", 3, seed=9, ext="jpg")
    opts = PrepareOptions(size=32, test_fraction=0.34, seed=0)
    report = prepare_pairs(a, b, tmp_path / "AB", opts, progress=False)
    assert report.counts == {"train": 2, "test": 1}
    assert [Path(f).name for f, _ in report.dropped] == ["img003.png"]
    img = Image.open(next((tmp_path / "AB" / "train").iterdir()))
    assert img.size == (64, 32)


def test_pair_folders_without_matching_names_are_a_clear_error(tmp_path):
    a = make_images(tmp_path / "A", 2)
    b = tmp_path / "B"
    b.mkdir()
    Image.new("RGB", (40, 40)).save(b / "other.png")
    with pytest.raises(DataError, match="no file names in .* match"):
        prepare_pairs(a, b, tmp_path / "AB", OPTS, progress=False)


def test_split_pairs_undoes_pairing(tmp_path):
    a = make_images(tmp_path / "A", 3)
    b = make_images(tmp_path / "B", 3, seed=4)
    opts = PrepareOptions(size=32, test_fraction=0)
    prepare_pairs(a, b, tmp_path / "AB", opts, progress=False)
    report = split_pairs(tmp_path / "AB", tmp_path / "split", PrepareOptions(size=None),
                         progress=False)
    assert report.counts == {"trainA": 3, "trainB": 3}
    joined = np.asarray(Image.open(tmp_path / "AB/train/img000.png"))
    left = np.asarray(Image.open(tmp_path / "split/trainA/img000.png"))
    right = np.asarray(Image.open(tmp_path / "split/trainB/img000.png"))
    assert np.array_equal(np.concatenate([left, right], axis=1), joined)


def test_list_items_reads_image_folders_and_shard_folders_alike(tmp_path):
    from i2i.data.npz import NpzShardCache, list_items, load_item

    a = make_images(tmp_path / "a", 3)
    opts = PrepareOptions(size=16, test_fraction=0, format="npz")
    prepare_unaligned([a], tmp_path / "npz", opts, progress=False)
    prepare_unaligned([a], tmp_path / "png", PrepareOptions(size=16, test_fraction=0),
                      progress=False)
    cache = NpzShardCache()
    from_npz = [np.asarray(load_item(i, cache)) for i in list_items(tmp_path / "npz/trainA")]
    from_png = [np.asarray(load_item(i, cache)) for i in list_items(tmp_path / "png/trainA")]
    assert len(from_npz) == 3
    assert all(np.array_equal(x, y) for x, y in zip(from_npz, from_png, strict=True))
    assert load_item(list_items(tmp_path / "npz/trainA")[0], cache, channels=1).mode == "L"


def test_disk_full_while_writing_stops_with_one_clear_error(tmp_path, monkeypatch):
    import errno

    import i2i.images
    from i2i.errors import OutputError

    real_write = i2i.images._write_all

    def full(fh, data):  # the stamp still fits, the first image does not
        if data.startswith(b"\x89PNG"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fh, data)

    a = make_images(tmp_path / "a", 3)
    monkeypatch.setattr(i2i.images, "_write_all", full)
    with pytest.raises(OutputError, match="disk full writing .* more needed"):
        prepare_unaligned([a], tmp_path / "out", OPTS, progress=False)
    assert not (tmp_path / "out" / REPORT_NAME).exists()


def test_a_mistyped_input_folder_leaves_no_output_behind(tmp_path):
    with pytest.raises(DataError, match="input folder not found"):
        prepare_unaligned([tmp_path / "nope"], tmp_path / "out", OPTS, progress=False)
    assert not (tmp_path / "out").exists()


def test_random_crop_is_the_same_for_both_images_of_a_pair(tmp_path):
    a = make_images(tmp_path / "A", 3, size=(70, 50))
    b = tmp_path / "B"
    b.mkdir()
    for f in a.iterdir():
        (b / f.name).write_bytes(f.read_bytes())
    opts = PrepareOptions(size=32, crop="random", test_fraction=0, seed=3)
    prepare_pairs(a, b, tmp_path / "AB", opts, progress=False)
    for f in (tmp_path / "AB" / "train").iterdir():
        arr = np.asarray(Image.open(f))
        assert np.array_equal(arr[:, :32], arr[:, 32:])


def test_shard_cache_keeps_only_the_most_recent_shards(tmp_path):
    a = make_images(tmp_path / "a", 6)
    opts = PrepareOptions(size=16, test_fraction=0, format="npz", shard_size=2)
    prepare_unaligned([a], tmp_path / "npz", opts, progress=False)
    items = list_npz_items(tmp_path / "npz" / "trainA")
    cache = NpzShardCache(max_shards=2)
    first = cache.array(*items[0]).copy()
    for item in items:
        cache.array(*item)
    assert len(cache._arrays) == 2
    assert np.array_equal(cache.array(*items[0]), first)
