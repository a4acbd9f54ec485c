"""`i2i prepare` through the CLI: folders, pairs, bad images, exit codes, report."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

runner = CliRunner()


def make_images(folder, n, seed=0):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        arr = rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)
        Image.fromarray(arr).save(folder / f"{i}.png")
    return folder


def test_two_folders_prepare_and_report(tmp_path):
    a, b = make_images(tmp_path / "a", 4), make_images(tmp_path / "b", 4, seed=3)
    out = tmp_path / "out"
    result = runner.invoke(app, ["prepare", str(a), str(b), "--out", str(out), "--size", "24",
                                 "--test-fraction", "0.25", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "trainA: 3" in result.output
    report = json.loads((out / "prepare_report.json").read_text())
    assert report["counts"] == {"trainA": 3, "testA": 1, "trainB": 3, "testB": 1}


def test_an_unreadable_image_is_listed_and_ends_with_partial_failure(tmp_path):
    a = make_images(tmp_path / "a", 5)
    (a / "bad.png").write_bytes(b"garbage")
    result = runner.invoke(app, ["prepare", str(a), "--out", str(tmp_path / "o"), "-q",
                                 "--size", "24", "-j", "1"])
    assert result.exit_code == 8
    assert "bad.png: unreadable" in result.output
    assert "1 image(s) could not be read" in result.output
    assert len(list((tmp_path / "o" / "trainA").iterdir())) + \
        len(list((tmp_path / "o" / "testA").iterdir())) == 5


def test_pair_without_matching_names_is_a_data_error(tmp_path):
    a = make_images(tmp_path / "a", 2)
    b = tmp_path / "b"
    b.mkdir()
    Image.new("RGB", (40, 40)).save(b / "zzz.png")
    result = runner.invoke(app, ["prepare", "--pair", str(a), str(b), "--out",
                                 str(tmp_path / "ab"), "-q"])
    assert result.exit_code == 3
    assert "match" in result.output and "Traceback" not in result.output


def test_missing_input_folder_is_one_line(tmp_path):
    result = runner.invoke(app, ["prepare", str(tmp_path / "nope"), "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "input folder not found" in result.output


def test_bad_option_value_is_one_line(tmp_path):
    a = make_images(tmp_path / "a", 1)
    result = runner.invoke(app, ["prepare", str(a), "--out", str(tmp_path / "o"),
                                 "--crop", "middle"])
    assert result.exit_code == 2
    assert "--crop must be one of" in result.output


def _strips(folder, n):
    """96x32 images whose red value is the x coordinate (plus 100 * the image number in
    blue), so a 32 px crop shows where it was taken."""
    folder.mkdir(parents=True)
    for i in range(n):
        arr = np.zeros((32, 96, 3), np.uint8)
        arr[..., 0] = np.arange(96)[None, :]
        arr[..., 2] = i
        Image.fromarray(arr).save(folder / f"{i}.png")
    return folder


def _crop_lefts(out):
    lefts = []
    for f in sorted((out / "trainA").glob("*.png")):
        arr = np.asarray(Image.open(f).convert("RGB"))
        assert arr.shape == (32, 32, 3)
        left = int(arr[0, 0, 0])
        assert np.array_equal(arr[0, :, 0], np.arange(left, left + 32))  # a real window
        lefts.append(left)
    return lefts


def test_random_crop_takes_windows_at_random_places_and_center_in_the_middle(tmp_path):
    """Guards against ``--crop random`` really doing a centre crop (or any fixed offset).
    Eight images, offsets drawn from 0-64: all eight at 32 has odds of 65^-8."""
    src = _strips(tmp_path / "a", 8)
    lefts = {}
    for crop in ("random", "center"):
        out = tmp_path / crop
        result = runner.invoke(app, ["prepare", str(src), "--out", str(out), "--size", "32",
                                     "--crop", crop, "--test-fraction", "0", "-q", "-j", "1"])
        assert result.exit_code == 0, result.output
        lefts[crop] = _crop_lefts(out)
    assert lefts["center"] == [32] * 8
    assert len(lefts["random"]) == 8 and len(set(lefts["random"])) >= 3
