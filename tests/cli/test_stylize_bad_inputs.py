"""`i2i stylize` on the inputs that used to crash it: content already at --size, --out
inside the content folder, unwritable outputs, decompression bombs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app
from tests.bad_files import BOMBS, bomb_png, unwritable_dir

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WEIGHTS = SHARED / "weights"
STARRY = SHARED / "data" / "art" / "starry_night.jpg"
FAST = ["--network", "vgg16", "--steps", "1"]


def stylize(*args):
    result = CliRunner().invoke(app, ["stylize", *map(str, args)])
    return result.exit_code, result.output


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def real():
    if not (WEIGHTS / "vgg16-features.pth").exists() or not STARRY.exists():
        pytest.skip("../shared weights or images are absent")
    return ["--weights-dir", WEIGHTS]


@pytest.mark.parametrize("size", [(48, 36), (36, 48), (48, 48)])
def test_content_whose_long_side_equals_size_is_stylised(tmp_path, real, size):
    """Guards: L-BFGS "view size is not compatible" when no resize copies the permuted
    (non-contiguous) content tensor, i.e. every photo whose long side is --size."""
    photo = tmp_path / "photo.png"
    Image.new("RGB", size, (120, 80, 40)).save(photo)
    code, output = stylize(photo, STARRY, "--out", tmp_path / "o.png", "--size",
                           max(size), *FAST, *real)
    assert code == 0, output
    assert Image.open(tmp_path / "o.png").size == size


def test_the_default_size_on_a_shared_photo_does_not_crash(tmp_path, real, shared_data):
    """Guards: the first command of a new user (a 512 px photo of ../shared/data at the
    default --size 512) failing; one step with the default L-BFGS is enough to show it."""
    photo = sorted((shared_data / "photos").glob("*.jpg"))[0]
    with Image.open(photo) as img:
        assert max(img.size) == 512, "the shared photos are 512 px on their long side"
    code, output = stylize(photo, STARRY, "--out", tmp_path / "o.jpg", "--network", "vgg16",
                           "--steps", "1", *real)
    assert code == 0, output


@pytest.mark.parametrize("inside", [".", "styled", "a/b"])
def test_out_inside_the_content_folder_is_refused(tmp_path, inside):
    """Guards: --out inside the content folder accepted, so a rerun stylized its own
    outputs (checked before the network loads: no weights needed)."""
    content = tmp_path / "photos"
    content.mkdir()
    Image.new("RGB", (40, 40)).save(content / "a.png")
    code, output = stylize(content, content / "a.png", "--out", content / inside)
    assert code == 3
    assert "inside the content folder" in error_line(output)
    assert sorted(p.name for p in content.iterdir()) == ["a.png"]


def _bad_out(tmp_path: Path, case: str) -> tuple[Path, str]:
    (tmp_path / "file").write_text("mine")
    return {
        "under_a_file": (tmp_path / "file" / "o.png", "is a file, not a folder"),
        "unwritable": (unwritable_dir(tmp_path) / "o.png", "cannot write in"),
        "unwritable_folder": (unwritable_dir(tmp_path) / "styled", "cannot write in"),
    }[case]


@pytest.mark.parametrize("case", ["under_a_file", "unwritable", "unwritable_folder"])
@pytest.mark.parametrize("kind", ["image", "folder", "texture"])
def test_an_unwritable_out_is_one_line_before_the_network_loads(tmp_path, case, kind,
                                                                monkeypatch):
    """Guards: --out found unwritable only after minutes of optimisation (a traceback)."""
    import i2i.stylize.run as run

    monkeypatch.setattr(run, "_load_model", lambda *a: pytest.fail("network loaded"))
    out, message = _bad_out(tmp_path, case)
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (40, 40)).save(photos / "a.png")
    args = {"image": [photos / "a.png", photos / "a.png"],
            "folder": [photos, photos / "a.png"],
            "texture": ["--texture", photos / "a.png"]}[kind]
    if kind == "folder" and out.suffix:
        out = out.with_suffix("")
    code, output = stylize(*args, "--out", out)
    assert code == 1, output
    assert message in error_line(output)


@pytest.mark.parametrize("dims", BOMBS, ids=[f"{w}x{h}" for w, h in BOMBS])
def test_a_bomb_style_image_is_one_line(tmp_path, dims):
    """Guards: DecompressionBombError escaping as a traceback when a style is opened."""
    Image.new("RGB", (40, 40)).save(tmp_path / "a.png")
    code, output = stylize(tmp_path / "a.png", bomb_png(tmp_path / "s.png", *dims), "--out",
                           tmp_path / "o.png")
    assert code == 3 and "s.png" in error_line(output) and "Traceback" not in output


def test_a_bomb_in_a_content_folder_is_listed_once_and_the_rest_done(tmp_path, real):
    """Guards: a bomb stopping the batch, and a failure printed twice (a warning, then
    again inside the error line)."""
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (40, 30), (90, 20, 20)).save(photos / "a.png")
    bomb_png(photos / "b.png")
    Image.new("RGB", (40, 30), (20, 90, 20)).save(photos / "c.png")
    code, output = stylize(photos, STARRY, "--out", tmp_path / "out", "--size", "40", *FAST,
                           *real)
    assert code == 8, output
    assert output.count("b.png") == 1 and "1 of 3" in error_line(output)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "c.png"]
