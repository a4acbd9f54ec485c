"""The real set's features are cached by content and settings."""

from __future__ import annotations

from pathlib import Path

from conftest import make_images

from i2i.metrics.cache import feature_key
from i2i.metrics.evaluate import evaluate_folders
from i2i.metrics.job import EvalOptions


def test_cache_key_follows_content_not_names(tmp_path):
    net = tmp_path / "net.bin"
    net.write_bytes(b"n")
    files = make_images(tmp_path / "a", 3)
    key = feature_key(files, net, False)
    renamed = files[0].rename(files[0].with_name("zzz.png"))
    assert feature_key([renamed, *files[1:]], net, False) == key
    make_images(tmp_path / "b", 1, seed=9)[0].replace(renamed)
    assert feature_key([renamed, *files[1:]], net, False) != key
    assert feature_key(files[1:], net, True) != feature_key(files[1:], net, False)


def test_scoring_many_fake_folders_extracts_the_real_set_once(tmp_path, tiny_inception):
    real = tmp_path / "real"
    make_images(real, 6)
    fakes = []
    for i in range(3):
        make_images(tmp_path / f"fake{i}", 5, seed=10 + i)
        fakes.append(tmp_path / f"fake{i}")
    opts = EvalOptions(metrics=("fid", "kid"), kid_subsets=2)
    result = evaluate_folders(real, fakes, opts)
    assert [r["name"] for r in result.rows] == ["fake0", "fake1", "fake2"]
    assert tiny_inception == [6, 5, 5, 5]  # real once, then each fake
    tiny_inception.clear()
    again = evaluate_folders(real, fakes[:1], opts)
    assert tiny_inception == [5]  # the real set comes from the disk cache
    assert again.rows[0]["fid"] == result.rows[0]["fid"]


def test_fid_counts_may_differ_between_real_and_fake(tmp_path, tiny_inception):
    make_images(tmp_path / "real", 7, size=(40, 30))
    make_images(tmp_path / "fake", 4, size=(20, 50))  # also another size
    row = evaluate_folders(Path(tmp_path / "real"), [tmp_path / "fake"],
                           EvalOptions(metrics=("fid",))).rows[0]
    assert (row["n_real"], row["n_fake"]) == (7, 4)
    assert row["fid"] > 0
