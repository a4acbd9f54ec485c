"""Our Inception definition against the TorchScript, and the two accepted weight formats."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from i2i.metrics.features import INPUT_SIZE, preprocess
from i2i.metrics.inception_net import (
    PYTORCH_FID_BLOCKS,
    ConvBN,
    FIDInception,
    from_torchscript_state,
    pytorch_fid_to_ours,
)


@pytest.fixture(scope="module")
def torchscript(real_weights):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.load(str(real_weights / "inception-2015-12-05-fid.pt"),
                              map_location="cpu").eval()


def _to_pytorch_fid(ours: dict, fc_weight: torch.Tensor) -> dict:
    """Build a pytorch-fid-named state dict (gamma = 1, as released) from our tensors."""
    inverse = {}
    for block, (target, branches) in PYTORCH_FID_BLOCKS.items():
        for branch, path in (branches or {None: None}).items():
            prefix = f"layers.{target}" + (f".{path}" if path else "")
            name = f"{block}.{branch}" if branch else block
            inverse[prefix] = name
    state = {}
    for prefix, name in inverse.items():
        w = ours[f"{prefix}.weight"]
        state[f"{name}.conv.weight"] = w
        state[f"{name}.bn.weight"] = torch.ones(w.shape[0])
        state[f"{name}.bn.bias"] = ours[f"{prefix}.beta"]
        state[f"{name}.bn.running_mean"] = ours[f"{prefix}.mean"]
        state[f"{name}.bn.running_var"] = ours[f"{prefix}.var"]
        state[f"{name}.bn.num_batches_tracked"] = torch.tensor(0)
    state["fc.weight"], state["fc.bias"] = fc_weight, torch.zeros(fc_weight.shape[0])
    return state


def test_our_network_with_torchscript_weights_gives_the_torchscript_features(torchscript):
    net = FIDInception()
    net.load_state_dict(from_torchscript_state(torchscript.state_dict()), strict=True)
    x = torch.rand(1, 3, INPUT_SIZE, INPUT_SIZE, generator=torch.Generator().manual_seed(0))
    x = x * 2 - 1
    with torch.inference_mode():
        expected = torchscript(x)
        got, logits = net.eval()(x)
    assert logits is None
    assert torch.allclose(got, expected, atol=1e-4, rtol=1e-4)


def test_pytorch_fid_state_dict_loads_to_the_same_tensors_as_the_torchscript(torchscript):
    ours = from_torchscript_state(torchscript.state_dict())
    fc = torch.randn(1008, 2048)
    converted = pytorch_fid_to_ours(_to_pytorch_fid(ours, fc))
    net = FIDInception(with_head=True)
    net.load_state_dict(converted, strict=True)  # every key of the architecture is covered
    for key, tensor in ours.items():
        assert torch.equal(converted[key], tensor), key
    assert torch.equal(converted["fc.weight"], fc)


def test_batchnorm_scale_is_folded_exactly():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, bias=False)
    bn = torch.nn.BatchNorm2d(4, eps=1e-3).eval()
    bn.weight.data.uniform_(0.5, 2.0)
    bn.bias.data.normal_()
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2.0)
    state = {"Conv2d_1a_3x3.conv.weight": conv.weight.data,
             **{f"Conv2d_1a_3x3.bn.{k}": v for k, v in bn.state_dict().items()}}
    folded = pytorch_fid_to_ours(state)
    layer = ConvBN(3, 4, 3)
    layer.load_state_dict({k.removeprefix("layers.conv."): v for k, v in folded.items()})
    x = torch.randn(2, 3, 9, 9)
    with torch.no_grad():
        assert torch.allclose(layer(x), torch.relu(bn(conv(x))), atol=1e-5)


def test_preprocess_of_a_299_pixel_image_only_rescales_to_minus_one_one(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (299, 299, 3), dtype=np.uint8)
    Image.fromarray(arr).save(tmp_path / "x.png")
    expected = torch.from_numpy(arr).permute(2, 0, 1).float() / 255 * 2 - 1
    assert torch.allclose(preprocess(tmp_path / "x.png"), expected, atol=1e-6)


def test_preprocess_resizes_any_size_to_299(tmp_path):
    Image.new("RGB", (640, 120), (255, 0, 0)).save(tmp_path / "wide.png")
    t = preprocess(tmp_path / "wide.png")
    assert t.shape == (3, 299, 299)
    assert torch.allclose(t[0], torch.ones(299, 299)) and torch.allclose(t[1], -torch.ones(1))


def test_a_pytorch_fid_file_loads_with_its_class_head(torchscript, tmp_path):
    from i2i.metrics.networks import _load_inception

    ours = from_torchscript_state(torchscript.state_dict())
    fc = torch.randn(1008, 2048)
    path = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(_to_pytorch_fid(ours, fc), path)
    net = _load_inception(str(path), "cpu")
    assert net.has_head
    state = net.state_dict()
    assert torch.equal(state["fc.weight"], fc)
    assert all(torch.equal(state[k], v) for k, v in ours.items())
