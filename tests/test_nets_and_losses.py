from __future__ import annotations

import pytest
import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.gan import LSGAN, WGANGP, HingeGAN, VanillaGAN, gradient_penalty
from i2i.losses.reconstruction import l1, l1_l2, l2, total_variation
from i2i.methods.image_pool import ImagePool
from i2i.nets.blocks import init_weights
from i2i.nets.discriminators.patchgan import patchgan
from i2i.nets.generators.resnet import ResnetBlock, resnet


def receptive_field(net: nn.Module) -> int:
    """Receptive field of a stack of convolutions, computed from the layers."""
    rf = 1
    for layer in reversed([m for m in net.modules() if isinstance(m, nn.Conv2d)]):
        rf = rf * layer.stride[0] + (layer.kernel_size[0] - layer.stride[0])
    return rf


def test_patchgan_with_three_layers_sees_70x70_patches():
    assert receptive_field(patchgan(3, n_layers=3)) == 70


@pytest.mark.parametrize("n_blocks", [6, 9])
def test_resnet_generator_shape_blocks_and_tanh_range(n_blocks):
    g = resnet(3, 3, ngf=8, n_blocks=n_blocks)
    assert sum(isinstance(m, ResnetBlock) for m in g.modules()) == n_blocks
    assert any(isinstance(m, nn.ReflectionPad2d) for m in g.modules())
    assert any(isinstance(m, nn.ConvTranspose2d) for m in g.modules())
    y = g(torch.randn(2, 3, 32, 48))
    assert y.shape == (2, 3, 32, 48) and y.abs().max() <= 1


def test_resize_convolution_and_zero_padding_variants():
    g = resnet(3, 3, ngf=8, n_blocks=1, upsample="nearest", padding="zero")
    assert not any(isinstance(m, (nn.ConvTranspose2d, nn.ReflectionPad2d)) for m in g.modules())
    assert g(torch.randn(1, 3, 16, 16)).shape == (1, 3, 16, 16)
    with pytest.raises(ConfigError, match="unknown upsampling"):
        resnet(3, 3, upsample="pixelshuffle")


def test_normal_init_has_the_reference_spread():
    g = init_weights(resnet(3, 3, ngf=16, n_blocks=2), "normal", 0.02)
    w = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.Conv2d)])
    assert abs(w.std().item() - 0.02) < 0.002 and abs(w.mean().item()) < 0.002


def _conv_stack() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 3), nn.BatchNorm2d(64), nn.Linear(128, 32))


def _fraction_beyond_two_sigma(w: torch.Tensor) -> float:
    return float((w.abs() > 2 * w.std()).float().mean())


@pytest.mark.parametrize("gain", [0.02, 1.0])
def test_xavier_init_is_normal_with_the_glorot_spread_times_the_gain(gain):
    """Guards against ``xavier`` ignoring the gain, mapped to another init, or uniform
    (same spread, but no tails beyond 2 sigma)."""
    net = init_weights(_conv_stack(), "xavier", gain)
    w = net[0].weight.detach()
    expected = gain * (2.0 / (64 * 9 + 64 * 9)) ** 0.5
    assert w.std().item() == pytest.approx(expected, rel=0.03)
    assert 0.035 < _fraction_beyond_two_sigma(w) < 0.06  # normal: 4.6 %
    assert net[0].bias.abs().max().item() == 0.0


def test_kaiming_init_is_he_normal_on_fan_in_whatever_the_gain():
    """Guards against ``kaiming`` using the gain, fan_out, or another init."""
    net = init_weights(_conv_stack(), "kaiming", 0.02)
    conv, lin = net[0].weight.detach(), net[2].weight.detach()
    assert conv.std().item() == pytest.approx((2.0 / (64 * 9)) ** 0.5, rel=0.03)
    assert lin.std().item() == pytest.approx((2.0 / 128) ** 0.5, rel=0.05)
    assert 0.035 < _fraction_beyond_two_sigma(conv) < 0.06


@pytest.mark.parametrize("gain", [0.02, 1.0])
def test_orthogonal_init_gives_orthogonal_rows_scaled_by_the_gain(gain):
    """Guards against ``orthogonal`` ignoring the gain or mapped to a random init."""
    net = init_weights(_conv_stack(), "orthogonal", gain)
    for layer in (net[0], net[2]):
        w = layer.weight.detach().flatten(1)  # (out, in * k * k): out <= the rest
        gram = w @ w.T
        assert torch.allclose(gram, gain**2 * torch.eye(len(w)), atol=1e-5 * max(1, gain**2))
        assert layer.bias.abs().max().item() == 0.0
    bn = net[1].weight.detach()
    assert bn.mean().item() == pytest.approx(1.0, abs=4 * gain)


def test_train_init_setting_reaches_the_built_networks():
    """Guards against ``train.init`` being ignored when a method builds its networks."""
    from i2i.config import build_config
    from i2i.plugins import lookup

    cls = lookup("methods", "cyclegan")
    cfg = build_config([cls.default_config(), {
        "train": {"init": "orthogonal", "init_gain": 0.5, "device": "cpu"},
        "generator": {"params": {"ngf": 4, "n_blocks": 1}},
        "discriminator": {"params": {"ndf": 4, "n_layers": 1}}}])
    method = cls(cfg, torch.device("cpu"), training=True)
    for net in method.nets.values():
        conv = next(m for m in net.modules() if isinstance(m, nn.Conv2d))
        w = conv.weight.detach().flatten(1)
        rows = min(w.shape)
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        assert torch.allclose(gram, 0.25 * torch.eye(rows), atol=1e-5)


