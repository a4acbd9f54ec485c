"""The CycleGAN paper's one-sided baselines: pixel loss + GAN (``simgan``) and feature loss
+ GAN (``featgan``) learn builtin:toy, resume exactly (image pool included) and translate.

builtin:toy's B is A with its colour channels rotated, so a pixel distance between input
and output pulls against the very change the GAN asks for. At simgan's default weight 10
the pull wins on this toy, which is the paper's point about this baseline: it keeps the
input rather than translate it (measured on the 2-core dev machine, 300 steps: MAE 0.62
against 0.68 for the identity map and 0.58 untrained). At weight 1 it learns the toy's
colour rotation, and that is what its quality test runs. featgan's VGG relu4_2 features
change less under a colour rotation, and it learns the toy at its default weight 1.
Guards against a term that never reaches G, a pool that feeds D the wrong images, and
state lost on resume.
"""

from __future__ import annotations

import pytest
import torch
from toy_truth import toy_errors

from i2i.plugins import lookup
from i2i.runs import resolve_train_config
from i2i.training.loop import train

COMMON = ["data.batch_size=4", "data.num_workers=0", "generator.params.ngf=16",
          "generator.params.n_blocks=2", "discriminator.params.ndf=16",
          "train.sample_every=0", "train.threads=1"]
# MAE against the toy's truth, measured on the 2-core dev machine (identity 0.677, untrained
# with torch seed 0 0.578). simgan, 300 steps at weight 1: 0.33, and 0.333 with the
# self-regularisation off (as issue 25 measured it): on this toy the pixel term can only
# pull against the colour rotation (the truth is 0.68 from its input), so no run of simgan
# here can show it helps; its test shows the GAN and the term together still learn at
# weight 1 (see the module docstring for weight 10). It has no ablation twin. featgan
# after 200 steps, train.seed 0 / 1 / 2 on the default
# CPU path (AVX-512) and seeds 0 / 1 with AVX2 kernels (ONEDNN_MAX_CPU_ISA=AVX2
# ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2):
#   featgan                  AVX-512 0.266 / 0.286 / 0.267    AVX2 0.277 / 0.266
#   feature term off (GAN)   AVX-512 0.369 / 0.356 / 0.333    AVX2 0.353 / 0.326
# (300 steps, the test's count before: 0.250 and 0.346; the old bar, 0.7 x untrained =
# 0.405, let the GAN alone pass.) The bar sits between the two.
CASES = {"simgan": (["train.max_steps=300", "loss.terms.self_reg.weight=1"], 0.7),
         "featgan": (["train.max_steps=200"], 0.46)}  # margin x identity: featgan 0.311
FEATGAN_OFF_FLOOR = 0.315  # above the bar, below the lowest without the term, 0.326
TINY = ["generator.params.ngf=4", "generator.params.n_blocks=1",
        "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
        "data.num_workers=0", "train.sample_every=0", "train.log_every=1",
        "data.max_dataset_size=4", "data.batch_size=2", "train.pool_size=2",
        "schedule.n_epochs=1", "schedule.n_epochs_decay=2", "train.threads=1"]


def config(tmp_path, method: str, sets: list[str], name: str | None = None):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "name": name or method, "out_dir": str(tmp_path)}
    return resolve_train_config(method, None, None, layer, sets)


@pytest.fixture(autouse=True)
def vgg_weights(shared_weights, monkeypatch):  # featgan's features term
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))


def _errors(tmp_path, method: str, *extra: str) -> tuple[float, float, float]:
    cfg = config(tmp_path, method, [*COMMON, *CASES[method][0], *extra])
    torch.manual_seed(0)
    untrained = lookup("methods", method)(cfg, torch.device("cpu"), training=False)
    ctx = train(cfg, tmp_path / method, show_progress=False)
    return toy_errors(ctx.method, untrained)


@pytest.mark.numerics
@pytest.mark.parametrize("method", sorted(CASES))
def test_baseline_learns_the_toy_translation_at_a_weight_that_lets_it(method, tmp_path):
    margin = CASES[method][1]
    err_identity, err_untrained, err_trained = _errors(tmp_path, method)
    assert err_trained < margin * err_identity, (err_trained, err_identity)
    assert err_trained < 0.7 * err_untrained, (err_trained, err_untrained)


@pytest.mark.numerics
def test_featgan_without_its_feature_term_misses_the_bar(tmp_path):
    """The ablation twin: the same run with the feature loss at weight 0 (GAN alone)."""
    err_identity, _, err_trained = _errors(tmp_path, "featgan", "loss.terms.features.weight=0")
    assert err_trained > FEATGAN_OFF_FLOOR, err_trained
    assert FEATGAN_OFF_FLOOR > CASES["featgan"][1] * err_identity


@pytest.mark.parametrize("method", sorted(CASES))
def test_baseline_resumes_exactly_and_translates(method, tmp_path):
    straight = train(config(tmp_path, method, [*TINY, "train.max_steps=5"], "straight"),
                     tmp_path / "straight", show_progress=False)
    train(config(tmp_path, method, [*TINY, "train.max_steps=3"], "split"),
          tmp_path / "split", show_progress=False)
    resumed = train(config(tmp_path, method, [*TINY, "train.max_steps=5"], "split"),
                    tmp_path / "split", resume=True, show_progress=False)
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    resumed.method.inference_mode()
    with torch.no_grad():
        out = resumed.method.translate(torch.zeros(1, 3, 32, 32))
    assert out.shape == (1, 3, 32, 32) and out.abs().max() <= 1
