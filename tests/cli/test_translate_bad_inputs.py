"""`i2i translate` on what users actually feed it: tiny and bomb images, outputs that cannot
be written, a full disk, a rerun after Ctrl-C, leftover temp files of a killed run."""

from __future__ import annotations

import errno
import os

import pytest
from PIL import Image

from tests.bad_files import BOMBS, GARBAGE, bomb_png, dead_pid, garbage, unwritable_dir


def translate(cli, run, *args):
    return cli("translate", str(run), *map(str, args), "--quiet")


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


TINY = [(1, 1), (2, 2), (3, 3), (1, 3000), (3000, 1), (5, 7), (15, 1)]


@pytest.mark.parametrize("fit", ["pad", "resize"])
@pytest.mark.parametrize("size", TINY, ids=[f"{w}x{h}" for w, h in TINY])
def test_tiny_and_thin_images_are_translated_at_their_size(tiny_run, tmp_path, cli, size, fit):
    """Guards: padding only to the multiple of 4 (a 1x1 becomes 4x4 and the ResNet's inner
    reflection pad raises), reflect padding wider than the image, a crash that aborts the
    rest of the folder (z.png after the tiny one must be written too)."""
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", size, (200, 40, 40)).save(src / "a.png")
    Image.new("RGB", (20, 20), (0, 90, 0)).save(src / "z.png")
    result = translate(cli, tiny_run, src, "--out", tmp_path / "out", "--fit", fit)
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out" / "a.png").size == size
    assert (tmp_path / "out" / "z.png").is_file()


@pytest.mark.parametrize("dims", BOMBS, ids=[f"{w}x{h}" for w, h in BOMBS])
def test_a_decompression_bomb_is_reported_and_later_images_written(tiny_run, tmp_path, cli,
                                                                   dims):
    """Guards: DecompressionBombError (not an OSError) escaping load_rgb, which aborted the
    batch with a traceback so later images were never written."""
    src = tmp_path / "in"
    Image.new("RGB", (20, 20)).save(bomb_png(src / "b.png", *dims).with_name("a.png"))
    Image.new("RGB", (20, 20)).save(src / "c.png")
    result = translate(cli, tiny_run, src, "--out", tmp_path / "out")
    assert result.exit_code == 8, result.output
    assert "Traceback" not in result.output and "b.png: unreadable" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "c.png"]


@pytest.mark.parametrize("kind", GARBAGE)
def test_every_image_unreadable_says_none_were_translated(tiny_run, tmp_path, cli, kind):
    """Guards: the closing line claiming "the rest were translated" when none were."""
    garbage(tmp_path / "in" / "x.png", kind)
    result = translate(cli, tiny_run, tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 8
    assert error_lines(result.output) == ["error: 1 of 1 image(s) failed (listed above); "
                                          "none were translated"]


def _out_cases(tmp_path):
    (tmp_path / "file").write_text("mine")
    return {
        "existing_file": (tmp_path / "file", "is a file, not a folder"),
        "under_a_file": (tmp_path / "file" / "sub", "is a file, not a folder"),
        "deep_under_a_file": (tmp_path / "file" / "a" / "b", "is a file, not a folder"),
        "unwritable": (unwritable_dir(tmp_path) / "out", "cannot write in"),
    }


@pytest.mark.parametrize("case", ["existing_file", "under_a_file", "deep_under_a_file",
                                  "unwritable"])
def test_an_unusable_out_is_one_line_before_any_work(tiny_run, tmp_path, cli, case,
                                                     monkeypatch):
    """Guards: --out checked only when the first image is saved (every image failed, then
    "the rest were translated"); the run must not even be loaded."""
    out, message = _out_cases(tmp_path)[case]
    Image.new("RGB", (20, 20)).save(tmp_path / "a.png")
    import i2i.runs

    def no_load(*args, **kwargs):
        raise AssertionError("the run was loaded before --out was checked")

    monkeypatch.setattr(i2i.runs, "load_for_inference", no_load)
    result = translate(cli, tiny_run, tmp_path / "a.png", "--out", out)
    assert result.exit_code == 1, result.output
    [line] = error_lines(result.output)
    assert message in line and "Traceback" not in result.output
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_stops_at_the_first_failed_write(tiny_run, tmp_path, cli, monkeypatch,
                                                     code):
    """Guards: ENOSPC caught per image, so thousands of images fail one by one; the line
    must name the path and the space needed, and leave no temp file."""
    import i2i.images

    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        Image.new("RGB", (20, 20), (i * 40, 0, 0)).save(src / f"{i}.png")
    writes = []
    real_write = i2i.images._write_all

    def write(fh, data):
        writes.append(len(data))
        if len(writes) > 2:
            raise OSError(code, os.strerror(code))
        real_write(fh, data)

    monkeypatch.setattr(i2i.images, "_write_all", write)
    result = translate(cli, tiny_run, src, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    [line] = error_lines(result.output)
    assert "disk full writing" in line and "2.png" in line and "more needed" in line
    assert len(writes) == 3  # stopped at the first failure
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.png", "1.png"]


def test_a_rerun_skips_finished_outputs_and_redo_translates_them_again(tiny_run, tmp_path,
                                                                       cli):
    """Guards: a rerun after Ctrl-C starting over (or silently skipping without saying so),
    and --redo not reaching the outputs."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        Image.new("RGB", (20, 20), (i * 80, 0, 0)).save(src / f"{i}.png")
    out = tmp_path / "out"
    assert translate(cli, tiny_run, src, "--out", out).exit_code == 0
    marker = Image.new("RGB", (20, 20), (1, 2, 3))
    marker.save(out / "0.png")
    (out / "1.png").unlink()  # the one Ctrl-C interrupted
    result = translate(cli, tiny_run, src, "--out", out)
    assert result.exit_code == 0 and "skipping 2 image(s) already translated" in result.output
    assert Image.open(out / "0.png").getpixel((0, 0)) == (1, 2, 3)
    assert (out / "1.png").is_file()
    result = translate(cli, tiny_run, src, "--out", out, "--redo")
    assert result.exit_code == 0 and "skipping" not in result.output
    assert Image.open(out / "0.png").getpixel((0, 0)) != (1, 2, 3)


def test_temp_files_of_a_killed_run_are_removed_and_nothing_else(tiny_run, tmp_path, cli):
    """Guards: leftovers of killed saves piling up; and the sweep deleting a user's own
    dot-files or the temp file of a save still running (its pid alive)."""
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    stale = out / "sub" / f".a.png.i2i{dead_pid()}.k3j4h5g6.tmp"
    live = out / f".b.png.i2i{os.getpid()}.abcdefgh.tmp"
    mine = [out / ".notes.tmp", out / ".a.png.1234.tmp", out / "keep.png"]
    for path in (stale, live, *mine):
        path.write_bytes(b"x")
    (tmp_path / "in").mkdir()
    Image.new("RGB", (20, 20)).save(tmp_path / "in" / "a.png")
    result = translate(cli, tiny_run, tmp_path / "in" / "a.png", "--out", out)
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert live.exists() and all(p.exists() for p in mine)
