"""`i2i train` never loses a run: failed starts, foreign latest.txt, mtimes, corrupt files,
two trainers, finished runs. Every case goes through the CLI as a user meets it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from i2i.training import checkpoint as ckpt
from tests.cli.conftest import TINY_SETS

COMMON = ["--workers", "0", "--quiet"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".train.lock"}


def one_error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


@pytest.fixture
def run_copy(tiny_run, tmp_path):
    """A private copy of the shared 2-step run, to damage at will."""
    dest = tmp_path / "runs" / "mine"
    shutil.copytree(tiny_run, dest)
    return dest


def train_new(cli, out: Path, name: str, *extra: str):
    return cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--name", name,
               "--out-dir", str(out), *TINY_SETS, *COMMON, *extra)


@pytest.mark.parametrize("bad", [
    ["--set", "generator.params.n_block=3"],      # a typo in a parameter name
    ["--set", "discriminator.params.ndf=0"],      # a size torch would choke on
    ["--set", "generator.params.n_blocks=-3"],
    ["--set", "optim.lr=-1"],
    ["--set", "data.batch_size=0"],
    ["--data", "/no/such/folder"],
    ["--set", "loss.gan=nosuch"],
])
def test_overwrite_that_cannot_start_leaves_the_old_run_as_it_was(run_copy, cli, bad):
    """Guards against --overwrite deleting the run before the config and nets are checked."""
    before = snapshot(run_copy)
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--name",
                 run_copy.name, "--out-dir", str(run_copy.parent), "--overwrite", *TINY_SETS,
                 *COMMON, "--max-steps", "1", *bad)
    assert result.exit_code in (2, 3), result.output
    one_error_line(result)
    assert snapshot(run_copy) == before


@pytest.mark.parametrize("args,message", [
    (["--set", "discriminator.params.ndf=0"], "discriminator.params.ndf is 0"),
    (["--set", "generator.params.n_blocks=-3"], "generator.params.n_blocks is -3"),
    (["--set", "generator.params.ngf=0"], "generator.params.ngf is 0"),
    (["--set", "discriminator.params.n_layers=-1"], "discriminator.params.n_layers is -1"),
    (["--set", "optim.lr=-1"], "'optim.lr' is -1.0; it must be > 0"),
    (["--set", "optim.lr=0"], "'optim.lr' is 0.0; it must be > 0"),
    (["--set", "optim.beta1=1.5"], "'optim.beta1' is 1.5"),
    (["--max-steps", "0"], "'train.max_steps' is 0; it must be >= 1"),
    (["--max-steps", "-5"], "'train.max_steps' is -5"),
    (["--batch-size", "0"], "'data.batch_size' is 0"),
    (["--size", "8"], "'data.crop_size' is 8"),
    (["--workers", "-1"], "'data.num_workers' is -1"),
    (["--set", "train.pool_size=-1"], "'train.pool_size' is -1"),
    (["--set", "loss.lambda_A=-10"], "'loss.lambda_A' is -10.0"),
    (["--set", "train.keep_last=-2"], "'train.keep_last' is -2"),
    (["--set", "schedule.n_epochs=-1"], "'schedule.n_epochs' is -1"),
    (["--set", "train.init_gain=0"], "'train.init_gain' is 0.0"),
    (["--threads", "-4"], "'train.threads' is -4"),
    (["--name", "a/b"], "must be a single folder name"),
    (["--name", "../escape"], "must be a single folder name"),
    (["--name", ".."], "must be a single folder name"),
    (["--name", "/tmp/absolute_run"], "must be a single folder name"),
])
def test_bad_values_are_one_line_before_any_work(tmp_path, cli, args, message):
    """Guards against tracebacks from torch (ndf=0), silently accepted negatives
    (n_blocks=-3, --max-steps 0 training a step) and run names escaping --out-dir."""
    out = tmp_path / "out"
    result = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--out-dir",
                 str(out), *TINY_SETS, *COMMON, *args)
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result)
    assert not out.exists()  # nothing created, not even an empty run folder
    assert not (tmp_path / "escape").exists() and not Path("/tmp/absolute_run").exists()


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path, cli):
    """Guards against a UnicodeDecodeError traceback from a Latin-1 YAML file."""
    config = tmp_path / "latin1.yaml"
    config.write_bytes("name: caf\xe9\nmethod: cyclegan\n".encode("latin-1"))
    result = cli("train", "--config", str(config), "--out-dir", str(tmp_path / "o"), *COMMON)
    assert result.exit_code == 2
    assert "not UTF-8" in one_error_line(result)


@pytest.mark.parametrize("pointer", ["absolute", "relative"])
def test_latest_txt_pointing_outside_the_run_is_never_followed(run_copy, cli, pointer):
    """Guards against resume training from another run's checkpoint and then overwriting
    this run's own files (latest.txt = an absolute path or ../)."""
    other = run_copy.parent / "other"
    shutil.copytree(run_copy, other)
    other_files = snapshot(other)
    own = ckpt.list_checkpoints(run_copy)[-1]
    target = ckpt.list_checkpoints(other)[-1]
    (run_copy / "checkpoints" / "latest.txt").write_text(
        str(target) if pointer == "absolute" else f"../../other/checkpoints/{target.name}")
    assert ckpt.latest_checkpoint(run_copy) == own
    result = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
    assert result.exit_code == 0, result.output
    assert snapshot(other) == other_files
    assert ckpt.load_latest(run_copy)[1]["counters"]["global_step"] == 3


