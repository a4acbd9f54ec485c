"""Generator features for feature-level losses, and the anti-aliased ResNet generator."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import BlurPool2d, BlurUpsample2d
from i2i.nets.generators.resnet import ResnetBlock, resnet
from i2i.nets.generators.unet import unet

CUT_LAYERS = [0, 4, 8, 12, 16]


def tiny_resnet(**params) -> nn.Module:
    torch.manual_seed(0)
    return resnet(3, 3, ngf=4, n_blocks=5, **params)


def tiny_unet(**params) -> nn.Module:
    torch.manual_seed(0)
    return unet(3, 3, num_downs=4, ngf=4, **params)


def hooked(modules: list[nn.Module], net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """The outputs of ``modules`` during ``net(x)``, cloned before any in-place op runs."""
    seen = []
    handles = [m.register_forward_hook(lambda m, i, o: seen.append(o.clone())) for m in modules]
    net(x)
    for h in handles:
        h.remove()
    return seen


def unet_down_ends(net: nn.Module) -> list[nn.Module]:
    """The last module of each level's down path, outermost first."""
    ends, level = [], net.model
    while level is not None:
        ends.append(level.model[level.n_down - 1])
        level = level.inner()
    return ends


@pytest.mark.parametrize("sampling", ["stride", "antialias"])
def test_resnet_features_are_the_module_outputs_seen_by_hooks(sampling):
    """Guards against an off-by-one index (activation before instead of after module i),
    features returned out of the order asked, and a kept tensor later overwritten by the
    next in-place ReLU (layers 2 and 6 are norm outputs followed by ReLU(True))."""
    net = tiny_resnet(sampling=sampling).eval()
    x = torch.randn(2, 3, 16, 16)
    layers = [12, 0, 4, 2, 6, 16, 8]
    _, feats = net(x, layers)
    by_hook = hooked([net.model[i] for i in sorted(layers)], net, x)
    expected = dict(zip(sorted(layers), by_hook, strict=True))
    for i, f in zip(layers, feats, strict=True):
        assert torch.equal(f, expected[i]), i
    assert [f.shape[1] for f in feats] == net.feature_channels(layers)
    encoded = net.encode(x, layers)
    assert [t.equal(f) for t, f in zip(encoded, feats, strict=True)] == [True] * len(layers)


def test_cut_layer_indices_mean_what_the_cut_paper_uses():
    """Guards against a module layout that shifts CUT's nce_layers 0,4,8,12,16 off the
    padded input, the two downsampling convs and residual blocks 1 and 5."""
    net = tiny_resnet(sampling="antialias")
    kinds = [type(net.model[i]) for i in CUT_LAYERS]
    assert kinds == [nn.ReflectionPad2d, nn.Conv2d, nn.Conv2d, ResnetBlock, ResnetBlock]
    blocks = [m for m in net.model if isinstance(m, ResnetBlock)]
    assert net.model[12] is blocks[0] and net.model[16] is blocks[4]
    assert net.feature_channels(CUT_LAYERS) == [3, 8, 16, 16, 16]
    assert net.num_feature_layers == len(net.model)


@pytest.mark.parametrize("make", [tiny_resnet, tiny_unet])
def test_output_with_features_is_bit_equal_to_the_plain_output(make):
    """Guards against the feature path running different arithmetic (an extra op, a
    clone fed forward, a skipped module) from the plain forward."""
    net = make().eval()
    x = torch.randn(2, 3, 16, 16)
    plain = net(x)
    out, _ = net(x, [0, 1, 2, 3])
    assert torch.equal(out, plain)
    assert torch.equal(net(x, [])[0], plain)


def count_calls(module: nn.Module) -> list[int]:
    calls = [0]
    module.register_forward_hook(lambda m, i, o: calls.__setitem__(0, calls[0] + 1))
    return calls


def test_features_and_output_come_from_one_forward_pass():
    """Guards against computing the features by a second pass (output then encode), and
    against encode running the decoder or past the deepest layer asked for."""
    net = tiny_resnet()
    first, last = count_calls(net.model[1]), count_calls(net.model[-2])
    net(torch.randn(1, 3, 16, 16), CUT_LAYERS)
    assert first == [1] and last == [1]
    net.encode(torch.randn(1, 3, 16, 16), [0, 4])
    deeper = count_calls(net.model[5])
    net.encode(torch.randn(1, 3, 16, 16), [0, 4])
    assert first == [3] and last == [1] and deeper == [0]


def test_unet_features_are_the_encoder_level_outputs():
    """Guards against U-Net feature k not being encoder level k's down-path output (its
    conv then norm), a feature clobbered by the next level's LeakyReLU(True), a second
    pass for the features, and encode running the decoder or past the deepest level."""
    net = tiny_unet().eval()
    x = torch.randn(2, 3, 16, 16)
    by_hook = hooked(unet_down_ends(net), net, x)
    calls = count_calls(net.model.model[-2])  # the outermost transposed conv
    innermost = count_calls(unet_down_ends(net)[-1])
    _, feats = net(x, [3, 0, 1, 2])
    assert calls == [1] and innermost == [1]
    for k, f in zip([3, 0, 1, 2], feats, strict=True):
        assert torch.equal(f, by_hook[k]), k
    assert [f.shape[1:] for f in feats] == [(32, 1, 1), (4, 8, 8), (8, 4, 4), (16, 2, 2)]
    assert net.feature_channels([0, 1, 2, 3]) == [4, 8, 16, 32]
    enc = net.encode(x, [1, 0])
    assert calls == [1] and innermost == [1]
    assert torch.equal(enc[0], by_hook[1]) and torch.equal(enc[1], by_hook[0])


