"""``--log tensorboard`` and ``--log wandb`` on tiny real runs, read back with each tracker's
own reader: every loss at the steps log.jsonl has them, the learning rates, the sample grids
and the config; a resume continues the same step axis (and W&B run id) with no step twice;
a missing extra, a missing W&B login or an unknown name stops the start in one line before
the run folder exists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image
from toy_runs import RESUME, losses_by_step, toy_config
from typer.testing import CliRunner

from i2i.cli.main import app
from i2i.training.loop import train

# 4 toy images a domain at batch 1: 4 steps an epoch; samples every 2 steps and at the end
SETS = [*RESUME, "train.sample_every=2"]
CLI_TINY = ["--size", "32", "--workers", "0", "--quiet", "--set", "generator.params.ngf=4",
            "--set", "generator.params.n_blocks=1", "--set", "discriminator.params.ndf=4",
            "--set", "discriminator.params.n_layers=1", "--set", "train.sample_every=0"]


def run_tiny(out, name, steps, *extra, resume=False):
    cfg = toy_config("cyclegan", out, name, steps, *SETS, *extra)
    return train(cfg, out / name, resume=resume, show_progress=False)


# ----------------------------------------------------------------------------- tensorboard


def tensorboard_events(folder):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0,
                                                          "tensors": 0})
    events.Reload()
    return events


def test_tensorboard_holds_every_loss_lr_sample_grid_and_the_config(tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    ctx = run_tiny(tmp_path, "tb", 5, "train.log=[tensorboard]")
    run = tmp_path / "tb"
    events = tensorboard_events(run / "tensorboard")
    logged = losses_by_step(run)
    assert sorted(logged) == [1, 2, 3, 4, 5]
    loss_keys = {k for row in logged.values() for k in row if k not in ("step", "epoch", "lr")}
    assert {f"loss/{k}" for k in loss_keys} | {"lr/G", "lr/D"} <= set(events.Tags()["scalars"])
    for key in loss_keys:
        seen = {e.step: e.value for e in events.Scalars(f"loss/{key}")}
        assert sorted(seen) == [1, 2, 3, 4, 5], key
        for step, value in seen.items():
            assert value == pytest.approx(logged[step][key], rel=1e-5), (key, step)
    # the lr decays after the first epoch (4 steps): the logged lr follows the optimiser
    rates = {e.step: e.value for e in events.Scalars("lr/G")}
    assert rates[5] < rates[4] == pytest.approx(ctx.cfg.optim.lr)
    images = events.Images("samples")
    assert [e.step for e in images] == [2, 4, 5]
    grid = Image.open(run / "samples" / "step_0000004.png")
    assert (images[1].width, images[1].height) == grid.size
    text = events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "method: cyclegan" in text and "log:\n      - tensorboard" in text


def test_tensorboard_resume_continues_the_steps_and_drops_events_after_the_checkpoint(
        tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from torch.utils.tensorboard import SummaryWriter

    run_tiny(tmp_path, "tb", 3, "train.log=[tensorboard]")
    run = tmp_path / "tb"
    # what a run killed after its checkpoint at step 3 had logged beyond it
    stale = SummaryWriter(str(run / "tensorboard"))
    for step in (4, 5):
        stale.add_scalar("loss/G_A", 1000.0, step)
    stale.close()
    run_tiny(tmp_path, "tb", 6, "train.log=[tensorboard]", resume=True)
    logged = losses_by_step(run)
    events = tensorboard_events(run / "tensorboard")
    steps = [e.step for e in events.Scalars("loss/G_A")]
    assert steps == [1, 2, 3, 4, 5, 6]
    for e in events.Scalars("loss/G_A"):
        assert e.value == pytest.approx(logged[e.step]["G_A"], rel=1e-5)
    assert [e.step for e in events.Images("samples")] == [2, 3, 4, 6]


# ----------------------------------------------------------------------------- wandb


@pytest.fixture
def wandb_offline(monkeypatch, tmp_path):
    pytest.importorskip("wandb", reason="the wandb extra is not installed")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for var in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):  # not in ~
        monkeypatch.setenv(var, str(tmp_path / "wandb_home" / var.lower()))


def wandb_records(offline_run) -> list[dict]:
    """The records of an offline run's ``.wandb`` file, read by wandb's own inspector."""
    proc = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json",
                           str(offline_run)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 and "No such command" in proc.stderr:
        pytest.skip("this wandb has no `wandb leet inspect` to read offline runs with")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def history(records) -> dict[int, dict]:
    return {r["history"]["step"]["num"]: r["history"]["item"] for r in records
            if r["type"] == "history"}


def test_wandb_offline_run_holds_the_history_and_resume_continues_its_id(
        tmp_path, wandb_offline):
    extra = ["train.log=[wandb]", "train.wandb_project=toyproj"]
    run_tiny(tmp_path, "wb", 3, *extra)
    run = tmp_path / "wb"
    run_id = (run / "wandb" / "i2i_run_id").read_text()
    first = list((run / "wandb").glob(f"offline-run-*-{run_id}"))
    assert len(first) == 1
    records = wandb_records(first[0])
    started = next(r["run"] for r in records if r["type"] == "run")
    assert (started["project"], started["display_name"], started["run_id"]) == (
        "toyproj", "wb", run_id)
    config = next(r["config"]["update"] for r in records if r["type"] == "config"
                  and "method" in r["config"]["update"])
    assert config["method"] == "cyclegan" and config["train"]["log"] == ["wandb"]
    rows = history(records)
    logged = losses_by_step(run)
    assert sorted(rows) == [1, 2, 3]
    for step, row in rows.items():
        assert row["loss/cycle_A"] == pytest.approx(logged[step]["cycle_A"], rel=1e-5)
        assert row["lr/G"] == pytest.approx(2e-4)
    assert [s for s, row in rows.items() if row.get("samples._type") == "image-file"] == [2, 3]

    run_tiny(tmp_path, "wb", 5, *extra, "train.wandb_name=renamed", resume=True)
    runs = sorted((run / "wandb").glob("offline-run-*"))
    assert len(runs) == 2 and all(p.name.endswith(run_id) for p in runs)  # one W&B run
    second = [p for p in runs if p != first[0]][0]
    records = wandb_records(second)
    assert next(r["run"] for r in records if r["type"] == "run")["display_name"] == "renamed"
    rows = history(records)
    assert sorted(rows) == [4, 5]  # continues at the checkpoint, nothing logged twice
    logged = losses_by_step(run)
    assert rows[5]["loss/G_B"] == pytest.approx(logged[5]["G_B"], rel=1e-5)


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("module", ["tensorboard", "wandb"])
def test_a_missing_extra_is_one_line_before_the_run_folder_exists(module, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    monkeypatch.setenv("WANDB_MODE", "offline")
    result = CliRunner().invoke(app, ["train", "cyclegan", "--data", "builtin:toy",
                                      "--max-steps", "1", "--name", "r", "--out-dir",
                                      str(tmp_path), "--log", module, *CLI_TINY])
    assert result.exit_code == 2, result.output
    assert f'pip install "i2i[{module}]"' in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_wandb_without_a_login_is_one_line_before_the_run_folder_exists(tmp_path):
    pytest.importorskip("wandb", reason="the wandb extra is not installed")
    # a fresh process: wandb keeps its settings process-wide once a run has started
    env = {k: v for k, v in os.environ.items()
           if k not in ("WANDB_MODE", "WANDB_API_KEY") and not k.startswith("PYTEST")}
    env.update(HOME=str(tmp_path / "home"),  # no ~/.netrc with a key
               WANDB_CONFIG_DIR=str(tmp_path / "home" / "wandb"))
    proc = subprocess.run([sys.executable, "-m", "i2i", "train", "cyclegan", "--data",
                           "builtin:toy", "--max-steps", "1", "--name", "r", "--out-dir",
                           str(tmp_path), "--log", "wandb", *CLI_TINY],
                          capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "wandb login" in proc.stderr and "WANDB_MODE=offline" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("how", ["option", "config"])
def test_an_unknown_logger_lists_the_valid_ones_before_the_run_folder_exists(how, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("train:\n  log: [tensorbored]\n")
    given = ["--log", "tensorboard,tensorbored"] if how == "option" else ["--config",
                                                                          str(config)]
    result = CliRunner().invoke(app, ["train", "cyclegan", "--data", "builtin:toy",
                                      "--max-steps", "1", "--name", "r", "--out-dir",
                                      str(tmp_path), *given, *CLI_TINY])
    assert result.exit_code == 2, result.output
    assert "'train.log' names 'tensorbored'" in result.output
    assert "choose from: tensorboard, wandb" in result.output
    assert not (tmp_path / "r").exists()


def test_log_none_turns_off_the_trackers_a_config_file_asks_for(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("train:\n  log: [tensorboard, wandb]\n")
    result = CliRunner().invoke(app, ["train", "cyclegan", "--data", "builtin:toy",
                                      "--max-steps", "1", "--name", "r", "--out-dir",
                                      str(tmp_path), "--config", str(config), "--log", "none",
                                      *CLI_TINY])
    assert result.exit_code == 0, result.output
    run = tmp_path / "r"
    assert "log: []" in (run / "config.yaml").read_text()
    assert not (run / "tensorboard").exists() and not (run / "wandb").exists()
    assert (run / "index.html").is_file()


def test_a_trained_run_naming_an_uninstalled_logger_still_loads_for_translation():
    from i2i.config import build_config, from_saved
    from i2i.errors import ConfigError

    saved = {"train": {"log": ["gone_plugin"]}}
    with pytest.raises(ConfigError, match="'train.log' names 'gone_plugin'"):
        build_config([saved])  # training (and --resume) refuses it
    assert from_saved(saved).train.log == ["gone_plugin"]  # translate only reads the run
