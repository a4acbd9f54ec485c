"""No command writes a file over an input, nor over an existing file without --overwrite.

Every case goes through the CLI as a user types it; each checks the bytes on disk, not
just the exit code, since the defect was a JSON file sitting where a photo had been.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.metrics.conftest import make_images


def one_error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    """A real and a fake folder of 3 small images each (psnr reads them without a net)."""
    make_images(tmp_path / "real", 3)
    make_images(tmp_path / "fake", 3, seed=1)
    return tmp_path / "real", tmp_path / "fake"


@pytest.mark.parametrize("option", ["--json", "--csv", "--plot"])
@pytest.mark.parametrize("victim", ["real", "fake"])
def test_evaluate_never_writes_over_an_input_image_even_with_overwrite(cli, folders, option,
                                                                       victim):
    """Guards: `evaluate --real real --fake real -m psnr --json real/apple.jpg` replacing
    the photo with JSON, exit 0."""
    real, fake = folders
    photo = (real if victim == "real" else fake) / "001.png"
    before = photo.read_bytes()
    for extra in ([], ["--overwrite"]):
        result = cli("evaluate", "-m", "psnr", "--real", str(real), "--fake", str(fake),
                     option, str(photo), *extra)
        assert result.exit_code == 1, result.output
        line = one_error_line(result)
        assert option in line and "input" in line
        assert photo.read_bytes() == before


@pytest.mark.parametrize("option", ["--json", "--csv", "--plot"])
def test_evaluate_keeps_an_existing_file_unless_overwrite(cli, folders, tmp_path, option):
    real, fake = folders
    mine = tmp_path / {"--json": "mine.json", "--csv": "mine.csv", "--plot": "mine.png"}[option]
    mine.write_text("mine")
    args = ["evaluate", "-m", "psnr", "--real", str(real), "--fake", str(fake), option, str(mine)]
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert "--overwrite" in one_error_line(result)
    assert mine.read_text() == "mine"
    result = cli(*args, "--overwrite")
    assert result.exit_code == 0, result.output
    assert mine.read_bytes() != b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake", mine.name, "real"]


def test_evaluate_never_writes_over_a_file_of_a_run_it_scores(cli, tiny_run, tmp_path):
    """A run folder is an input: its config and checkpoints are never replaced."""
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    config = run / "config.yaml"
    before = config.read_bytes()
    result = cli("evaluate", str(run), "-m", "psnr", "--csv", str(config), "--overwrite")
    assert result.exit_code == 1, result.output
    assert "input" in one_error_line(result)
    assert config.read_bytes() == before


def test_export_never_writes_over_a_file_of_the_run_even_with_overwrite(cli, tiny_run,
                                                                        tmp_path):
    """Guards: `export runs/x --out runs/x/config.yaml --overwrite` (or another checkpoint
    of the run) replacing it with a model; only the exported checkpoint itself was kept."""
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    victims = [run / "config.yaml", *sorted((run / "checkpoints").glob("*.pt"))]
    assert len(victims) >= 2
    for victim in victims:
        before = victim.read_bytes()
        result = cli("export", str(run), "--format", "torchscript", "--out", str(victim),
                     "--overwrite")
        assert result.exit_code == 1, result.output
        assert "input" in one_error_line(result)
        assert victim.read_bytes() == before


def _image(path: Path, colour: str = "gray") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), colour).save(path)
    return path


STYLIZE_FAST = ["--network", "vgg16", "--size", "40", "--steps", "1"]


@pytest.mark.parametrize("victim", ["style", "init", "grid_over_style"])
def test_stylize_refuses_to_write_over_an_input_before_the_network_loads(cli, tmp_path,
                                                                          victim):
    """Guards: `stylize photo.jpg style.jpg --out style.jpg` replacing the style image (the
    check came at the save, after the optimisation), and --grid or --init likewise."""
    photo, style = _image(tmp_path / "photo.png"), _image(tmp_path / "style.png", "red")
    init = _image(tmp_path / "start.png", "blue")
    out, extra = {"style": (style, []),
                  "init": (init, ["--init", str(init)]),
                  "grid_over_style": (tmp_path / "style.png", ["--grid"])}[victim]
    if victim == "grid_over_style":  # result out/s.png, grid out/s_grid.png = the style
        style = _image(tmp_path / "s_grid.png", "red")
        out = tmp_path / "s.png"
    protected = [photo, style, init]
    before = [p.read_bytes() for p in protected]
    # no VGG weights exist here: the refusal must come before the network is looked for
    result = cli("stylize", str(photo), str(style), "--out", str(out), *STYLIZE_FAST,
                 "--weights-dir", str(tmp_path / "no-weights"), "--overwrite", *extra)
    assert result.exit_code == 1, result.output
    assert "input" in one_error_line(result)
    assert [p.read_bytes() for p in protected] == before


@pytest.mark.parametrize("mode", ["image", "folder", "texture", "grid", "save_every"])
def test_stylize_keeps_an_existing_file_unless_overwrite(cli, tmp_path, mode):
    """Guards: stylize replacing any existing file at --out (or its grid and step files)
    without being asked to."""
    photo, style = _image(tmp_path / "in" / "photo.png"), _image(tmp_path / "style.png", "red")
    out = tmp_path / "out" / "photo.png"
    args = [str(photo), str(style), "--out", str(out)]
    mine = out
    if mode == "folder":
        args[0] = str(photo.parent)
        args[2:] = ["--out", str(out.parent)]
    elif mode == "texture":
        args = ["--texture", str(style), "--out", str(out)]
    elif mode == "grid":
        mine = out.with_name("photo_grid.png")
        args.append("--grid")
    elif mode == "save_every":
        mine = out.with_name("photo.step0001.png")
        args += ["--save-every", "1"]
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_bytes(b"mine")
    result = cli("stylize", *args, *STYLIZE_FAST, "--weights-dir", str(tmp_path / "no-weights"))
    assert result.exit_code == 1, result.output
    assert "--overwrite" in one_error_line(result)
    assert mine.read_bytes() == b"mine"


def test_stylize_overwrite_replaces_an_existing_output(cli, tmp_path, shared_weights,
                                                       shared_data):
    photo = _image(tmp_path / "photo.png")
    out = tmp_path / "out.png"
    out.write_bytes(b"mine")
    result = cli("stylize", str(photo), str(shared_data / "art" / "starry_night.jpg"), "--out",
                 str(out), *STYLIZE_FAST, "--weights-dir", str(shared_weights), "--overwrite")
    assert result.exit_code == 0, result.output
    with Image.open(out) as img:
        assert img.size == (40, 30)