def test_lsgan_and_vanilla_on_known_logits():
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert LSGAN().discriminator_loss(ones, zeros).item() == 0.0
    assert LSGAN().generator_loss(zeros).item() == 1.0
    big = torch.full((1, 1, 2, 2), 20.0)
    assert VanillaGAN().discriminator_loss(big, -big).item() < 1e-6
    assert VanillaGAN().generator_loss(big).item() < 1e-6


def test_wgan_and_hinge_on_known_critic_outputs():
    """Guards against a sign flip or swapped real/fake in WGAN-GP, a missing margin or
    ReLU in the hinge discriminator loss, and a saturating hinge generator loss."""
    real = torch.tensor([[0.5], [2.0], [3.5]])  # mean 2
    fake = torch.tensor([[-2.0], [0.0], [1.0]])  # mean -1/3
    assert WGANGP().discriminator_loss(real, fake).item() == pytest.approx(-1 / 3 - 2)
    assert WGANGP().generator_loss(fake).item() == pytest.approx(1 / 3)
    assert WGANGP.needs_gradient_penalty and not HingeGAN.needs_gradient_penalty
    # relu(1 - real) = (0.5, 0, 0), relu(1 + fake) = (0, 1, 2)
    assert HingeGAN().discriminator_loss(real, fake).item() == pytest.approx(0.5 / 3 + 1.0)
    assert HingeGAN().generator_loss(fake).item() == pytest.approx(1 / 3)
    assert HingeGAN().generator_loss(torch.full((2, 1), 5.0)).item() == -5.0


def test_gan_loss_names_build_the_matching_objectives():
    """Guards against ``gan.wgangp`` / ``gan.hinge`` registered to the wrong class."""
    from i2i.losses.criteria import gan_loss

    kinds = {name: type(gan_loss(name)) for name in ("vanilla", "lsgan", "wgangp", "hinge")}
    assert kinds == {"vanilla": VanillaGAN, "lsgan": LSGAN, "wgangp": WGANGP, "hinge": HingeGAN}


class _LinearCritic(nn.Module):
    """D(x) = <w, x> per sample: its gradient is w wherever it is taken."""

    def __init__(self, norm: float):
        super().__init__()
        w = torch.ones(1, 3, 2, 2)
        self.w = nn.Parameter(w * norm / w.norm())

    def forward(self, x):
        return (x * self.w).flatten(1).sum(dim=1)


def test_gradient_penalty_is_the_squared_distance_of_the_per_sample_norm_from_one():
    """Guards against a norm over the whole batch instead of per sample, a missing ``- 1``,
    a squared norm, or a penalty built without ``create_graph`` (then it cannot train D)."""
    critic = _LinearCritic(norm=3.0)
    real, fake = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    gp = gradient_penalty(critic, real, fake)
    assert gp.item() == pytest.approx((3.0 - 1.0) ** 2, rel=1e-6)
    gp.backward()
    w = critic.w.detach()
    assert torch.allclose(critic.w.grad, 2 * (3.0 - 1.0) * w / w.norm(), atol=1e-6)


def test_gradient_penalty_is_taken_between_real_and_fake():
    """Guards against the penalty taken at the real (or the fake) images instead of at
    random points between them: with D = |x|^2 / 2 the gradient is the point itself, and
    real and fake are orthogonal of norm 3, so only interpolates have norm below 3. Also
    against a fake not detached: the penalty trains D only, never the generator."""
    class Energy(nn.Module):
        def forward(self, x):
            return 0.5 * x.pow(2).flatten(1).sum(dim=1)

    n = 64
    real = torch.zeros(n, 1, 1, 2)
    fake = torch.zeros(n, 1, 1, 2)
    real[..., 0], fake[..., 1] = 3.0, 3.0
    fake.requires_grad_(True)
    torch.manual_seed(0)
    gp = gradient_penalty(Energy(), real, fake)
    # |x_hat| = 3 sqrt(a^2 + (1 - a)^2) in [3 / sqrt(2), 3): the penalty in [1.25, 4)
    assert 1.25 < gp.item() < 3.5
    gp.backward()
    assert fake.grad is None


def test_reconstruction_losses_on_known_tensors():
    a, b = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 2.0)
    assert l1(a, b).item() == 2.0
    assert l2(a, b).item() == 4.0
    assert l1_l2(a, b).item() == 3.0
    stripes = torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])
    assert total_variation(stripes).item() == 1.0


def test_image_pool_fills_then_mixes_old_and_new():
    pool = ImagePool(size=2, seed=0)
    first = pool.query(torch.zeros(2, 1, 1, 1))
    assert first.eq(0).all() and len(pool.images) == 2
    outs = torch.cat([pool.query(torch.ones(1, 1, 1, 1)) for _ in range(20)])
    assert (outs == 0).any() and (outs == 1).any()  # history and fresh images both come out
    assert ImagePool(0).query(torch.ones(3, 1, 1, 1)).shape[0] == 3