def _three_checkpoints(cli, out: Path) -> Path:
    result = train_new(cli, out, "steps", "--max-steps", "3", "--set",
                       "train.checkpoint_every=1", "--set", "train.keep_last=0")
    assert result.exit_code == 0, result.output
    return out / "steps"


def test_without_latest_txt_the_highest_step_wins_not_the_newest_mtime(tmp_path, cli):
    """Guards against choosing by mtime: a touched old file rolled a run back."""
    run = _three_checkpoints(cli, tmp_path)
    (run / "checkpoints" / "latest.txt").unlink()
    oldest = run / "checkpoints" / "step_0000001.pt"
    future = time.time() + 3600
    os.utime(oldest, (future, future))
    path, payload = ckpt.load_latest(run)
    assert payload["counters"]["global_step"] == 3 and path != oldest
    result = cli("train", "--resume", str(run), "--max-steps", "4", *COMMON)
    assert result.exit_code == 0 and "4 steps" in result.output, result.output


def test_pruning_keeps_the_highest_steps_even_after_a_touch(tmp_path, cli):
    """Guards against pruning by mtime deleting a newer checkpoint after `touch old`."""
    run = _three_checkpoints(cli, tmp_path)
    old = run / "checkpoints" / "step_0000001.pt"
    future = time.time() + 3600
    os.utime(old, (future, future))
    result = cli("train", "--resume", str(run), "--max-steps", "5", "--set",
                 "train.keep_last=2", *COMMON)
    assert result.exit_code == 0, result.output
    kept = sorted(p.name for p in (run / "checkpoints").glob("*.pt"))
    assert kept == ["step_0000004.pt", "step_0000005.pt"]


def test_a_corrupt_newest_checkpoint_falls_back_to_the_previous_with_a_warning(tmp_path, cli):
    """Guards against a truncated newest file stopping resume/translate (or being used)."""
    run = _three_checkpoints(cli, tmp_path)
    newest = run / "checkpoints" / "step_0000003.pt"
    newest.write_bytes(newest.read_bytes()[:1000])
    result = cli("train", "--resume", str(run), "--max-steps", "4", *COMMON)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert any("step_0000003.pt" in w and "truncated or corrupt" in w for w in warning), \
        result.output
    assert ckpt.load_latest(run)[1]["counters"]["global_step"] == 4


