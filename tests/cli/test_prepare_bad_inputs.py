"""`i2i prepare` on bad options, unusable outputs, a full disk, bombs, a killed parent and a
failed `--from`: one line each, nothing left behind that blocks the corrected rerun."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app
from tests.bad_files import BOMBS, GARBAGE, bomb_png, dead_pid, garbage, unwritable_dir

REPO = Path(__file__).resolve().parents[2]


def prepare(*args):
    result = CliRunner().invoke(app, ["prepare", *map(str, args), "-q", "-j", "1"])
    return result.exit_code, result.output


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def images(folder: Path, n: int = 3, size=(50, 40)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), np.uint8)).save(
            folder / f"{i}.png")
    return folder


BAD_OPTIONS = [
    (["--format", "npz", "--shard-size", "0"], "--shard-size must be at least 1"),
    (["--format", "npz", "--shard-size", "-1"], "--shard-size must be at least 1"),
    (["--format", "npz", "--shard-size", "-1000"], "--shard-size must be at least 1"),
    (["--shard-size", "0"], "--shard-size must be at least 1"),
    (["--size", "100000"], "--size must be 1 to 8192"),
    (["--size", "8193"], "--size must be 1 to 8192"),
    (["--size", "-5"], "--size must be 1 to 8192"),
    (["--min-side", "-1"], "--min-side must be 0 or more"),
    (["--format", "npz", "--size", "8192", "--shard-size", "100000000"],
     "use --shard-size"),
    (["--test-fraction", "1.5"], "--test-fraction must be in [0, 1)"),
    (["--format", "tiff"], "--format must be one of"),
    (["--resize", "bigger"], "--resize must be one of"),
]


@pytest.mark.parametrize("args,message", BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_a_bad_option_is_one_line_leaves_nothing_and_the_fix_runs(tmp_path, args, message):
    """Guards: --shard-size 0 raising ZeroDivision/ValueError after the stamp was written
    (which then refused the corrected rerun), --shard-size -1 preparing nothing with exit
    0, --size 100000 growing a worker until the OOM killer, a shard too big for memory."""
    a, out = images(tmp_path / "a"), tmp_path / "out"
    code, output = prepare(a, "--out", out, "--size", "16", *args)
    assert code == 2, output  # README's table: a value out of range
    assert message in error_line(output) and "Traceback" not in output
    assert not out.exists()
    code, output = prepare(a, "--out", out, "--size", "16", "--format", "npz",
                           "--shard-size", "2")
    assert code == 0, output
    assert sorted(p.name for p in (out / "trainA").iterdir()) == ["shard_00000.npz"]


def test_a_stamp_alone_does_not_block_a_rerun_with_other_options(tmp_path):
    """Guards: a run that failed before writing any image leaving a stamp that refuses the
    corrected rerun; yet a folder with outputs of other options is still refused."""
    a, out = images(tmp_path / "a"), tmp_path / "out"
    out.mkdir()
    (out / ".i2i-prepare.json").write_text(json.dumps({"job": "unaligned", "size": 999}))
    (out / "trainA").mkdir()
    code, output = prepare(a, "--out", out, "--size", "16")
    assert code == 0, output
    code, output = prepare(a, "--out", out, "--size", "20")
    assert code == 3 and "prepared from other inputs or options" in error_line(output)


def _unusable_out(tmp_path: Path, case: str) -> tuple[Path, str]:
    (tmp_path / "file").write_text("mine")
    return {
        "existing_file": (tmp_path / "file", "is a file, not a folder"),
        "under_a_file": (tmp_path / "file" / "out", "is a file, not a folder"),
        "unwritable": (unwritable_dir(tmp_path) / "out", "cannot write in"),
        "unwritable_itself": (unwritable_dir(tmp_path), "cannot write in"),
    }[case]


@pytest.mark.parametrize("mode", ["folders", "pair", "npz"])
@pytest.mark.parametrize("case", ["existing_file", "under_a_file", "unwritable",
                                  "unwritable_itself"])
def test_an_unusable_out_is_one_line(tmp_path, case, mode):
    """Guards: a read-only --out or a file in its place ending in a PermissionError or
    NotADirectoryError traceback when the stamp is written."""
    out, message = _unusable_out(tmp_path, case)
    a = images(tmp_path / "a")
    extra = {"folders": [a], "pair": ["--pair", a, a.parent / "a"],
             "npz": [a, "--format", "npz"]}[mode]
    code, output = prepare(*extra, "--out", out, "--size", "16")
    assert code == 1, output
    assert message in error_line(output) and "Traceback" not in output
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_while_writing_a_shard_is_one_line_with_the_space_needed(
        tmp_path, monkeypatch, code):
    """Guards: np.savez_compressed's OSError escaping as a traceback, or the temp file of
    the failed shard left behind."""
    import i2i.data.npz as npz

    def full(fh, **arrays):
        fh.write(b"partial")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(npz.np, "savez_compressed", full)
    a = images(tmp_path / "a", 5)
    code_, output = prepare(a, "--out", tmp_path / "out", "--size", "16", "--format", "npz",
                            "--shard-size", "2", "--test-fraction", "0")
    assert code_ == 1, output
    line = error_line(output)
    assert "disk full writing" in line and "shard_00000.npz" in line
    assert "up to 4.6 kB more needed" in line  # 3 shards of at most 2 x 16 x 16 x 3 bytes
    assert not list((tmp_path / "out").rglob("*.tmp"))


@pytest.mark.parametrize("fmt", ["png", "jpg"])
def test_a_full_disk_while_writing_images_is_one_line(tmp_path, monkeypatch, fmt):
    """Guards: a full disk reported per image (or as a traceback) instead of stopping."""
    import i2i.images

    real_write = i2i.images._write_all
    writes = []

    def full(fh, data):
        if not data.startswith(b"{"):  # the stamp (JSON) fits, no image does
            writes.append(1)
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fh, data)

    monkeypatch.setattr(i2i.images, "_write_all", full)
    a = images(tmp_path / "a", 4)
    code, output = prepare(a, "--out", tmp_path / "out", "--size", "16", "--format", fmt)
    assert code == 1, output
    assert "disk full writing" in error_line(output) and len(writes) == 1


@pytest.mark.parametrize("dims", BOMBS, ids=[f"{w}x{h}" for w, h in BOMBS])
def test_a_bomb_or_garbage_is_dropped_and_the_rest_prepared(tmp_path, dims):
    """Guards: a decompression bomb stopping prepare (it is reported, exit 8)."""
    a = images(tmp_path / "a", 2)
    bomb_png(a / "bomb.png", *dims)
    for kind in GARBAGE:
        garbage(a / f"{kind}.png", kind)
    code, output = prepare(a, "--out", tmp_path / "out", "--size", "16", "--test-fraction",
                           "0")
    assert code == 8, output
    assert "bomb.png: unreadable" in output and "4 image(s) could not be read" in output
    assert len(list((tmp_path / "out" / "trainA").iterdir())) == 2


def test_temp_files_of_killed_saves_are_removed_at_the_next_start(tmp_path):
    """Guards: temp files of a killed prepare staying forever, or the sweep touching a
    user's dot-file or a live process's temp file."""
    a, out = images(tmp_path / "a"), tmp_path / "out"
    assert prepare(a, "--out", out, "--size", "16")[0] == 0
    stale = out / "trainA" / f".0.png.i2i{dead_pid()}.abc123_x.tmp"
    live = out / "trainA" / f".1.png.i2i{os.getppid()}.abc123_x.tmp"
    user = out / ".my.tmp"
    for path in (stale, live, user):
        path.write_bytes(b"x")
    assert prepare(a, "--out", out, "--size", "16")[0] == 0
    assert not stale.exists() and live.exists() and user.exists()


KILLER = textwrap.dedent("""
    import os, sys, time
    from i2i.data import prepare, prepare_ops

    def slow(task, ops):  # record this worker, then hang as a stuck worker would
        open(os.path.join(sys.argv[1], str(os.getpid())), "w").close()
        time.sleep(300)

    prepare.run_task = slow
    from i2i.cli.main import app
    app(sys.argv[2:])
