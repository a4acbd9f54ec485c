"""Every variant switch of the seed experiments reaches the networks or the loss.

One training step per switch on tiny networks: which loss terms appear, which nets exist
and get gradients, and which layers the architecture switches build.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from i2i.data.datasets import build_dataset
from i2i.errors import ConfigError
from i2i.losses.reconstruction import l1, l1_l2, l2
from i2i.runs import resolve_train_config

CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY_CYCLEGAN = ["generator.params.ngf=4", "generator.params.n_blocks=1",
                 "discriminator.params.ndf=4", "data.batch_size=2"]
TINY_PIX2PIX = ["generator.params.ngf=4", "discriminator.params.ndf=4", "data.batch_size=2"]


def build(method: str, root: str, sets: list[str]):
    from i2i.plugins import lookup

    layer = {"data": {"root": root, "crop_size": 32, "load_size": 32, "num_workers": 0}}
    cfg = resolve_train_config(method, None, None, layer, sets)
    torch.manual_seed(0)
    m = lookup("methods", method)(cfg, CPU, training=True)
    m.train_mode()
    ds = build_dataset(cfg.data, "train", m.paired, train=True)
    batch = torch.utils.data.default_collate([ds[(i, i)] for i in range(2)])
    return m, batch


def cyclegan(*sets: str):
    return build("cyclegan", "builtin:toy", [*TINY_CYCLEGAN, *sets])


def step_with_grads(m, batch) -> tuple[dict, dict[str, bool]]:
    """One step; which nets' parameters moved."""
    before = {k: [p.detach().clone() for p in n.parameters()] for k, n in m.nets.items()}
    losses = m.training_step(batch)
    moved = {k: any(not torch.equal(a, b) for a, b in zip(before[k], n.parameters(),
                                                           strict=True))
             for k, n in m.nets.items()}
    return losses, moved


ALL_CYCLEGAN = {"G_A", "G_B", "cycle_A", "cycle_B", "idt_A", "idt_B", "D_A", "D_B"}


@pytest.mark.parametrize("sets, expected", [
    ((), ALL_CYCLEGAN),
    (("loss.gan_weight=0",), {"cycle_A", "cycle_B", "idt_A", "idt_B"}),  # cycle alone
    (("loss.lambda_A=0", "loss.lambda_B=0"),  # GAN alone (identity scales with lambda)
     {"G_A", "G_B", "D_A", "D_B"}),
    (("loss.backward_cycle=false", "loss.identity=0"),  # GAN + forward cycle
     {"G_A", "G_B", "D_A", "D_B", "cycle_A"}),
    (("loss.forward_cycle=false", "loss.identity=0"),  # GAN + backward cycle
     {"G_A", "G_B", "D_A", "D_B", "cycle_B"}),
    (("loss.identity=0",), ALL_CYCLEGAN - {"idt_A", "idt_B"}),
    (("loss.tv_weight=0.1",), ALL_CYCLEGAN | {"tv"}),
])
def test_cyclegan_loss_switches_choose_the_terms(sets, expected):
    m, batch = cyclegan(*sets)
    losses, moved = step_with_grads(m, batch)
    assert set(losses) == expected
    assert all(moved.values()), moved


def test_cycle_alone_builds_no_discriminators():
    m, _ = cyclegan("loss.gan_weight=0")
    assert set(m.nets) == {"G_A", "G_B"} and set(m.optimizers) == {"G"}


@pytest.mark.parametrize("name, fn", [("l1", l1), ("l2", l2), ("l1_l2", l1_l2)])
def test_cycle_loss_variant_is_the_one_used(name, fn, monkeypatch):
    m, batch = cyclegan(f"loss.cycle={name}", "loss.identity=0", "loss.gan_weight=0")
    term = m.own["cycle"].term
    assert term.distance is fn
    calls = []
    term.distance = lambda pred, target: calls.append(1) or fn(pred, target)
    m.training_step(batch)
    assert len(calls) == 2  # forward and backward cycle


def test_discriminator_noise_is_annealed_to_zero():
    m, batch = cyclegan("loss.d_noise_std=0.5")
    x = torch.zeros(1, 3, 8, 8)
    m.progress = 0.0
    assert m.d_input(x).std() > 0.3
    m.progress = 1.0
    assert torch.equal(m.d_input(x), x)


def test_resize_convolution_replaces_transposed_convolution():
    for mode in ("nearest", "bilinear"):
        m, batch = cyclegan(f"generator.params.upsample={mode}")
        mods = list(m.nets["G_A"].modules())
        assert not any(isinstance(x, nn.ConvTranspose2d) for x in mods)
        assert any(isinstance(x, nn.Upsample) and x.mode == mode for x in mods)
        assert m.nets["G_A"](batch["A"]).shape == batch["A"].shape