def test_when_no_checkpoint_loads_the_error_names_one_and_why(tmp_path, cli):
    """Guards against torch's "Weights only load failed" text or a traceback reaching the
    user, and against translate running with random weights."""
    import datetime

    import torch

    run = _three_checkpoints(cli, tmp_path)
    for p in (run / "checkpoints").glob("*.pt"):
        torch.save({"format": "x", "when": datetime.date(2020, 1, 1)}, p)
    result = cli("translate", str(run), "builtin:toy/testA", "--out", str(tmp_path / "o"))
    assert result.exit_code == 4, result.output
    line = one_error_line(result)
    assert "could run code" in line and "Weights only" not in line


def _hold_lock(run: Path) -> subprocess.Popen:
    code = ("import fcntl, os, sys, time\n"
            f"fd = os.open({str(run / '.train.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "os.write(fd, str(os.getpid()).encode())\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_second_training_on_one_run_refuses_and_a_stale_lock_is_taken_over(run_copy, cli):
    """Guards against two processes training (or --overwrite deleting) one run folder."""
    before = snapshot(run_copy)
    holder = _hold_lock(run_copy)
    try:
        resumed = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
        assert resumed.exit_code == 2
        assert f"being trained by process {holder.pid}" in one_error_line(resumed)
        replaced = cli("train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--name",
                       run_copy.name, "--out-dir", str(run_copy.parent), "--overwrite",
                       *TINY_SETS, *COMMON, "--max-steps", "1")
        assert replaced.exit_code == 2, replaced.output
        assert snapshot(run_copy) == before
    finally:
        holder.kill()
        holder.wait()
    assert (run_copy / ".train.lock").is_file()  # left behind by the killed holder: stale
    resumed = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
    assert resumed.exit_code == 0, resumed.output
    assert not (run_copy / ".train.lock").exists()


def test_resuming_a_complete_run_changes_nothing(run_copy, cli):
    """Guards against each resume of a finished --max-steps run training one more step."""
    before = snapshot(run_copy)
    for _ in range(2):
        result = cli("train", "--resume", str(run_copy), *COMMON)
        assert result.exit_code == 0, result.output
        assert "is complete: step 2 of --max-steps 2" in result.output
    assert snapshot(run_copy) == before
    more = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
    assert more.exit_code == 0 and "3 steps" in more.output


def test_pix2pix_at_a_small_size_picks_the_unet_depth_that_fits(tmp_path, cli):
    """Guards against `--size 32` stopping because unet_256 needs 256 px, and against the
    chosen depth not reaching the saved config (translate would rebuild another net)."""
    import yaml
    from PIL import Image

    for split in ("train", "test"):
        (tmp_path / "pairs" / split).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (64, 32), (i * 90, 20, 200)).save(
                tmp_path / "pairs" / split / f"{i}.png")
    args = ["train", "pix2pix", "--data", str(tmp_path / "pairs"), "--size", "32",
            "--max-steps", "1", "--out-dir", str(tmp_path / "runs"),
            "--set", "generator.params.ngf=4", "--set", "discriminator.params.ndf=4", *COMMON]
    result = cli(*args, "--name", "auto")
    assert result.exit_code == 0, result.output
    assert "num_downs=5" in result.output
    cfg = yaml.safe_load((tmp_path / "runs" / "auto" / "config.yaml").read_text())
    assert cfg["generator"]["params"]["num_downs"] == 5
    translated = cli("translate", str(tmp_path / "runs" / "auto"),
                     str(tmp_path / "pairs" / "test"), "--out", str(tmp_path / "o"))
    assert translated.exit_code == 0, translated.output
    explicit = cli(*args, "--name", "explicit", "--set", "generator.params.num_downs=8")
    assert explicit.exit_code == 2
    assert "multiples of 256" in one_error_line(explicit)


