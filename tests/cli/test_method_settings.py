"""A run's config holds what its method reads: each method declares which of the
method-specific settings (``config.METHOD_SETTINGS``) it reads; the rest stay out of its
``config.yaml`` and are refused when set."""

from __future__ import annotations

import sys

import pytest
import torch
import yaml

from i2i.config import METHOD_SETTINGS, LossConfig, RunConfig, from_saved, to_yaml
from i2i.methods.names import BUILTIN as METHOD_NAMES
from i2i.nets import vgg
from i2i.plugins import get_registry
from i2i.runs import resolve_train_config
from i2i.training.loop import train

# settings a tiny one-step run of each method needs (patch counts, stage lengths)
TINY = ["data.num_workers=0", "train.sample_every=0", "train.threads=1", "data.batch_size=2",
        "generator.params.ngf=8", "discriminator.params.ndf=8"]
PER_METHOD = {"cyclegan_vae": ["options.vae_steps=1"],  # and one step of its second stage
              "latent_transfer": ["options.network=vgg16", "options.translate_steps=1"]}
WHERE = ("/i2i/methods/", "/i2i/losses/", "/i2i/nets/")


class _Recorder:
    """Records the method-specific settings read from method, loss and net code."""

    def __init__(self, monkeypatch):
        self.reads: set[str] = set()
        loss_get, run_get = LossConfig.__getattribute__, RunConfig.__getattribute__

        def from_method() -> bool:  # the frame that read the setting
            filename = sys._getframe(2).f_code.co_filename
            return any(w in filename for w in WHERE)

        def loss_attr(obj, name):
            if f"loss.{name}" in METHOD_SETTINGS and from_method():
                self.reads.add(f"loss.{name}")
            return loss_get(obj, name)

        def run_attr(obj, name):
            if name in METHOD_SETTINGS and from_method():
                self.reads.add(name)
            return run_get(obj, name)

        monkeypatch.setattr(LossConfig, "__getattribute__", loss_attr)
        monkeypatch.setattr(RunConfig, "__getattribute__", run_attr)


def _tiny_config(method: str, out, extra=()):
    cls = get_registry("methods")[method]
    root = "builtin:toy_paired" if cls.paired else "builtin:toy"
    layer = {"data": {"root": root, "crop_size": 32, "load_size": 36},
             "train": {"max_steps": 2}, "name": method, "out_dir": str(out)}
    sets = [s for s in TINY if method != "cogan" or "generator" not in s]
    return resolve_train_config(method, None, None, layer,
                                [*sets, *PER_METHOD.get(method, []), *extra])


BUILTIN = sorted(METHOD_NAMES)


@pytest.mark.parametrize("method", BUILTIN)
def test_a_method_declares_exactly_the_settings_its_code_reads(method, tmp_path, monkeypatch,
                                                               shared_weights):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))  # VGG16 for feature terms
    # a VGG loaded here must not stay cached for later tests: building one draws from the
    # global RNG, so a cached one changes the trajectories of later VGG-term runs
    monkeypatch.setattr(vgg, "_FROZEN", {})
    cfg = _tiny_config(method, tmp_path)
    recorder = _Recorder(monkeypatch)
    with torch.random.fork_rng():
        ctx = train(cfg, tmp_path / method, show_progress=False)
        ctx.method.inference_mode()
        with torch.no_grad():
            for direction in ctx.method.generator_for:
                ctx.method.translate(torch.zeros(1, cfg.data.input_nc, 32, 32), direction)
    assert recorder.reads == set(get_registry("methods")[method].reads)


def test_a_runs_config_yaml_leaves_out_what_its_method_does_not_read(tmp_path):
    cfg = _tiny_config("cut", tmp_path)
    saved = yaml.safe_load(to_yaml(cfg))
    assert "encoder" not in saved
    assert not {"cycle", "lambda_A", "lambda_B", "recon", "lambda_recon"} & set(saved["loss"])
    assert {"identity", "flip_equivariance", "terms", "gan"} <= set(saved["loss"])
    assert from_saved(saved).loss.identity == cfg.loss.identity  # it loads back whole
    cyclegan = yaml.safe_load(to_yaml(_tiny_config("cyclegan", tmp_path)))
    assert {"lambda_A", "cycle", "identity"} <= set(cyclegan["loss"])


@pytest.mark.parametrize(("method", "setting"), [
    ("cut", "loss.lambda_A=5"), ("pix2pix", "loss.cycle=l2"), ("cyclegan", "loss.recon=l2"),
    ("cyclegan", "encoder.latent_size=4"), ("bigan", "loss.identity=1")])
def test_setting_what_the_method_does_not_read_is_one_line(method, setting, tmp_path, cli):
    root = "builtin:toy_paired" if method == "pix2pix" else "builtin:toy"
    result = cli("train", method, "--data", root, "--size", "32", "--max-steps", "1",
                 "--out-dir", str(tmp_path), "--set", setting)
    assert result.exit_code == 2, result.output
    name = setting.split("=")[0].split(".")
    name = ".".join(name[:2]) if name[0] == "loss" else name[0]
    assert f"{method} does not read '{name}'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "toy").exists() and not (tmp_path / "toy_paired").exists()


def test_a_run_saved_with_every_setting_still_loads(tmp_path):
    # runs written before the method-specific settings were left out hold all of them
    import dataclasses

    old = dataclasses.asdict(_tiny_config("cut", tmp_path))
    assert "lambda_A" in old["loss"]
    assert from_saved(old).method == "cut"
