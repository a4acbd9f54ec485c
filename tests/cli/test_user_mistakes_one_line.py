"""User mistakes that used to end in a traceback (or a run that could neither be rerun
nor resumed): each is one line with the README's exit code, before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.conftest import TINY_SETS

COMMON = ["--workers", "0", "--quiet", "--max-steps", "1"]


def one_error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return errors[0]


def train(cli, out: Path, *extra: str, method: str = "cyclegan", size: str = "32"):
    return cli("train", method, "--data", "builtin:toy", "--size", size, "--name", "r",
               "--out-dir", str(out), *TINY_SETS, *COMMON, *extra)


@pytest.mark.parametrize("method", ["cyclegan", "simgan", "bigan"])
def test_a_size_the_generator_cannot_take_is_one_line_and_writes_no_run(cli, tmp_path,
                                                                        method):
    """Guards: `train cyclegan --size 33` failing at step 1 with a RuntimeError, leaving a
    run folder that blocked a rerun ("use --resume") and --resume ("no checkpoint")."""
    result = train(cli, tmp_path, method=method, size="33")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "multiples of 4" in line and "--size is 33" in line and "32 or 36" in line
    assert not (tmp_path / "r").exists()
    assert not list(Path(os.environ["I2I_HOME"]).glob("builtin/toy/*-33"))  # no data made
    again = train(cli, tmp_path, method=method, size="36")
    assert again.exit_code == 0, again.output


def test_a_double_ctrl_c_in_step_one_does_not_promise_a_checkpoint(cli, tmp_path,
                                                                   monkeypatch):
    """Guards: a second Ctrl-C during step 1 told the user to `--resume`, which then
    failed with "no checkpoint"; now the message says nothing was saved, and --resume of
    that run (or of any start that died before its first save) starts it from step 0."""
    from i2i.methods.cyclegan import CycleGAN

    real_step = CycleGAN.training_step

    def pressed_twice(self, batch):  # what DeferredInterrupt raises on a second SIGINT
        raise KeyboardInterrupt

    monkeypatch.setattr(CycleGAN, "training_step", pressed_twice)
    result = train(cli, tmp_path)
    assert result.exit_code == 130, result.output
    line = one_error_line(result)
    assert "before the first checkpoint" in line and "step 0" in line
    assert "continues from the last checkpoint" not in line
    monkeypatch.setattr(CycleGAN, "training_step", real_step)
    resumed = cli("train", "--resume", str(tmp_path / "r"), "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert "starting it from step 0" in resumed.output
    assert sorted(p.name for p in (tmp_path / "r" / "checkpoints").glob("*.pt"))


def test_restarting_a_run_without_checkpoints_never_deletes_the_users_files(cli, tmp_path):
    """Guards: `--resume DIR` on a folder with a config.yaml and no checkpoint emptied the
    whole folder to start again, notes and data included."""
    first = train(cli, tmp_path)
    assert first.exit_code == 0, first.output
    run = tmp_path / "r"
    for ckpt in (run / "checkpoints").iterdir():
        ckpt.unlink()  # moved away to save space, say
    (run / "notes.txt").write_text("mine")
    result = cli("train", "--resume", str(run), "--quiet")
    assert result.exit_code == 1, result.output
    line = one_error_line(result)
    assert "holds no checkpoint to resume" in line and "notes.txt" in line
    assert (run / "notes.txt").read_text() == "mine" and (run / "config.yaml").is_file()


def test_resuming_at_another_size_is_one_line_and_keeps_the_run(cli, tmp_path):
    """Guards: `--resume RUN --size 64` on a 32 px run rewrote config.yaml, then died saving
    the image pools (32 and 64 px images) and every later --resume failed the same way."""
    assert train(cli, tmp_path).exit_code == 0
    run = tmp_path / "r"
    config = (run / "config.yaml").read_text()
    result = cli("train", "--resume", str(run), "--size", "64", "--max-steps", "9",
                 "--quiet")
    assert result.exit_code == 2, result.output
    assert "data.crop_size 32; a resumed run keeps it (got 64)" in one_error_line(result)
    assert (run / "config.yaml").read_text() == config
    again = cli("train", "--resume", str(run), "--max-steps", "3", "--quiet")
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize("under", ["", "sub"])
def test_out_dir_on_a_file_is_one_line(cli, tmp_path, under):
    """Guards: `train --out-dir photo.png` ending in NotADirectoryError."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"mine")
    result = train(cli, photo / under if under else photo)
    assert result.exit_code == 1, result.output
    assert "is a file, not a folder" in one_error_line(result)
    assert photo.read_bytes() == b"mine"


