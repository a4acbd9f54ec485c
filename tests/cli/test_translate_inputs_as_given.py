"""`i2i translate` takes inputs as a user gives them: a single file in the current folder,
animated GIFs (every frame translated), an unknown --ext refused before any work."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageSequence

COLOURS = [(220, 40, 40), (40, 200, 60), (30, 60, 230)]


def animated_gif(path, durations=(80, 120, 200)):
    frames = [Image.new("RGB", (36, 28), c) for c in COLOURS]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=list(durations),
                   loop=0)
    return frames


def test_a_single_file_in_the_current_folder_translates_to_a_subfolder(tiny_run, tmp_path,
                                                                       cli, monkeypatch):
    """Guards: `cd d && i2i translate RUN photo.png --out out` refused as "inside the input
    folder": a single file's folder is not searched, so an output folder in it is safe."""
    Image.new("RGB", (32, 32), (10, 200, 10)).save(tmp_path / "photo.png")
    monkeypatch.chdir(tmp_path)
    result = cli("translate", str(tiny_run), "photo.png", "--out", "out", "--quiet")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out" / "photo.png").size == (32, 32)


def test_an_output_on_a_given_input_file_is_still_refused(tiny_run, tmp_path, cli,
                                                          monkeypatch):
    """Guards the relaxation above: --out . would write photo.png over itself."""
    Image.new("RGB", (32, 32), (10, 200, 10)).save(tmp_path / "photo.png")
    before = (tmp_path / "photo.png").read_bytes()
    monkeypatch.chdir(tmp_path)
    result = cli("translate", str(tiny_run), "photo.png", "--out", ".", "--quiet")
    assert result.exit_code == 3 and "over the input" in result.output
    assert (tmp_path / "photo.png").read_bytes() == before


def test_a_glob_with_a_folder_wildcard_still_keeps_out_outside(tiny_run, tmp_path, cli):
    """`in/*/*.png --out in/o` would match its own outputs on a rerun."""
    (tmp_path / "in" / "a").mkdir(parents=True)
    Image.new("RGB", (32, 32)).save(tmp_path / "in" / "a" / "x.png")
    result = cli("translate", str(tiny_run), str(tmp_path / "in" / "*" / "*.png"), "--out",
                 str(tmp_path / "in" / "o"), "--quiet")
    assert result.exit_code == 3 and "inside the input folder" in result.output


@pytest.mark.parametrize("ext", [None, "png"])
def test_every_frame_of_an_animated_gif_is_translated_into_an_animation(tiny_run, tmp_path,
                                                                        cli, ext):
    """Guards: an animated GIF translated as its first frame without a word. Each output
    frame is the translation of its input frame (as a still PNG), durations and count kept."""
    src = tmp_path / "in"
    src.mkdir()
    frames = animated_gif(src / "clip.gif")
    for i, frame in enumerate(frames):
        frame.save(tmp_path / f"still{i}.png")
    extra = ["--ext", ext] if ext else []
    result = cli("translate", str(tiny_run), str(src / "clip.gif"), "--out",
                 str(tmp_path / "out"), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    stills = [str(tmp_path / f"still{i}.png") for i in range(3)]
    assert cli("translate", str(tiny_run), *stills, "--out", str(tmp_path / "ref"),
               "--quiet").exit_code == 0
    with Image.open(tmp_path / "out" / f"clip.{ext or 'gif'}") as out:
        assert out.n_frames == 3
        got = [np.asarray(f.convert("RGB"), dtype=float) for f in ImageSequence.Iterator(out)]
        if ext is None:
            out.seek(0)
            durations = [f.info["duration"] for f in ImageSequence.Iterator(out)]
            assert durations == [80, 120, 200]
    for i in range(3):
        want = np.asarray(Image.open(tmp_path / "ref" / f"still{i}.png"), dtype=float)
        assert got[i].shape == want.shape == (28, 36, 3)
        others = [np.abs(got[i] - np.asarray(Image.open(tmp_path / "ref" / f"still{j}.png"),
                                             dtype=float)).mean() for j in range(3) if j != i]
        mine = np.abs(got[i] - want).mean()
        assert mine < 6 and mine < min(others), (i, mine, others)  # palette/lossy round-off


def test_a_gif_inside_a_folder_is_translated_not_skipped(tiny_run, tmp_path, cli):
    """Guards: a folder's GIFs skipped without a word (.gif was not an image extension)."""
    src = tmp_path / "in"
    src.mkdir()
    animated_gif(src / "clip.gif")
    Image.new("RGB", (20, 20), (1, 2, 3)).save(src / "still.gif")
    result = cli("translate", str(tiny_run), str(src), "--out", str(tmp_path / "out"),
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert "2 image(s)" in result.output
    with Image.open(tmp_path / "out" / "clip.gif") as out:
        assert out.n_frames == 3
    assert Image.open(tmp_path / "out" / "still.gif").size == (20, 20)


def test_an_animation_to_a_still_format_is_a_listed_failure(tiny_run, tmp_path, cli):
    animated_gif(tmp_path / "clip.gif")
    result = cli("translate", str(tiny_run), str(tmp_path / "clip.gif"), "--out",
                 str(tmp_path / "out"), "--ext", "jpg", "--quiet")
    assert result.exit_code == 8 and "use --ext gif" in result.output
    assert not (tmp_path / "out" / "clip.jpg").exists()


def test_an_unknown_ext_is_one_line_before_any_work(tiny_run, tmp_path, cli):
    """Guards: `--ext xyz` failed once per image (exit 8) after translating them all."""
    (tmp_path / "in").mkdir()
    for i in range(2):
        Image.new("RGB", (32, 32)).save(tmp_path / "in" / f"{i}.png")
    result = cli("translate", str(tiny_run), str(tmp_path / "in"), "--out",
                 str(tmp_path / "out"), "--ext", "xyz", "--quiet")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "--ext 'xyz'" in errors[0]
    assert not (tmp_path / "out").exists()
