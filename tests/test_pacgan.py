"""PacGAN (``discriminator.pack``): m samples of one kind, concatenated along channels, for
every method; batches smaller than m are completed with earlier samples, exactly across a
resume, and under DDP.

Guards against: packs that mix real and fake, a discriminator whose first layer is not
widened, companions drawn from the current batch instead of earlier ones (a pack of two
identical images teaches D nothing), companion stores lost on resume, and a method that
bypasses the packing helper.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from i2i.errors import ConfigError
from i2i.methods.packing import Packer, check_pack
from i2i.plugins import lookup
from i2i.runs import resolve_train_config
from i2i.training import checkpoint as ckpt
from i2i.training.loop import train

TINY = ["generator.params.ngf=4", "generator.params.n_blocks=1",
        "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
        "data.num_workers=0", "train.sample_every=0", "train.log_every=1",
        "data.max_dataset_size=4", "train.threads=1"]
ONE_SIDED = ["loss.terms.patchnce.params.layers=[0, 4]",
             "loss.terms.patchnce.params.num_patches=16"]


def images(n: int, start: float) -> torch.Tensor:
    """n distinguishable 3x2x2 images: image i is filled with start + i."""
    return (start + torch.arange(n, dtype=torch.float32)).view(n, 1, 1, 1).expand(n, 3, 2, 2)


def test_a_whole_batch_is_regrouped_into_packs_of_consecutive_samples():
    packed = Packer(2, seed=0).pack("D", "real", images(4, 0), remember=True)
    assert packed.shape == (2, 6, 2, 2)
    assert packed[:, 0, 0, 0].tolist() == [0, 2] and packed[:, 3, 0, 0].tolist() == [1, 3]


def test_a_batch_of_one_is_completed_with_earlier_samples_of_the_same_kind():
    packer = Packer(2, seed=0)
    first = packer.pack("D", "real", images(1, 10), remember=True)
    assert first[0, 3:, 0, 0].tolist() == [10, 10, 10]  # nothing earlier yet: itself
    packer.pack("D", "fake", images(1, 99), remember=True)  # another kind: never a companion
    second = packer.pack("D", "real", images(1, 20), remember=True)
    assert second.shape == (1, 6, 2, 2)
    assert second[0, :3, 0, 0].tolist() == [20, 20, 20]  # the new sample leads its pack
    assert second[0, 3:, 0, 0].tolist() == [10, 10, 10]  # completed by the earlier real


def test_the_generator_pass_does_not_store_its_samples():
    packer = Packer(3, seed=0)
    packer.pack("D", "fake", images(1, 1), remember=True)
    packer.pack("D", "fake", images(1, 5), remember=False)
    packed = packer.pack("D", "fake", images(1, 7), remember=False)
    assert set(packed[0, 3:, 0, 0].tolist()) == {1.0}


def test_a_short_last_batch_is_filled_up_to_whole_packs():
    packer = Packer(2, seed=0)
    packer.pack("D", "real", images(4, 0), remember=True)
    packed = packer.pack("D", "real", images(3, 10), remember=True)
    assert packed.shape == (2, 6, 2, 2)
    assert packed[1, 3, 0, 0].item() in {0, 1, 2, 3}  # the fourth slot: an earlier real


def test_a_generator_pass_after_the_discriminator_step_never_packs_a_fake_with_itself():
    packer = Packer(2, seed=0)
    packer.pack("D", "fake", images(1, 1), remember=True)  # an earlier step's fake
    for step in range(2, 30):  # D remembers this step's fake, then G packs the same one
        packer.pack("D", "fake", images(1, step), remember=True)
        packed = packer.pack("D", "fake", images(1, step), remember=False)
        assert packed[0, 3, 0, 0].item() != step


@pytest.mark.parametrize(("pack", "batch", "preprocess"), [
    (3, 4, "resize_and_crop"), (2, 5, "crop"), (0, 1, "crop"), (2, 1, "none"),
    (2, 1, "scale_width")])
def test_a_pack_that_cannot_arrange_the_batch_is_one_line(pack, batch, preprocess):
    with pytest.raises(ConfigError) as err:
        check_pack(pack, batch, preprocess)
    assert "\n" not in str(err.value) and "discriminator.pack" in str(err.value)


def test_generator_passes_pack_only_fakes_and_store_nothing(tmp_path, monkeypatch):
    """Spied on every method step: D's passes remember, G's passes are fakes and don't."""
    calls = []
    original = Packer.pack

    def spy(self, key, kind, x, remember):
        calls.append((kind, remember, x.requires_grad))
        return original(self, key, kind, x, remember)

    monkeypatch.setattr(Packer, "pack", spy)
    for method in ("cyclegan", "cut"):
        cfg = method_config(tmp_path, method, ["discriminator.pack=2", "data.batch_size=1"])
        m = lookup("methods", method)(cfg, torch.device("cpu"))
        batch = {"A": torch.rand(1, 3, 32, 32) * 2 - 1, "B": torch.rand(1, 3, 32, 32) * 2 - 1}
        calls.clear()
        m.training_step(batch)
        g_calls = [c for c in calls if c[2]]  # carrying gradient: the generator's passes
        assert g_calls and all(kind == "fake" and not remember for kind, remember, _ in g_calls)
        assert all(remember for _, remember, grad in calls if not grad)


