"""UNIT on CPU: it learns builtin:toy, shares one module between the domains, resumes
exactly, translates both ways, and refuses sizes its encoders cannot take in one line.

Learning: domain B is a known colour rotation of A, so each translated test image of A is
scored against its exact truth (tests/toy_truth.py). After 100 steps (batch 4, 32 px, width
16, two residual blocks a side of which one is shared) the MAE must be under MARGIN of
the identity map's and of the untrained network's; the same run without UNIT's shared
latent space (no shared layers and no cycle: the two constraints that tie A's codes to B's
decoder) must miss that bar. Either constraint alone is not enough for this toy to show:
measured at 100 steps (AVX-512, train.seed 0 / 1 / 2), without sharing 0.298 / 0.341 /
0.305, without the cycle 0.393 / 0.354 / 0.325, without the VAE reconstruction 0.341 /
0.348 / 0.335, each about UNIT's own; a GAN between free encoders and decoders learns the
colour rotation too, only more slowly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from toy_truth import toy_errors

from i2i.errors import ConfigError
from i2i.methods.unit import UNIT
from i2i.runs import load_for_inference, resolve_train_config
from i2i.training.loop import train

# MAE after 100 steps, measured on the 2-core dev machine with train.seed 0, 1, 2 on the
# default CPU path (AVX-512) and with AVX2 kernels (ONEDNN_MAX_CPU_ISA=AVX2
# ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2); identity 0.677, untrained (torch
# seed 0) 0.690:
#   UNIT                       AVX-512 0.331 / 0.307 / 0.306    AVX2 0.325 / 0.307
#   no sharing and no cycle    AVX-512 0.409 / 0.387 / 0.376    AVX2 0.413 / 0.387
MARGIN = 0.52  # x identity = 0.352, x untrained = 0.359
NO_LATENT_FLOOR = 0.36  # above the bar, below the lowest without them, 0.376
NO_SHARED_LATENT = ["generator.params.n_shared=0", "loss.lambda_A=0", "loss.lambda_B=0"]
TOY = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36}}
LEARN = ["data.batch_size=4", "data.num_workers=0", "generator.params.ngf=16",
         "generator.params.n_blocks=2", "discriminator.params.ndf=16", "train.sample_every=0",
         "train.threads=1", "train.max_steps=100"]
# 4 images a domain and batch 2: 2 steps an epoch, so 5 steps cross epoch boundaries (the
# step schedule halves the lr every epoch) and the stop at 2 falls on one; the image pool
# makes the run depend on its stored fakes and RNG too.
TINY = ["generator.params.ngf=4", "generator.params.n_blocks=2", "discriminator.params.ndf=4",
        "discriminator.params.n_layers=1", "data.max_dataset_size=4", "data.batch_size=2",
        "data.num_workers=0", "schedule.step_size=1", "train.pool_size=3", "train.log_every=1",
        "train.sample_every=0", "train.threads=1"]


def config(out: Path, name: str, sets: list[str]):
    return resolve_train_config("unit", None, None, {**TOY, "name": name, "out_dir": str(out)},
                                sets)


def _errors(tmp_path, *extra: str) -> tuple[float, float, float]:
    cfg = config(tmp_path, "learn", [*LEARN, *extra])
    torch.manual_seed(0)
    untrained = UNIT(cfg, torch.device("cpu"), training=False)
    ctx = train(cfg, tmp_path / "learn", show_progress=False)
    return toy_errors(ctx.method, untrained)


@pytest.mark.numerics
def test_unit_learns_the_toy_translation(tmp_path):
    err_identity, err_untrained, err_trained = _errors(tmp_path)
    assert err_trained < MARGIN * err_identity, (err_trained, err_identity)
    assert err_trained < MARGIN * err_untrained, (err_trained, err_untrained)


@pytest.mark.numerics
def test_without_the_shared_latent_space_the_same_run_misses_the_bar(tmp_path):
    """The ablation twin: no shared layers and no cycle."""
    err_identity, _, err_trained = _errors(tmp_path, *NO_SHARED_LATENT)
    assert err_trained > NO_LATENT_FLOOR, err_trained
    assert NO_LATENT_FLOOR > MARGIN * err_identity


def test_the_shared_layers_are_one_module_used_by_both_domains():
    cfg = config(Path("."), "shared", TINY)
    unit = UNIT(cfg, torch.device("cpu"))
    params = [p for net in unit.nets.values() for p in net.parameters()]
    assert len({id(p) for p in params}) == len(params)  # nothing is held twice
    generator_params = sum(len(group["params"]) for group in unit.optimizers["G"].param_groups)
    assert generator_params == sum(len(list(unit.nets[k].parameters()))
                                   for k in ("E_A", "E_B", "E_shared", "G_shared", "G_A", "G_B"))
    torch.manual_seed(0)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        before = {d: (unit.encode(x, d, bare=True), unit.decode(unit.encode(x, d, bare=True), d,
                                                                   bare=True)) for d in "AB"}
        for key in ("E_shared", "G_shared"):
            for p in unit.nets[key].parameters():
                p.add_(0.5)
        for d in "AB":  # changing the one shared module changes both domains' paths
            code, image = unit.encode(x, d, bare=True), unit.decode(before[d][0], d, bare=True)
            assert not torch.allclose(code, before[d][0]), f"E_shared is not on {d}'s path"
            assert not torch.allclose(image, before[d][1]), f"G_shared is not on {d}'s path"


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if k != "time"} for r in rows}


def test_unit_resumes_exactly_and_translates_both_ways_from_its_checkpoint(tmp_path):
    straight = train(config(tmp_path, "straight", [*TINY, "train.max_steps=5"]),
                     tmp_path / "straight", show_progress=False)
    train(config(tmp_path, "split", [*TINY, "train.max_steps=2"]), tmp_path / "split",
          show_progress=False)
    resumed = train(config(tmp_path, "split", [*TINY, "train.max_steps=5"]), tmp_path / "split",
                    resume=True, show_progress=False)
    assert resumed.counters.global_step == 5
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    assert losses_by_step(tmp_path / "straight") == losses_by_step(tmp_path / "split")

    method, _, _ = load_for_inference(tmp_path / "split", None, torch.device("cpu"))
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    straight.method.inference_mode()
    with torch.no_grad():
        for direction in ("AtoB", "BtoA"):
            y = method.translate(x, direction)
            assert y.shape == x.shape and y.abs().max() <= 1
            assert torch.equal(y, straight.method.translate(x, direction))
        assert not torch.equal(method.translate(x, "AtoB"), method.translate(x, "BtoA"))


def test_unit_feeds_its_translations_to_the_terms_a_user_adds(tmp_path):
    ctx = train(config(tmp_path, "terms", [*TINY, "train.max_steps=1", "loss.terms.tv.weight=1"]),
                tmp_path / "terms", show_progress=False)
    row = losses_by_step(tmp_path / "terms")[1]
    assert row["tv_A"] > 0 and row["tv_B"] > 0  # on fake B and on fake A
    assert ctx.method.terms[0].key == "tv"


def test_unit_discriminators_take_pacgan_packs(tmp_path):
    ctx = train(config(tmp_path, "pack", [*TINY, "train.max_steps=2", "discriminator.pack=2"]),
                tmp_path / "pack", show_progress=False)
    for key in ("D_A", "D_B"):
        assert ctx.method.nets[key].model[0].in_channels == 3 * 2


@pytest.mark.parametrize(("sets", "message"), [
    (["data.crop_size=30", "data.load_size=34"],
     r"unit's encoders \(generator.params.n_downsampling=2\): image sides must be "
     r"multiples of 4 px and at least 8 \(e.g. 28 or 32\); data.crop_size is 30"),
    (["data.crop_size=36", "data.load_size=40", "generator.params.n_downsampling=3"],
     r"multiples of 8 px and at least 16 \(e.g. 32 or 40\); data.crop_size is 36"),
    (["generator.params.n_shared=3"], r"n_shared is 3, more than n_blocks \(2\)"),
    (["generator.name=resnet"], r"generator.name must be 'unit'"),
    (["generator.params.n_res=4"], r"unknown parameter 'generator.params.n_res'"),
    (["options.kl_weight=-0.5"], r"'options.kl_weight' is -0.5; it must be >= 0"),
    (["options.recon_kl_w=0.01"], r"unknown setting 'options.recon_kl_w' for unit; valid "
                                  r"options: kl_weight, kl_cycle_weight"),
])
def test_bad_unit_settings_are_one_line_errors(sets, message):
    with pytest.raises(ConfigError, match=message) as err:
        UNIT(config(Path("."), "bad", [*TINY, *sets]), torch.device("cpu"))
    assert "\n" not in str(err.value)
