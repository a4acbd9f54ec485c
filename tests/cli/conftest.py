from __future__ import annotations

import pytest
from typer.testing import CliRunner

from i2i.cli.main import app

TINY_SETS = ["--set", "generator.params.ngf=4", "--set", "generator.params.n_blocks=1",
             "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
             "--set", "train.sample_every=0"]


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A run folder trained for 2 steps on builtin:toy at 32 px (shared, read-only)."""
    out = tmp_path_factory.mktemp("runs")
    result = CliRunner().invoke(app, ["train", "cyclegan", "--data", "builtin:toy", "--size", "32",
                                      "--max-steps", "2", "--workers", "0", "--quiet",
                                      "--name", "tiny", "--out-dir", str(out), *TINY_SETS])
    assert result.exit_code == 0, result.output
    return out / "tiny"
