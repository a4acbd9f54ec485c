"""``train.compile``: nets compiled in place train like eager ones and save the same names."""

from __future__ import annotations

import math

import pytest
import torch
from toy_runs import losses_by_step, toy_config

from i2i.training.checkpoint import load_latest
from i2i.training.loop import train

SMALL = ["generator.params.ngf=4", "generator.params.n_blocks=1",
         "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
         "data.max_dataset_size=4", "data.batch_size=2"]


@pytest.mark.slow
def test_compiled_training_matches_eager_and_checkpoints_keep_their_names(tmp_path):
    eager = train(toy_config("cyclegan", tmp_path, "eager", 2, *SMALL), tmp_path / "eager",
                  show_progress=False)
    compiled = train(toy_config("cyclegan", tmp_path, "compiled", 2, *SMALL,
                                "train.compile=true"), tmp_path / "compiled",
                     show_progress=False)
    a, b = losses_by_step(tmp_path / "eager"), losses_by_step(tmp_path / "compiled")
    assert a.keys() == b.keys()
    for step in a:
        for key, value in a[step].items():
            if isinstance(value, float) and key != "lr":
                assert math.isclose(b[step][key], value, rel_tol=1e-3, abs_tol=1e-5), key
    for key, net in eager.method.nets.items():
        other = compiled.method.nets[key]
        assert other._compiled_call_impl is not None  # compiled in place, not wrapped
        assert other.state_dict().keys() == net.state_dict().keys()  # no _orig_mod. prefix
    # weights are compared through what they compute: Adam turns the zero gradient of a
    # conv bias before instance norm into rounding noise of lr size, which the norm removes
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():  # forward() itself: a compiled call would compile once more
        ours = compiled.method.nets["G_A"].forward(x)
        theirs = eager.method.nets["G_A"].forward(x)
    assert (ours - theirs).abs().max() < 1e-3
    _, payload = load_latest(tmp_path / "compiled")
    assert all("_orig_mod" not in k for net in payload["nets"].values() for k in net)


def test_compile_on_a_cpu_without_a_compiler_is_one_line(tmp_path, monkeypatch):
    import shutil

    from i2i.errors import ConfigError

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CXX", raising=False)
    with pytest.raises(ConfigError, match="needs a C\\+\\+ compiler"):
        train(toy_config("cyclegan", tmp_path, "c", 1, *SMALL, "train.compile=true"),
              tmp_path / "c", show_progress=False)
    assert not (tmp_path / "c" / "config.yaml").exists()
