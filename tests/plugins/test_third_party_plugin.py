"""A real third-party package, installed with pip, is loaded through its entry point and
its generator can be selected from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_SRC = Path(__file__).parent / "fake_generator_plugin"


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(PLUGIN_SRC)],
        capture_output=True, text=True, cwd=build,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip could not install the fake plugin: {proc.stderr[-800:]}")
    return target


def run_i2i(args: list[str], site: Path, tmp_path: Path, autoload: bool = True):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    env["I2I_DISABLE_PLUGIN_AUTOLOAD"] = "0" if autoload else "1"
    return subprocess.run([sys.executable, "-m", "i2i", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)


def test_installed_plugin_is_listed_by_i2i_plugins(installed_plugin, tmp_path):
    proc = run_i2i(["plugins", "--verbose"], installed_plugin, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "fake_generator" in proc.stdout
    assert "tiny_conv" in proc.stdout
    assert "i2i-fake-generator" in proc.stdout


def test_plugin_generator_trains_when_selected_on_the_command_line(installed_plugin, tmp_path):
    proc = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--name", "p",
                    "--max-steps", "2", "--workers", "0", "--quiet",
                    "--set", "generator.name=tiny_conv", "--set", "generator.params.width=4"],
                   installed_plugin, tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = (tmp_path / "runs" / "p" / "config.yaml").read_text()
    assert "tiny_conv" in config
    assert list((tmp_path / "runs" / "p" / "checkpoints").glob("step_*.pt"))


def test_autoload_off_hides_the_plugin(installed_plugin, tmp_path):
    proc = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32",
                    "--max-steps", "1", "--set", "generator.name=tiny_conv"],
                   installed_plugin, tmp_path, autoload=False)
    assert proc.returncode == 2
    assert "unknown generator 'tiny_conv'" in proc.stderr
    assert "Traceback" not in proc.stderr
