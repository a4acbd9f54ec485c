"""`i2i stylize` through the CLI: outputs, batches, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WEIGHTS = SHARED / "weights"
STARRY = SHARED / "data" / "art" / "starry_night.jpg"
FAST = ["--network", "vgg16", "--size", "40", "--steps", "2"]


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def real():
    if not (WEIGHTS / "vgg16-features.pth").exists() or not STARRY.exists():
        pytest.skip("../shared weights or images are absent")
    return ["--weights-dir", str(WEIGHTS)]


def _photo(tmp_path: Path, name: str = "photo.jpg") -> Path:
    dest = tmp_path / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    # a synthetic 60x45 photo: gradients and a disc, so the CLI tests need no shared data
    x, y = np.meshgrid(np.linspace(0, 1, 60), np.linspace(0, 1, 45))
    disc = ((x - 0.6) ** 2 + (y - 0.5) ** 2 < 0.05).astype(float)
    rgb = np.stack([x, y, 0.5 * disc + 0.3], axis=-1)
    Image.fromarray((rgb * 255).astype(np.uint8)).save(dest)
    return dest


def test_one_image_is_stylised_in_the_format_of_the_extension_with_a_grid(tmp_path, real):
    photo = _photo(tmp_path)
    out = tmp_path / "styled" / "photo_starry.png"
    result = runner.invoke(app, ["stylize", str(photo), str(STARRY), "--out", str(out), "--grid",
                                 *FAST, *real])
    assert result.exit_code == 0, result.output
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size == (40, 30)
    with Image.open(out.with_name("photo_starry_grid.png")) as grid:
        assert grid.width > 3 * grid.height / 2  # content, style and result side by side
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left no temp file


def test_a_folder_with_a_bad_image_does_the_rest_and_ends_non_zero(tmp_path, real):
    folder = tmp_path / "photos"
    _photo(folder, "a.jpg")
    _photo(folder, "c.jpg")
    (folder / "b.jpg").write_bytes(Path(_photo(tmp_path, "x.jpg")).read_bytes()[:200])
    Image.new("RGB", (90, 4), "gray").save(folder / "d.png")  # 40x2 px at --size 40
    out = tmp_path / "styled"
    result = runner.invoke(app, ["stylize", str(folder), str(STARRY), "--out", str(out),
                                 *FAST, *real])
    assert result.exit_code == 8, result.output
    assert "2 of 4" in error_line(result)
    # each failure is listed exactly once (it used to be a warning and again in the error)
    assert result.output.count("b.jpg") == 1 and "unreadable" in result.output
    assert result.output.count("d.png") == 1 and "too small" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "c.jpg"]


def test_save_every_keeps_intermediate_results(tmp_path, real):
    photo = _photo(tmp_path)
    out = tmp_path / "out.jpg"
    result = runner.invoke(app, ["stylize", str(photo), str(STARRY), "--out", str(out),
                                 "--save-every", "1", *FAST, *real])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.step0001.jpg").is_file() and (tmp_path / "out.step0002.jpg").is_file()


def test_texture_has_the_requested_width_and_height(tmp_path, real):
    out = tmp_path / "texture.png"
    result = runner.invoke(app, ["stylize", "--texture", str(STARRY), "--size", "48x32",
                                 "--steps", "2", "--network", "vgg16", "--out", str(out), *real])
    assert result.exit_code == 0, result.output
    with Image.open(out) as img:
        assert img.size == (48, 32)


def test_an_input_is_never_overwritten(tmp_path, real):
    photo = _photo(tmp_path)
    before = photo.read_bytes()
    result = runner.invoke(app, ["stylize", str(photo), str(STARRY), "--out", str(photo),
                                 *FAST, *real])
    assert result.exit_code == 1
    assert "is an input" in error_line(result)
    assert photo.read_bytes() == before


def test_an_unknown_layer_lists_the_valid_ones(tmp_path):
    photo = _photo(tmp_path)
    result = runner.invoke(app, ["stylize", str(photo), str(photo), "--out",
                                 str(tmp_path / "o.jpg"), "--style-layers", "conv1_1,conv6_1"])
    assert result.exit_code == 2
    line = error_line(result)
    assert "conv6_1" in line and "conv5_4" in line


def test_missing_weights_offline_name_the_file_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_OFFLINE", "1")
    photo = _photo(tmp_path)
    result = runner.invoke(app, ["stylize", str(photo), str(photo), "--out",
                                 str(tmp_path / "o.jpg"), "--weights-dir", str(tmp_path)])
    assert result.exit_code == 5
    line = error_line(result)
    assert "vgg19-dcbb9e9d.pth" in line and "i2i download --weights vgg19" in line


def test_an_unreadable_style_image_is_one_line(tmp_path):
    photo = _photo(tmp_path)
    bad = tmp_path / "style.jpg"
    bad.write_text("not an image")
    result = runner.invoke(app, ["stylize", str(photo), str(bad), "--out",
                                 str(tmp_path / "o.jpg")])
    assert result.exit_code == 3
    assert "style.jpg" in error_line(result)


def test_a_size_too_small_for_the_deepest_layer_is_one_line(tmp_path, real):
    photo = _photo(tmp_path)
    result = runner.invoke(app, ["stylize", str(photo), str(STARRY), "--out",
                                 str(tmp_path / "o.jpg"), "--network", "vgg16", "--size", "10",
                                 *real])
    assert result.exit_code == 2
    assert "too small" in error_line(result) and "conv5_1" in error_line(result)


def test_style_weights_must_match_the_number_of_styles(tmp_path):
    photo = _photo(tmp_path)
    result = runner.invoke(app, ["stylize", str(photo), str(photo), "--out",
                                 str(tmp_path / "o.jpg"), "--style-weights", "0.7,0.3"])
    assert result.exit_code == 2
    assert "--style-weights" in error_line(result)


def test_a_missing_style_image_is_one_line(tmp_path):
    photo = _photo(tmp_path)
    result = runner.invoke(app, ["stylize", str(photo), str(tmp_path / "nope.jpg"), "--out",
                                 str(tmp_path / "o.jpg")])
    assert result.exit_code == 3
    assert "nope.jpg" in error_line(result)


def test_init_from_a_folder_starts_from_its_mean_image(tmp_path):
    from i2i.stylize.run import image_to_tensor, mean_image

    folder = tmp_path / "frames"
    folder.mkdir()
    Image.new("RGB", (8, 6), (200, 0, 0)).save(folder / "a.png")
    Image.new("RGB", (16, 12), (0, 100, 0)).save(folder / "b.png")
    mean = mean_image(folder)
    assert mean.shape == (1, 3, 6, 8)
    expected = image_to_tensor(Image.new("RGB", (8, 6), (100, 50, 0)))
    assert (mean - expected).abs().max() < 1e-2
