"""Equality with the public implementations the docs name (docs/commands/evaluate.md).

pytorch-fid, lpips and scikit-image come with the ``test`` extra (CI installs it), so these
run rather than skip. Most need the real weights and photos in ../shared; the LPIPS and SSIM
checks also run on random weights and synthetic images, so they hold where ../shared is
absent. Guards against, e.g., FID features off by a preprocessing step, LPIPS without its
input scaling layer, SSIM with a uniform window instead of the Gaussian.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image


def _photos(photos, n, size=None):
    files = sorted(photos.glob("*.jpg"))[:n]
    if size is None:
        return files
    return [np.asarray(Image.open(f).convert("RGB").resize((size, size))) for f in files]


def test_features_equal_pytorch_fid(real_weights, photos, monkeypatch):
    pfi = pytest.importorskip("pytorch_fid.inception")
    from pytorch_fid.fid_score import get_activations
    from test_inception_net import _to_pytorch_fid

    from i2i.metrics.features import extract_features
    from i2i.metrics.inception_net import from_torchscript_state
    from i2i.metrics.networks import load_inception

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = torch.jit.load(str(real_weights / "inception-2015-12-05-fid.pt"), map_location="cpu")
    state = _to_pytorch_fid(from_torchscript_state(ts.state_dict()), torch.zeros(1008, 2048))
    monkeypatch.setattr(pfi, "load_state_dict_from_url", lambda *a, **k: state)
    files = _photos(photos, 3)
    ref = get_activations([str(f) for f in files], pfi.InceptionV3([3]).eval(), batch_size=1,
                          dims=2048, device="cpu", num_workers=0)
    net, _ = load_inception(real_weights, torch.device("cpu"))
    ours = extract_features(files, net, torch.device("cpu"))
    assert np.abs(ref - ours.pool).max() < 1e-5


def _lpips_pair(state, a, b) -> tuple[float, float]:
    """(ours, the lpips package's) distance of a and b with the same VGG16 weights."""
    ref_lpips = pytest.importorskip("lpips")
    from i2i.metrics.lpips import LPIPS, load_heads

    ref = ref_lpips.LPIPS(net="vgg", pnet_rand=True, verbose=False).eval()
    bounds = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]
    mapped = {}
    for key, value in state.items():
        idx = int(key.split(".")[0])
        s = next(i for i, (a, b) in enumerate(bounds) if a <= idx < b) + 1
        mapped[f"slice{s}.{key}"] = value
    ref.net.load_state_dict(mapped, strict=True)
    with torch.no_grad():
        return float(LPIPS(state, load_heads())(a, b)[0]), float(ref(a, b))


def test_lpips_equals_the_lpips_package(real_weights, photos):
    from i2i.metrics.lpips import to_unit_range
    from i2i.metrics.networks import vgg16_features_state

    a, b = (to_unit_range(x) for x in _photos(photos, 2, size=64))
    ours, ref = _lpips_pair(vgg16_features_state(real_weights), a, b)
    assert ours == pytest.approx(ref, abs=1e-6)


def test_lpips_equals_the_lpips_package_with_random_weights(one_torch_thread):
    """Guards against LPIPS without its input scaling layer (or another shift/scale), also
    where the real VGG16 weights are absent."""
    from torchvision.models import vgg16

    torch.manual_seed(0)
    state = vgg16(weights=None).features.state_dict()
    gen = torch.Generator().manual_seed(1)
    a, b = (torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1 for _ in range(2))
    ours, ref = _lpips_pair(state, a, b)
    assert ref > 0 and ours == pytest.approx(ref, rel=1e-5, abs=1e-9)


def test_ssim_and_psnr_equal_scikit_image(photos):
    metrics = pytest.importorskip("skimage.metrics")
    from i2i.metrics.psnr import psnr
    from i2i.metrics.ssim import ssim

    a, b = _photos(photos, 2, size=120)
    expected = metrics.structural_similarity(a, b, data_range=255, channel_axis=-1,
                                             gaussian_weights=True, sigma=1.5,
                                             use_sample_covariance=False)
    assert ssim(a, b) == pytest.approx(expected, abs=1e-10)
    assert psnr(a, b) == pytest.approx(metrics.peak_signal_noise_ratio(a, b, data_range=255))


def test_ssim_equals_scikit_image_on_synthetic_images():
    """Guards against a uniform (e.g. 7x7) window instead of the 11x11 Gaussian, another
    sigma, or a border handled differently, also where ../shared/data is absent."""
    metrics = pytest.importorskip("skimage.metrics")
    from i2i.metrics.ssim import ssim

    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
    smooth = np.cumsum(rng.integers(-8, 9, (40, 48, 3)), axis=1)
    b = np.clip(a.astype(int) // 2 + 64 + smooth, 0, 255).astype(np.uint8)
    expected = metrics.structural_similarity(a, b, data_range=255, channel_axis=-1,
                                             gaussian_weights=True, sigma=1.5,
                                             use_sample_covariance=False)
    assert 0.05 < expected < 0.95 and ssim(a, b) == pytest.approx(expected, abs=1e-10)