@pytest.mark.parametrize("setting", [
    "optim.lr=.nan",                      # used to be a ValueError from Adam
    "optim.lr=.inf",                      # used to train NaNs
    "loss.lambda_A=.nan",                 # used to train NaNs
    "loss.identity=-.inf",
    "generator.params.dropout=.nan",      # a component parameter
    "loss.terms.tv.weight=.inf",          # a loss term's weight
])
def test_a_non_finite_number_is_refused_before_the_run_is_written(cli, tmp_path, setting):
    result = train(cli, tmp_path, "--set", setting)
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert setting.split("=")[0] in line and "finite" in line
    assert not (tmp_path / "r").exists()


def test_a_non_finite_number_in_a_config_file_is_refused(cli, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("optim:\n  beta1: .nan\n")
    result = train(cli, tmp_path, "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "'optim.beta1' is nan" in one_error_line(result)


@pytest.mark.parametrize("option", ["--lr", "--content-weight", "--style-weight",
                                    "--tv-weight"])
def test_stylize_refuses_a_non_finite_weight_before_the_network_loads(cli, tmp_path, option):
    """Guards: `--lr nan` a ValueError; NaN weights a misleading "loss became NaN" after
    the whole optimisation."""
    photo = tmp_path / "a.png"
    Image.new("RGB", (40, 30), "gray").save(photo)
    for value in ("nan", "inf"):
        result = cli("stylize", str(photo), str(photo), "--out", str(tmp_path / "o.png"),
                     "--optimizer", "adam", option, value, "--weights-dir",
                     str(tmp_path / "none"))
        assert result.exit_code == 2, result.output
        assert option in one_error_line(result)


@pytest.mark.parametrize("setting", ["generator.params.ngf=100000",
                                     "discriminator.params.ndf=100000"])
def test_nets_too_big_for_memory_are_one_line_naming_the_setting(cli, tmp_path, setting):
    """Guards: an allocator traceback ("can't allocate memory: you tried to allocate
    720000000000 bytes") for a width typed with too many zeros."""
    result = train(cli, tmp_path, "--set", setting)
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "of memory" in line and "lower" in line and setting.split("=")[0] in line
    assert not (tmp_path / "r").exists()


def test_export_at_a_size_too_big_for_memory_is_one_line(cli, tiny_run, tmp_path):
    out = tmp_path / "g.pt"
    result = cli("export", str(tiny_run), "--format", "torchscript", "--out", str(out),
                 "--size", "100000")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "--size 100000" in line and "of memory" in line and "lower --size" in line
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_stylize_at_a_size_too_big_for_memory_is_one_line(cli, tmp_path, shared_weights):
    photo = tmp_path / "a.png"
    Image.new("RGB", (40, 30), "gray").save(photo)
    result = cli("stylize", str(photo), str(photo), "--out", str(tmp_path / "o.png"),
                 "--network", "vgg16", "--weights-dir", str(shared_weights), "--size",
                 "100000", "--steps", "1")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "100000x75000" in line and "of memory" in line and "lower --size" in line
    assert not (tmp_path / "o.png").exists()


def test_an_allocator_error_the_estimates_miss_is_one_line(cli, tiny_run, tmp_path,
                                                           monkeypatch):
    """The backstop: what no estimate foresaw is still one line naming what to lower."""
    import i2i.export.exporter as exporter

    def refuse(*_args, **_kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator"
                           ": can't allocate memory: you tried to allocate 4800000000 bytes.")

    monkeypatch.setattr(exporter, "_write_verified", refuse)
    result = cli("export", str(tiny_run), "--format", "torchscript", "--out",
                 str(tmp_path / "g.pt"))
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "out of memory" in line and "4.8 GB" in line and "lower --size" in line