""")


def test_workers_exit_when_the_parent_is_killed(tmp_path):
    """Guards: `kill -9` of prepare leaving its workers blocked forever (315 MB each)."""
    import signal

    a = images(tmp_path / "a", 20)  # the pool hands out chunks of 8: both workers get one
    pids = tmp_path / "pids"
    pids.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), I2I_DISABLE_PLUGIN_AUTOLOAD="1")
    parent = subprocess.Popen([sys.executable, "-c", KILLER, str(pids), "prepare", str(a),
                               "--out", str(tmp_path / "out"), "-q", "-j", "2", "--size",
                               "16"], env=env)
    workers: list[int] = []
    try:
        deadline = time.time() + 60
        while len(list(pids.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2, "the workers never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 10
        while any(_alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers)
    finally:  # whatever failed, leave no process of this test behind
        for pid in [parent.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _zip_of(tmp_path: Path, members: dict[str, bytes]) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from archive_builders import make_zip

    path = tmp_path / "celeba.zip"
    path.write_bytes(make_zip(members))
    return path


def test_a_failed_from_removes_what_it_created(tmp_path, monkeypatch):
    """Guards: a failed `prepare NAME --from` leaving the extracted sources and a stamped,
    half-written --out behind (the rerun then refused or mixed old and new)."""
    sys.path.insert(0, str(REPO / "tests"))
    from archive_builders import png_bytes

    empty = _zip_of(tmp_path, {"readme.txt": b"no images here"})
    code, output = prepare("celeba", "--from", empty, "--out", tmp_path / "c")
    assert code == 3 and "no images" in error_line(output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["celeba.zip"]

    import i2i.images

    def full(fh, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    archive = _zip_of(tmp_path, {f"img/{i}.png": png_bytes(i, (40, 40)) for i in range(3)})
    monkeypatch.setattr(i2i.images, "_write_all", full)
    code, output = prepare("celeba", "--from", archive, "--out", tmp_path / "c", "--size",
                           "16")
    assert code == 1 and "disk full" in error_line(output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["celeba.zip"]
    monkeypatch.undo()
    code, output = prepare("celeba", "--from", archive, "--out", tmp_path / "c", "--size",
                           "16")
    assert code == 0, output


def test_a_failed_from_keeps_a_folder_that_was_there_before(tmp_path):
    """Guards: the cleanup deleting a user's folder that held files before the call."""
    empty = _zip_of(tmp_path, {"readme.txt": b"no images here"})
    out = tmp_path / "c"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    code, output = prepare("celeba", "--from", empty, "--out", out)
    assert code == 3
    assert (out / "precious.txt").read_text() == "mine"