@pytest.mark.parametrize("make, last", [(tiny_resnet, 23), (tiny_unet, 3)])
@pytest.mark.parametrize("how", ["forward", "encode", "feature_channels"])
def test_a_layer_past_the_depth_is_a_one_line_config_error(make, last, how):
    """Guards against an index past the depth failing with an IndexError deep in torch
    (or silently giving fewer features) instead of naming the valid range."""
    net = make()
    x = torch.randn(1, 3, 16, 16)
    call = {"forward": lambda ls: net(x, ls), "encode": lambda ls: net.encode(x, ls),
            "feature_channels": net.feature_channels}[how]
    with pytest.raises(ConfigError, match=rf"0\.\.{last}\b") as err:
        call([0, last + 1])
    assert "\n" not in str(err.value) and str(last + 1) in str(err.value)
    for bad in ([-1], [True], [1.0]):
        with pytest.raises(ConfigError):
            call(bad)


@pytest.mark.parametrize("size", [(8, 8), (16, 12), (20, 28)])
def test_antialias_resnet_keeps_sizes_that_are_multiples_of_4(size):
    """Guards against blur padding or a conv stride that changes the output size."""
    net = tiny_resnet(sampling="antialias")
    assert net(torch.randn(1, 3, *size)).shape == (1, 3, *size)


def test_antialias_swaps_stride_and_transposed_convs_for_fixed_blurs():
    """Guards against the blur filters being trainable parameters, saved in checkpoints,
    left out of ``.to()`` moves, or stride-2/transposed convs surviving the swap."""
    net = tiny_resnet(sampling="antialias")
    pools = [m for m in net.modules() if isinstance(m, BlurPool2d)]
    ups = [m for m in net.modules() if isinstance(m, BlurUpsample2d)]
    assert len(pools) == 2 and len(ups) == 2
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in net.modules())
    assert all(m.stride == (1, 1) for m in net.modules() if isinstance(m, nn.Conv2d))
    for blur in pools + ups:
        assert not blur.filt.requires_grad and not list(blur.parameters())
    names = {n for n, _ in net.named_buffers()}
    assert sum(n.endswith("filt") for n in names) == 4
    assert not any(k.endswith("filt") for k in net.state_dict())
    assert net.double().model[7].filt.dtype == torch.float64
    plain = tiny_resnet()
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in plain.parameters())


def test_blur_pool_is_binomial_blur_then_subsampling():
    """Guards against a wrong filter (not [1,2,1]x[1,2,1]/16), zero instead of reflect
    padding, or subsampling at the wrong phase."""
    x = torch.randn(1, 2, 6, 8, dtype=torch.float64)
    k = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    kernel = (torch.outer(k, k) / 16).expand(2, 1, 3, 3)
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), kernel, groups=2)
    assert torch.allclose(BlurPool2d(2).double()(x), blurred[..., ::2, ::2])
    ones = torch.ones(1, 2, 4, 4)
    assert torch.equal(BlurPool2d(2)(ones), torch.ones(1, 2, 2, 2))


def test_blur_upsample_is_zero_insertion_then_binomial_blur_times_4():
    """Guards against a lost factor 4 (a darker image), a half-pixel shift, or the last
    row and column blending with zeros instead of themselves."""
    x = torch.randn(1, 2, 3, 4, dtype=torch.float64)
    y = BlurUpsample2d(2).double()(x)
    assert y.shape == (1, 2, 6, 8)
    assert torch.allclose(y[..., ::2, ::2], x)  # even pixels are the input pixels
    assert torch.allclose(y[..., 1:-1:2, ::2], (x[..., :-1, :] + x[..., 1:, :]) / 2)
    assert torch.allclose(y[..., ::2, 1:-1:2], (x[..., :, :-1] + x[..., :, 1:]) / 2)
    assert torch.allclose(y[..., -1, ::2], x[..., -1, :])  # replicate at the far edge
    assert torch.equal(BlurUpsample2d(2)(torch.ones(1, 2, 2, 2)), torch.ones(1, 2, 4, 4))


def cyclegan_cfg(**generator_params):
    from i2i.config import build_config
    from i2i.plugins import lookup

    cls = lookup("methods", "cyclegan")
    return cls, build_config([cls.default_config(), {
        "train": {"device": "cpu"},
        "generator": {"params": {"ngf": 4, "n_blocks": 1, **generator_params}},
        "discriminator": {"params": {"ndf": 4, "n_layers": 1}}}])


def test_sampling_reaches_the_generator_through_the_config_and_translate_still_works():
    """Guards against the option not reaching the factory (or being rejected by the
    signature check), an unknown value passing silently, and Method.translate breaking
    on the generators' new forward signature."""
    from i2i.config import parse_override

    assert parse_override("generator.params.sampling=antialias") == {
        "generator": {"params": {"sampling": "antialias"}}}
    for sampling, has_blur in (("antialias", True), ("stride", False)):
        cls, cfg = cyclegan_cfg(sampling=sampling)
        method = cls(cfg, torch.device("cpu"), training=False)
        method.inference_mode()
        g = method.nets[method.generator_for["AtoB"]]
        assert any(isinstance(m, BlurPool2d) for m in g.modules()) is has_blur
        x = torch.rand(1, 3, 16, 16) * 2 - 1
        with torch.no_grad():
            y = method.translate(x, "AtoB")
            assert torch.equal(y, g(x)) and y.shape == x.shape
    cls, cfg = cyclegan_cfg(sampling="blurry")
    with pytest.raises(ConfigError, match="unknown sampling 'blurry'; choose one of: "
                                          "stride, antialias"):
        cls(cfg, torch.device("cpu"), training=False)
