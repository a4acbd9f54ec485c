"""DDP on CPU (gloo, 2 processes through torchrun) and Ctrl-C saving a checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import torch

from i2i.training.checkpoint import latest_checkpoint, load_checkpoint

TINY = ["--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
        "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
        "--set", "train.sample_every=0"]


def i2i(args, cwd, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "i2i", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_gpus_2_on_cpu_trains_with_ddp_and_rank0_saves(tmp_path):
    proc = i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--gpus", "2",
                "--device", "cpu", "--max-steps", "3", "--workers", "0", "--quiet",
                "--name", "ddp", "--set", "data.batch_size=2", *TINY], tmp_path)
    out, err = proc.communicate(timeout=400)
    assert proc.returncode == 0, err[-2000:]
    assert "launching 2 processes" in err
    payload = load_checkpoint(latest_checkpoint(tmp_path / "runs" / "ddp"))
    assert payload["counters"]["global_step"] == 3
    # Two ranks each took a batch of 2 per step from one shared permutation.
    assert torch.isfinite(payload["nets"]["G_A"]["model.1.weight"]).all()


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path):
    proc = i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--workers", "0",
                "--name", "int", "--set", "train.log_every=1", *TINY], tmp_path,
               start_new_session=True)
    log = tmp_path / "runs" / "int" / "log.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and not (log.is_file() and log.read_text().count("\n") >= 2):
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "checkpoint saved" in err and "--resume" in err
    assert "Traceback" not in err
    assert latest_checkpoint(tmp_path / "runs" / "int") is not None
