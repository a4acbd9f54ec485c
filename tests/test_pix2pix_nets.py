"""U-Net / encoder-decoder generators, PatchGAN receptive fields, reconstruction losses."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.losses.criteria import recon_loss
from i2i.nets.discriminators.patchgan import (
    check_fits,
    imagegan,
    output_size,
    patchgan,
    pixelgan,
    receptive_field,
)
from i2i.nets.generators.unet import encoder_decoder, unet, unet_128, unet_256
from i2i.plugins import UnknownNameError


@pytest.mark.parametrize("field", [1, 16, 34, 70, 142, 286])
def test_patchgan_receptive_field_matches_its_name(field):
    assert receptive_field(patchgan(6, ndf=4, receptive_field=field)) == field


def test_receptive_field_is_measured_by_gradients_too():
    """Cross-check the layer arithmetic: which input pixels move one central output."""
    net = patchgan(1, ndf=2, norm="none", receptive_field=16)
    x = torch.zeros(1, 1, 64, 64, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero()
    assert int(rows.max() - rows.min() + 1) <= 16  # the padded border may cut it short
    assert receptive_field(net) == 16


def test_default_patchgan_is_the_70px_one():
    assert receptive_field(patchgan(3)) == 70


def test_antialiased_patchgan_geometry_counts_its_blur_pools():
    """CUT's discriminator: guards against the size check skipping the blur pools (a map
    that vanishes, or a reflect pad on one pixel, passing as fine) and against its field
    read as the strided net's 70 px."""
    net = patchgan(3, ndf=4, sampling="antialias")
    assert receptive_field(net) == 84  # conv 4 / blur 3 at stride 2, three times, conv 4 x2
    for size in (16, 20, 24, 32, 64):
        if output_size(net, size) >= 1:
            assert net(torch.zeros(1, 3, size, size)).shape[-1] == output_size(net, size)
            check_fits(net, size)
        else:
            with pytest.raises((RuntimeError, ValueError)):  # torch fails somewhere inside
                net(torch.zeros(1, 3, size, size))
            with pytest.raises(ConfigError, match="needs images of at least 24 px"):
                check_fits(net, size)


@pytest.mark.parametrize("kwargs,message", [
    ({"sampling": "blur"}, "choose one of: stride, antialias"),
    ({"sampling": "antialias", "receptive_field": 1}, "does not downsample"),
])
def test_a_bad_discriminator_sampling_is_one_line(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        patchgan(3, ndf=4, **kwargs)


def test_pixelgan_uses_only_1x1_convolutions():
    net = pixelgan(6, ndf=4)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.kernel_size == (1, 1) for m in convs) and receptive_field(net) == 1
    assert net(torch.zeros(1, 6, 20, 20)).shape == (1, 1, 20, 20)


@pytest.mark.parametrize("make", [lambda: imagegan(6, ndf=4),
                                  lambda: patchgan(6, ndf=4, receptive_field="image")])
def test_imagegan_gives_one_verdict_that_sees_every_pixel(make):
    net = make()
    x = torch.zeros(2, 6, 48, 48, requires_grad=True)
    out = net(x)
    assert out.shape == (2, 1, 1, 1) and receptive_field(net) is None
    out[0].sum().backward()
    assert (x.grad[0].abs().sum(0) > 0).all()


def test_unknown_receptive_field_lists_the_choices():
    with pytest.raises(ConfigError, match=r"receptive_field is 50; choose one of: 1, 16, 34"):
        patchgan(3, receptive_field=50)


def test_unrealisable_receptive_field_is_a_config_error():
    net = patchgan(6, ndf=4, receptive_field=286)
    assert output_size(net, 64) < 1
    with pytest.raises(ConfigError, match=r"receptive field 286\) needs images of at least"):
        check_fits(net, 64)
    check_fits(net, 256)  # fits: no error
    assert net(torch.zeros(1, 6, 256, 256)).shape[-1] == output_size(net, 256)


@pytest.mark.parametrize("field", [1, 16, 70, 286, "image"])
def test_output_size_arithmetic_matches_the_network(field):
    net = patchgan(6, ndf=4, receptive_field=field)
    assert net(torch.zeros(1, 6, 256, 256)).shape[-1] == output_size(net, 256)


# ----------------------------------------------------------------------------- U-Net


def decoder_input_channels(net: nn.Module) -> list[int]:
    return [m.in_channels for m in net.modules() if isinstance(m, nn.ConvTranspose2d)]


def test_unet_decoder_sees_the_skip_features():
    net = unet(3, 3, num_downs=5, ngf=8)
    # Innermost first (module order): every level above the innermost takes its inner
    # width twice (upsampled + skip): widths 8, 16, 32, 64, 64 -> 64, 128, 64, 32, 16.
    assert decoder_input_channels(net) == [64, 128, 64, 32, 16]
    assert net(torch.zeros(1, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_encoder_decoder_has_no_skips():
    for net in (encoder_decoder(3, 3, num_downs=5, ngf=8), unet(3, 3, 5, 8, skip=False)):
        assert decoder_input_channels(net) == [64, 64, 32, 16, 8]
        assert net(torch.zeros(1, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_skips_carry_input_detail_to_the_output():
    """With skips, a pixel change reaches its output position through the outermost
    skip; measured with hooks on the outermost decoder input."""
    seen = {}
    for skip in (True, False):
        net = unet(3, 3, num_downs=5, ngf=4, skip=skip).eval()
        outer = net.model.model
        upconv = [m for m in outer if isinstance(m, nn.ConvTranspose2d)][0]
        upconv.register_forward_hook(lambda m, i, o, skip=skip: seen.__setitem__(skip, i[0]))
        net(torch.zeros(1, 3, 32, 32))
    assert seen[True].shape[1] == 2 * seen[False].shape[1]


def test_unet_depths_and_size_multiple():
    assert unet_256(3, 3, ngf=4).size_multiple == 256
    assert unet_128(3, 3, ngf=4).size_multiple == 128
    assert len(decoder_input_channels(unet_128(3, 3, ngf=4))) == 7


def test_unet_decoder_dropout_sits_in_the_deep_levels():
    net = unet_256(3, 3, ngf=4)
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 3  # num_downs - 5
    assert not any(isinstance(m, nn.Dropout) for m in unet_256(3, 3, 4, dropout=False).modules())


def test_unet_uses_batch_norm_by_default():
    assert any(isinstance(m, nn.BatchNorm2d) for m in unet(3, 3, 5, 4).modules())


# ----------------------------------------------------------------------------- losses


def test_recon_loss_variants_on_known_tensors():
    pred = torch.tensor([0.0, 0.0, 0.0, 0.0])
    target = torch.tensor([1.0, -1.0, 2.0, 0.0])
    # |d| = 1, 1, 2, 0 -> mean 1; d^2 = 1, 1, 4, 0 -> mean 1.5
    assert recon_loss("l1")(pred, target).item() == pytest.approx(1.0)
    assert recon_loss("l2")(pred, target).item() == pytest.approx(1.5)
    assert recon_loss("l1_l2")(pred, target).item() == pytest.approx(1.25)


def test_unknown_recon_loss_lists_the_choices():
    with pytest.raises(UnknownNameError, match=r"unknown recon loss 'l3'; choose one of: l1, "):
        recon_loss("l3")