def test_bf16_on_a_cpu_without_native_bf16_warns_in_one_line(tmp_path, cli, monkeypatch):
    """Guards against bf16 silently running 18x slower than fp32 on an AVX2-only CPU."""
    from i2i.training import loop

    monkeypatch.setattr(loop, "cpu_has_native_bf16", lambda: False)
    result = train_new(cli, tmp_path, "bf", "--max-steps", "1", "--precision", "bf16",
                       "--device", "cpu")
    assert result.exit_code == 0, result.output
    warnings = [w for w in result.output.splitlines() if w.startswith("warning:")]
    assert len(warnings) == 1 and "no native bf16" in warnings[0]
    monkeypatch.setattr(loop, "cpu_has_native_bf16", lambda: True)
    quiet = train_new(cli, tmp_path, "bf2", "--max-steps", "1", "--precision", "bf16",
                      "--device", "cpu")
    assert "no native bf16" not in quiet.output


@pytest.mark.parametrize("failure", ["enospc", "torch_writer"])
def test_a_full_disk_while_saving_is_one_line_with_the_space_needed(run_copy, cli,
                                                                      monkeypatch, failure):
    """Guards against a traceback (torch's writer raises RuntimeError, not OSError) and a
    half-written checkpoint left in place of a good one."""
    import errno
    import shutil as shutil_mod
    from collections import namedtuple

    import torch

    def no_space(obj, f, *args, **kwargs):
        Path(f).write_bytes(b"partial")
        if failure == "enospc":
            raise OSError(errno.ENOSPC, "No space left on device")
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 64 vs 0"
                           " PytorchStreamWriter failed writing file data/3: file write failed")

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(ckpt.torch, "save", no_space)
    monkeypatch.setattr(shutil_mod, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    before = {p.name for p in (run_copy / "checkpoints").iterdir()}
    result = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
    monkeypatch.setattr(ckpt.torch, "save", torch.save)
    assert result.exit_code == 1, result.output
    line = one_error_line(result)
    assert "disk full writing" in line and "step_0000003.pt" in line and "more needed" in line
    assert {p.name for p in (run_copy / "checkpoints").iterdir()} == before
    assert ckpt.load_latest(run_copy)[1]["counters"]["global_step"] == 2


def test_temp_files_of_a_killed_save_are_swept_at_the_next_start(run_copy, cli):
    """Guards against `.step_*.pt.i2i<pid>.*.tmp` files of a kill -9 piling up forever,
    and against sweeping a temp file whose writer is still alive."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = run_copy / "checkpoints" / f".step_0000003.pt.i2i{dead}.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    alive = run_copy / "checkpoints" / f".step_0000009.pt.i2i{os.getpid()}.xyz789.tmp"
    alive.write_bytes(b"being written")
    mine = run_copy / "notes.tmp"
    mine.write_text("the user's own file")
    result = cli("train", "--resume", str(run_copy), "--max-steps", "3", *COMMON)
    assert result.exit_code == 0, result.output
    assert not stale.exists() and alive.exists() and mine.exists()


def test_overwrite_with_an_evaluation_that_cannot_run_keeps_the_old_run(run_copy, cli,
                                                                         tmp_path):
    """Guards against --overwrite emptying the run before a callback (--eval-every on data
    with no test split) fails at its start."""
    import numpy as np
    from PIL import Image

    for sub in ("trainA", "trainB"):
        (tmp_path / "notest" / sub).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(
                tmp_path / "notest" / sub / f"{i}.png")
    before = snapshot(run_copy)
    result = cli("train", "cyclegan", "--data", str(tmp_path / "notest"), "--size", "32",
                 "--name", run_copy.name, "--out-dir", str(run_copy.parent), "--overwrite",
                 "--eval-every", "1", *TINY_SETS, *COMMON, "--max-steps", "1")
    assert result.exit_code == 3, result.output
    assert "test" in one_error_line(result)
    assert snapshot(run_copy) == before
