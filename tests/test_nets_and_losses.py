from __future__ import annotations

import pytest
import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.gan import LSGAN, VanillaGAN
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


def test_lsgan_and_vanilla_on_known_logits():
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert LSGAN().discriminator_loss(ones, zeros).item() == 0.0
    assert LSGAN().generator_loss(zeros).item() == 1.0
    big = torch.full((1, 1, 2, 2), 20.0)
    assert VanillaGAN().discriminator_loss(big, -big).item() < 1e-6
    assert VanillaGAN().generator_loss(big).item() < 1e-6


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