def test_zero_padding_replaces_reflection_padding():
    m, _ = cyclegan("generator.params.padding=zero")
    mods = list(m.nets["G_A"].modules())
    assert not any(isinstance(x, nn.ReflectionPad2d) for x in mods)
    m, _ = cyclegan()
    assert any(isinstance(x, nn.ReflectionPad2d) for x in m.nets["G_A"].modules())


@pytest.mark.parametrize("setting, message", [
    ("generator.params.upsample=cubic", "unknown upsampling 'cubic'; choose one of"),
    ("generator.params.padding=mirror", "unknown padding 'mirror'; choose one of"),
    ("loss.cycle=l3", "unknown recon loss 'l3'; choose one of"),
    ("loss.gan=wgan", "unknown gan loss 'wgan'; choose one of"),
    ("discriminator.params.receptive_field=142", "receptive field 142\\) needs images"),
])
def test_bad_cyclegan_variant_lists_the_choices(setting, message):
    from i2i.errors import I2IError

    with pytest.raises(I2IError, match=message):
        cyclegan(setting)


# ----------------------------------------------------------------------------- pix2pix


def pix2pix(*sets: str):
    return build("pix2pix", "builtin:toy_paired", [*TINY_PIX2PIX, *sets])


def test_pix2pix_step_trains_a_conditional_discriminator():
    m, batch = pix2pix()
    first = next(x for x in m.nets["D"].modules() if isinstance(x, nn.Conv2d))
    assert first.in_channels == 6  # input concatenated with the output
    losses, moved = step_with_grads(m, batch)
    assert set(losses) == {"D", "G_GAN", "G_recon"} and all(moved.values())
    assert m.cfg.loss.gan == "vanilla" and m.cfg.loss.lambda_recon == 100


def test_pix2pix_recon_alone_builds_no_discriminator():
    m, batch = pix2pix("loss.gan_weight=0")
    assert set(m.nets) == {"G"}
    losses, _ = step_with_grads(m, batch)
    assert set(losses) == {"G_recon"}


@pytest.mark.parametrize("name, fn", [("l1", l1), ("l2", l2), ("l1_l2", l1_l2)])
def test_pix2pix_recon_variant_weighted_by_lambda(name, fn):
    m, batch = pix2pix(f"loss.recon={name}", "loss.gan_weight=0", "loss.lambda_recon=3")
    term = m.own["recon"].term
    assert term.distance is fn
    term.distance = lambda pred, target: torch.tensor(0.25, requires_grad=True)
    assert m.training_step(batch)["G_recon"] == pytest.approx(0.75)


def test_pix2pix_without_skips_uses_the_encoder_decoder():
    m, _ = pix2pix("generator.name=encoder_decoder", "generator.params.num_downs=5")
    assert m.nets["G"].skip is False


def test_pix2pix_receptive_field_reaches_the_discriminator():
    from i2i.nets.discriminators.patchgan import receptive_field

    m, _ = pix2pix("discriminator.params.receptive_field=16")
    assert receptive_field(m.nets["D"]) == 16


def test_pix2pix_unrealisable_receptive_field_fails_before_training():
    with pytest.raises(ConfigError, match="receptive field 286"):
        pix2pix("discriminator.params.receptive_field=286")


def test_unet_too_deep_for_the_crop_size_fails_before_training():
    """An explicit depth that does not fit is an error; a default one is fitted instead."""
    with pytest.raises(ConfigError, match="multiples of 256 px.*num_downs=5"):
        pix2pix("generator.name=unet_256", "generator.params.num_downs=8")
    m, _ = pix2pix("generator.name=unet_256")
    assert m.nets["G"].num_downs == 5 and m.cfg.generator.params["num_downs"] == 5


def test_pix2pix_translation_does_not_depend_on_the_batch():
    m, batch = pix2pix()
    m.training_step(batch)
    m.inference_mode()
    norm = next(x for x in m.nets["G"].modules() if isinstance(x, nn.BatchNorm2d))
    stats = norm.running_mean.clone()
    with torch.no_grad():
        both = m.translate(batch["A"])
        one = m.translate(batch["A"][1:])
    torch.testing.assert_close(both[1:], one)
    assert torch.equal(stats, norm.running_mean)
    m.train_mode()
    assert all(x.momentum == 0.1 for x in m.nets["G"].modules()
               if isinstance(x, nn.BatchNorm2d))


def test_pix2pix_without_any_generator_loss_is_refused():
    with pytest.raises(ConfigError, match="no generator loss"):
        pix2pix("loss.gan_weight=0", "loss.lambda_recon=0")