def method_config(tmp_path, method: str, extra: list[str], steps: int = 2, name: str = "r"):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": steps}, "name": name, "out_dir": str(tmp_path)}
    sets = [*TINY, *(ONE_SIDED if method in ("cut", "fastcut") else []), *extra]
    if method == "pix2pix":
        layer["data"]["root"] = "builtin:toy_paired"
        sets = [s for s in sets if not s.startswith("generator.params.n_blocks")]
        sets.append("generator.params.num_downs=5")
    return resolve_train_config(method, None, None, layer, sets)


@pytest.mark.parametrize("method", ["cyclegan", "pix2pix", "cut", "fastcut", "simgan"])
def test_every_method_widens_its_discriminators_and_trains_packed_at_batch_1(tmp_path,
                                                                             method):
    plain = lookup("methods", method)(method_config(tmp_path, method, []), torch.device("cpu"))
    cfg = method_config(tmp_path, method, ["discriminator.pack=2", "data.batch_size=1"])
    packed = lookup("methods", method)(cfg, torch.device("cpu"))
    d_keys = [k for k in packed.nets if k.startswith("D")]
    assert d_keys
    for key in d_keys:
        first = lambda net: next(m for m in net.modules() if isinstance(m, torch.nn.Conv2d))  # noqa: E731
        assert first(packed.nets[key]).in_channels == 2 * first(plain.nets[key]).in_channels
        assert first(packed.nets[key]).out_channels == first(plain.nets[key]).out_channels
    ctx = train(cfg, tmp_path / f"{method}_packed", show_progress=False)
    assert ctx.counters.global_step == 2
    stores = ctx.method.packer.companions
    assert {n.split("/")[1] for n in stores} == {"real", "fake"}  # both kinds went through it
    assert all(len(c.images) >= 1 for c in stores.values())


@pytest.mark.numerics
def test_a_packed_run_resumes_exactly(tmp_path):
    extra = ["discriminator.pack=2", "data.batch_size=1", "train.pool_size=2"]
    straight = train(method_config(tmp_path, "cyclegan", extra, 6, "straight"),
                     tmp_path / "straight", show_progress=False)
    train(method_config(tmp_path, "cyclegan", extra, 3, "split"), tmp_path / "split",
          show_progress=False)
    resumed = train(method_config(tmp_path, "cyclegan", extra, 6, "split"), tmp_path / "split",
                    resume=True, show_progress=False)
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"


@pytest.mark.numerics
def test_packing_runs_under_ddp_with_every_rank_keeping_its_own_companions(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    args = ["train", "cyclegan", "--data", "builtin:toy", "--size", "32", "--gpus", "2",
            "--device", "cpu", "--max-steps", "3", "--workers", "0", "--quiet", "--name",
            "ddp", "--set", "discriminator.pack=2", "--set", "data.batch_size=1"]
    for item in TINY:
        args += ["--set", item]
    proc = subprocess.run([sys.executable, "-m", "i2i", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-2000:]
    payload = ckpt.load_checkpoint(ckpt.latest_checkpoint(tmp_path / "runs" / "ddp"))
    ranks = payload["ranks"]
    assert len(ranks) == 2
    reals = [r["extra"]["packs"]["D_A/real"]["images"] for r in ranks]
    assert reals[0].shape[0] >= 1 and not torch.equal(reals[0], reals[1])  # own shards
