"""DDP on CPU (gloo, 2 processes through torchrun) and Ctrl-C saving a checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from i2i.training.checkpoint import latest_checkpoint, load_checkpoint

TINY = ["--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
        "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
        "--set", "train.sample_every=0"]


def _default_sigint() -> None:
    # A child inherits an ignored SIGINT, and i2i rightly leaves an ignored SIGINT ignored
    # (a job started with `&`); something earlier in a full test session leaves this
    # process's SIGINT ignored, so each run here starts with the default disposition.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def i2i(args, cwd, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "i2i", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint, **kwargs)


def test_gpus_2_on_cpu_trains_with_ddp_and_rank0_saves(tmp_path):
    proc = i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--gpus", "2",
                "--device", "cpu", "--max-steps", "3", "--workers", "0", "--quiet",
                "--name", "ddp", "--set", "data.batch_size=2", *TINY], tmp_path)
    out, err = proc.communicate(timeout=400)
    assert proc.returncode == 0, err[-2000:]
    assert "launching 2 processes" in err
    assert err.count("done:") == 1 and err.count("i2i train cyclegan on") == 1  # not per rank
    assert "FutureWarning" not in err
    payload = load_checkpoint(latest_checkpoint(tmp_path / "runs" / "ddp"))
    assert payload["counters"]["global_step"] == 3
    # Two ranks each took a batch of 2 per step from one shared permutation.
    assert torch.isfinite(payload["nets"]["G_A"]["model.1.weight"]).all()


STEPS = 40
RUN = ["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--workers", "0",
       "--max-steps", str(STEPS), "--set", "train.log_every=1", "--set", "data.batch_size=2",
       "--set", "generator.params.dropout=true", "--set", "train.pool_size=3", *TINY]


def all_state(run) -> dict[str, torch.Tensor]:
    """Every tensor a resumed run must match: nets and optimiser moments."""
    payload = load_checkpoint(latest_checkpoint(run))
    out = {f"net.{k}.{n}": t for k, sd in payload["nets"].items() for n, t in sd.items()}
    for key, opt in payload["optimizers"].items():
        for pid, state in opt["state"].items():
            out.update({f"opt.{key}.{pid}.{n}": t for n, t in state.items()
                        if isinstance(t, torch.Tensor)})
    return out


def interrupt_at(after_steps: int, tmp_path, name: str) -> int | None:
    """Start a run, SIGINT it once it has logged ``after_steps`` steps (a moment chosen by
    progress, not by time, so it falls mid-run on a fast machine as on a slow one); the
    step it saved."""
    proc = i2i([*RUN, "--name", name, "--quiet"], tmp_path, start_new_session=True)
    log = tmp_path / "runs" / name / "log.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and not (
            log.is_file() and len(log.read_text().splitlines()) >= after_steps):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0 or (proc.returncode == -signal.SIGINT and "done:" in err):
        return None  # finished before the signal arrived (or it came during exit)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    step = load_checkpoint(latest_checkpoint(tmp_path / "runs" / name))["counters"][
        "global_step"]
    if step == STEPS and "checkpoint saved" not in err:
        return None  # the signal came after the run had finished and saved
    assert "checkpoint saved" in err and "--resume" in err
    return step


@pytest.mark.numerics
def test_ctrl_c_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path):
    """Guards against a checkpoint taken mid-step (one optimiser a step ahead of the
    rest), and against a test that never resumes from the checkpoint it checked: each
    interrupted run is resumed from its own checkpoint and must end bit-equal."""
    import random

    ref = i2i([*RUN, "--name", "ref", "--quiet"], tmp_path)
    _, err = ref.communicate(timeout=400)
    assert ref.returncode == 0, err[-2000:]
    expected = all_state(tmp_path / "runs" / "ref")
    rng = random.Random(11)
    interrupted = 0
    for trial in range(3):
        name = f"int{trial}"
        step = interrupt_at(rng.randint(1, STEPS - 10), tmp_path, name)
        if step is None:
            continue
        interrupted += 1
        assert 0 < step <= STEPS  # a signal during the last step stops after it
        resumed = i2i(["train", "--resume", str(tmp_path / "runs" / name), "--quiet"], tmp_path)
        _, err = resumed.communicate(timeout=400)
        assert resumed.returncode == 0, err[-2000:]
        got = all_state(tmp_path / "runs" / name)
        assert got.keys() == expected.keys()
        for key, tensor in expected.items():
            assert torch.equal(tensor, got[key]), f"trial {trial} (step {step}): {key} differs"
    assert interrupted >= 2, "the runs finished before the signal"
