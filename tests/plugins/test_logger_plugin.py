"""A real third-party package registers loggers (``register_callbacks``) that ``--log NAME``
selects. A plugin logger that raises during the run is disabled with one warning naming its
plugin, and the run goes on (a tracker's failure must not cost a training run); one whose
``check`` raises an I2IError stops the start in one line before the run folder exists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_SRC = Path(__file__).parent / "fake_logger_plugin"
TINY = ["--size", "32", "--workers", "0", "--quiet", "--name", "r",
        "--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
        "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
        "--set", "train.sample_every=0", "--set", "train.log_every=1"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(PLUGIN_SRC)],
        capture_output=True, text=True, cwd=tmp_path_factory.mktemp("build"))
    if proc.returncode != 0:
        pytest.fail(f"pip could not install the fake logger plugin: {proc.stderr[-800:]}")
    return target


def run_i2i(args: list[str], site: Path, cwd: Path):
    env = dict(os.environ, I2I_DISABLE_PLUGIN_AUTOLOAD="0", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "i2i", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_a_plugin_logger_is_listed_and_sees_every_step(installed, tmp_path):
    listing = run_i2i(["plugins", "-v"], installed, tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "steps_file" in listing.stdout and "i2i-fake-logger" in listing.stdout
    proc = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--max-steps", "3",
                    "--log", "steps_file", *TINY], installed, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = tmp_path / "runs" / "r"
    rows = [json.loads(line) for line in (run / "steps.jsonl").read_text().splitlines()]
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows[:-1]] == [1, 2, 3] and rows[-1] == {"end": 3, "run": "r"}
    assert rows[0]["G_A"] == pytest.approx(logged[0]["G_A"])  # the losses the method returned


def test_a_plugin_logger_that_raises_is_disabled_with_one_warning_and_the_run_goes_on(
        installed, tmp_path):
    proc = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--max-steps", "4",
                    "--log", "breaks_at_step_2,steps_file", *TINY], installed, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "breaks_at_step_2" in line]
    assert len(warnings) == 1, proc.stderr  # disabled: not called (and not warned) again
    assert "from plugin 'fake_logger' (i2i-fake-logger) failed in on_step" in warnings[0]
    assert "tracker [server] down at step 2" in warnings[0]  # brackets kept as text
    run = tmp_path / "runs" / "r"
    assert list((run / "checkpoints").glob("step_0000004.pt"))
    rows = [json.loads(line) for line in (run / "steps.jsonl").read_text().splitlines()]
    assert [r.get("step") for r in rows[:-1]] == [1, 2, 3, 4]  # the other logger went on


def test_a_plugin_logger_whose_check_refuses_stops_the_start_in_one_line(installed, tmp_path):
    proc = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--max-steps", "1",
                    "--log", "needs_login", *TINY], installed, tmp_path)
    assert proc.returncode == 1
    assert "needs_login has no account: run `fake-tracker login` first" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs" / "r").exists()
