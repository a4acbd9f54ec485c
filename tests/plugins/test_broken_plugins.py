"""A broken third-party plugin is named in one line and switched off; the rest keeps working.

Each fake plugin is a distribution made on disk (a ``*.dist-info`` folder with an entry
point in group ``i2i`` and its module), put on PYTHONPATH for a real ``python -m i2i``.
Guards against: one plugin raising at import disabling every command (``i2i plugins``
included), ``sys.exit`` at import ending i2i, a raising ``register_commands`` hook, and a
hook returning the wrong type crashing the registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = '''
from i2i import hookimpl

@hookimpl
def register_generators():
    from torch import nn
    return {"good_conv": lambda input_nc, output_nc: nn.Conv2d(input_nc, output_nc, 1)}
'''

BROKEN = {
    "raises_at_import": ("raise RuntimeError('boom at import')", "boom at import"),
    "exits_at_import": ("import sys\nsys.exit(3)", "sys.exit(3)"),
    "bad_commands_hook": ("from i2i import hookimpl\n\n@hookimpl\ndef register_commands(app):\n"
                          "    raise ValueError('no commands today')", "no commands today"),
    "wrong_type": ("from i2i import hookimpl\n\n@hookimpl\ndef register_generators():\n"
                   "    return ['not', 'a', 'dict']", "a list instead of a dict"),
}


def make_dist(site: Path, name: str, source: str) -> None:
    module = f"i2i_test_{name}"
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[i2i]\n{name} = {module}\n")


def run_i2i(args, site: Path, cwd: Path):
    env = dict(os.environ, I2I_DISABLE_PLUGIN_AUTOLOAD="0",
               PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "i2i", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_is_named_marked_failed_and_the_others_work(kind, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "good", GOOD)
    source, reason = BROKEN[kind]
    make_dist(site, kind, source)
    listing = run_i2i(["plugins"], site, tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "Traceback" not in listing.stderr
    warnings = [line for line in listing.stderr.splitlines() if f"plugin '{kind}'" in line]
    assert len(warnings) == 1 and reason in warnings[0], listing.stderr
    assert "failed" in listing.stdout and kind in listing.stdout
    # the good plugin's generator still trains
    trained = run_i2i(["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--quiet",
                       "--max-steps", "1", "--workers", "0", "--name", "g",
                       "--set", "generator.name=good_conv", "--set", "train.sample_every=0",
                       "--set", "discriminator.params.ndf=4",
                       "--set", "discriminator.params.n_layers=1"], site, tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "good_conv" in (tmp_path / "runs" / "g" / "config.yaml").read_text()
