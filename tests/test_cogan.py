"""CoGAN (``i2i/methods/cogan.py``) on CPU, on builtin:toy at 32 px with tiny nets: exact
resume, translation (shape, range, weights untouched, the CLI's inference mode, a saved
run), PacGAN packing, the one-line errors, and what a short run learns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from toy_truth import toy_errors

from i2i.data import toy
from i2i.errors import ConfigError
from i2i.images import list_images, load_rgb, pil_to_tensor
from i2i.plugins import lookup
from i2i.runs import load_for_inference, resolve_train_config
from i2i.training.loop import train

CPU = torch.device("cpu")
FAST = ["data.num_workers=0", "train.threads=1", "train.sample_every=0"]
# 4 images a domain and batch 2 make 2 steps an epoch, so 7 steps cross epoch boundaries
# (the lr decays every epoch) and the break at step 3 falls mid-epoch.
TINY = [*FAST, "generator.params.ngf=4", "generator.params.latent_dim=8",
        "discriminator.params.ndf=4", "data.max_dataset_size=4", "data.batch_size=2",
        "schedule.n_epochs=1", "schedule.n_epochs_decay=3", "train.log_every=1",
        "options.translate_steps=5"]


def config(out: Path, name: str, steps: int, sets: list[str]):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": steps}, "name": name, "out_dir": str(out)}
    return resolve_train_config("cogan", None, None, layer, sets)


def toy_test_a():
    return torch.stack([pil_to_tensor(load_rgb(p))
                        for p in list_images(toy.materialise(32) / "testA")])


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if k != "time"} for r in rows}


def weights(method) -> dict[str, torch.Tensor]:
    return {f"{k}.{n}": t.clone() for k, net in method.nets.items()
            for n, t in net.state_dict().items()}


def test_resume_is_exact_and_the_run_translates(tmp_path):
    straight = train(config(tmp_path, "straight", 7, TINY), tmp_path / "straight",
                     show_progress=False)
    train(config(tmp_path, "split", 3, TINY), tmp_path / "split", show_progress=False)
    resumed = train(config(tmp_path, "split", 7, TINY), tmp_path / "split", resume=True,
                    show_progress=False)
    assert resumed.counters.global_step == straight.counters.global_step == 7
    assert set(straight.method.nets) == {"G", "E", "D"}
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    assert losses_by_step(tmp_path / "straight") == losses_by_step(tmp_path / "split")

    method = resumed.method
    method.inference_mode()
    x = toy_test_a()[:3]
    before = weights(method)
    params = [p for net in method.nets.values() for p in net.parameters()]
    for p in params:
        p.grad = None
    with torch.inference_mode():  # as `i2i translate` calls it; z is refined inside
        y = method.translate(x)
        odd = method.translate(torch.rand(2, 3, 40, 24) * 2 - 1)
    assert y.shape == x.shape and odd.shape == (2, 3, 40, 24)
    assert y.min() >= -1 and y.max() <= 1 and torch.isfinite(y).all()
    after = weights(method)
    assert all(torch.equal(before[k], after[k]) for k in before), "translation moved a weight"
    assert all(p.grad is None for p in params), "translation left gradients on weights"
    loaded, _, _ = load_for_inference(tmp_path / "split", None, CPU)
    assert set(loaded.nets) == {"G", "E"}  # what translation needs, not D
    with torch.inference_mode():
        assert torch.equal(loaded.translate(x), y)
    with pytest.raises(ConfigError, match="AtoB only"):
        method.translate(x, "BtoA")


def test_pacgan_packing_trains_at_batch_one(tmp_path):
    sets = [*FAST, "generator.params.ngf=4", "generator.params.latent_dim=8",
            "discriminator.params.ndf=4", "data.batch_size=1", "train.log_every=1"]
    plain = lookup("methods", "cogan")(config(tmp_path, "p1", 1, sets), CPU)
    ctx = train(config(tmp_path, "p2", 3, [*sets, "discriminator.pack=2"]), tmp_path / "p2",
                show_progress=False)
    for dom in ("A", "B"):
        first = [m for m in ctx.method.nets["D"].private[dom].modules()
                 if isinstance(m, torch.nn.Conv2d)][0]
        one = [m for m in plain.nets["D"].private[dom].modules()
               if isinstance(m, torch.nn.Conv2d)][0]
        assert first.in_channels == 2 * one.in_channels == 6
    rows = losses_by_step(tmp_path / "p2")
    assert len(rows) == 3 and all(torch.isfinite(torch.tensor(r["D_A"])) for r in rows.values())
    # each head's reals and fakes were kept to complete later packs (and resume with them)
    assert {"D_A/real", "D_A/fake", "D_B/real", "D_B/fake"} <= set(ctx.method.packer.companions)


@pytest.mark.parametrize(("sets", "message"), [
    (["data.crop_size=48", "data.load_size=52"], "16, 32, 64, 128"),
    (["data.preprocess=none"], "data.preprocess 'none'"),
    (["generator.name=resnet"], "generator.name must be 'coupled'"),
    (["generator.params.n_blocks=6"], "unknown parameter 'generator.params.n_blocks'"),
    (["generator.params.private=9"], "from 1 to 5"),
    (["loss.terms.tv.weight=1"], "no loss.terms"),
    (["options.z_prior=gaussian"], "choose one of: uniform, normal"),
])
def test_bad_settings_are_one_line_errors(tmp_path, sets, message):
    with pytest.raises(ConfigError, match=message) as err:
        lookup("methods", "cogan")(config(tmp_path, "bad", 1, [*FAST, *sets]), CPU)
    assert "\n" not in str(err.value)


def test_z_comes_from_the_papers_uniform_prior_and_translation_stays_in_its_box(tmp_path):
    """The authors draw z from U(-1, 1) (mingyuliutw/CoGAN, celeba.train.ptt RandomNoise
    UNIFORM); N(0, I) is the option. E's guess and the refined z stay in the box G saw."""
    method = lookup("methods", "cogan")(config(tmp_path, "z", 1, TINY), CPU)
    torch.manual_seed(0)
    z = method.sample_z(4096)
    assert z.min() >= -1 and z.max() <= 1 and abs(z.std().item() - 3 ** -0.5) < 0.01
    method.cfg.options["z_prior"] = "normal"
    assert method.sample_z(4096).abs().max() > 2  # a uniform draw never leaves [-1, 1]
    method.cfg.options["z_prior"] = "uniform"
    with torch.no_grad():
        for param in method.nets["E"].parameters():
            param.mul_(50)  # push E's raw guesses far outside the box
        _, refined = method.encode(toy_test_a()[:2])
    assert refined.abs().max() <= 1


