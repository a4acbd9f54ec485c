"""A real third-party package registers a translation loss term through its entry point;
selected from the command line, it trains with CycleGAN, and its learned state and
optimiser land in the checkpoint like a network's.

Guards against: terms that only built-ins can register, a term selected by name but never
computed, and a term's parameters left out of checkpoints (resume would reset them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

PLUGIN_SRC = Path(__file__).parent / "fake_term_plugin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(PLUGIN_SRC)],
        capture_output=True, text=True, cwd=tmp_path_factory.mktemp("build"))
    if proc.returncode != 0:
        pytest.fail(f"pip could not install the fake term plugin: {proc.stderr[-800:]}")
    return target


def test_a_plugin_term_trains_and_is_checkpointed(installed, tmp_path):
    env = dict(os.environ, I2I_DISABLE_PLUGIN_AUTOLOAD="0", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")]))
    args = [sys.executable, "-m", "i2i", "train", "cyclegan", "--data", "builtin:toy",
            "--size", "32", "--max-steps", "2", "--workers", "0", "--quiet", "--name", "t",
            "--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
            "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
            "--set", "train.sample_every=0", "--set", "train.log_every=1",
            "--set", "loss.terms.probe.name=probe_match", "--set", "loss.terms.probe.weight=2",
            "--set", "loss.terms.probe.params.width=3"]
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = tmp_path / "runs" / "t"
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert all(r["probe_A"] > 0 and r["probe_B"] > 0 for r in rows)
    payload = torch.load(sorted((run / "checkpoints").glob("step_*.pt"))[-1], weights_only=True)
    assert payload["nets"]["term_probe"]["probe.weight"].shape == (3, 3, 1, 1)
    assert payload["optimizers"]["term_probe"]["state"]  # Adam moments: it really stepped
    listing = subprocess.run([sys.executable, "-m", "i2i", "plugins", "-v"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=300)
    assert "probe_match" in listing.stdout