def channel_means(x: torch.Tensor) -> torch.Tensor:
    return x.mean(dim=(0, 2, 3))


# What a short run learns (300 steps, batch 8, width 16, z ~ U(-1, 1) as the paper),
# against builtin:toy's known translation (tests/toy_truth.py): identity map 0.68, the
# untrained nets 0.455 (torch seed 0), so the bar is 0.7 x 0.455 = 0.318. Measured on the
# 2-core dev machine with train.seed 0, 1, 2, default CPU path (AVX-512) and AVX2 kernels
# (ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2):
#   trained            AVX-512 0.237 / 0.244 / 0.237    AVX2 0.217 / 0.240 / 0.707*
#   encoder alone      AVX-512 0.354 / 0.313 / 0.327    AVX2 0.302 / 0.330 / 0.735*
#   no weight sharing  AVX-512 0.440 (seed 0)           AVX2 0.484 (seed 0)
#   colour, seed 0: distance of the translations' channel means to B's 0.106 (AVX2 0.048),
#   to A's 0.467 (0.505)
# *: this run's GAN collapsed; CoGAN's training is not stable on every trajectory, so the
# test keeps the one seed (0) that holds on both CPU paths with room. (With z ~ N(0, I), the
# default before issue 25, seed 2 collapsed under AVX2 instead, and at 400 steps the old
# colour bar, to_b < 0.8 x untrained's 0.278, failed with AVX2: 0.257.)
# So on this per-pixel colour map CoGAN beats both baselines; the CycleGAN paper's finding
# that it fails at faithful translation is about real scenes, which this toy does not test.
# The means of the translations' channels wander from step to step (distance to B's means
# 0.05-0.26 over seeds, steps and CPUs, the untrained nets' 0.28), so colour is held to the
# looser "closer to B's means than to A's" and the MAE carries the rest.
QUALITY = [*FAST, "data.batch_size=8", "generator.params.ngf=16", "discriminator.params.ndf=16",
           "train.seed=0"]
QUALITY_STEPS = 300
MARGIN = 0.7
ENCODER_MARGIN = 0.85  # encoder alone: at most 0.354 / 0.455 = 0.78 where it learned
# The ablation: every layer private, so nothing ties G_A's image of a z to G_B's, and
# translating through the z of A's image renders an unrelated B image.
NO_SHARING = ["generator.params.private=5", "discriminator.params.private=4"]
NO_SHARING_FLOOR = 0.40  # measured 0.440 and 0.484 (seed 0), the bar 0.318


def _short_run(tmp_path, name: str, *extra: str):
    cfg = config(tmp_path, name, QUALITY_STEPS, [*QUALITY, *extra])
    torch.manual_seed(0)
    untrained = lookup("methods", "cogan")(cfg, CPU, training=False)
    return train(cfg, tmp_path / name, show_progress=False).method, untrained


@pytest.mark.numerics
def test_a_short_run_renders_domain_b_colours_and_beats_the_baselines(tmp_path):
    method, untrained = _short_run(tmp_path, "q")
    test_a = toy_test_a()
    mean_a, mean_b = channel_means(test_a), channel_means(test_a[:, [2, 0, 1]])
    method.inference_mode()
    with torch.no_grad():
        trained_means = channel_means(method.translate(test_a))
    assert (trained_means - mean_b).norm() < (trained_means - mean_a).norm(), trained_means

    err_identity, err_untrained, err_trained = toy_errors(method, untrained)
    assert err_trained < MARGIN * err_identity, (err_trained, err_identity)
    assert err_trained < MARGIN * err_untrained, (err_trained, err_untrained)
    # The encoder alone (no refinement) must have learned too, since the refinement can
    # make up for an untrained one, and the refinement must help.
    method.cfg.options["translate_steps"] = 0
    _, _, err_encoder = toy_errors(method, untrained)
    assert err_encoder < ENCODER_MARGIN * err_untrained, (err_encoder, err_untrained)
    assert err_trained < err_encoder, (err_trained, err_encoder)


@pytest.mark.numerics
def test_without_weight_sharing_the_same_run_does_not_translate(tmp_path):
    """The ablation twin: CoGAN's defining constraint off, the learning test's bar missed."""
    method, untrained = _short_run(tmp_path, "free", *NO_SHARING)
    assert not method.nets["G"].shared and not method.nets["D"].shared  # nothing shared
    err_identity, err_untrained, err_trained = toy_errors(method, untrained)
    assert err_trained > NO_SHARING_FLOOR, (err_trained, err_untrained)
    assert NO_SHARING_FLOOR > MARGIN * err_untrained  # the twin misses the learning bar
