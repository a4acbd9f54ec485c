"""Fixtures for metric tests: a cheap stand-in Inception, and real-network features once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


class TinyFeatureNet(torch.nn.Module):
    """Stands in for the Inception in tests of plumbing: 8x8 colour means (192-d)."""

    fc = None
    has_head = False

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(x, 8), 1), None


@pytest.fixture
def tiny_inception(monkeypatch, tmp_path):
    """Replace the real network loader; returns a list that counts feature extractions."""
    import i2i.metrics.features as features
    import i2i.metrics.networks as networks

    net_file = tmp_path / "tiny-net.bin"
    net_file.write_bytes(b"tiny")
    # A cache of its own: another test's identical random images must not pre-fill it.
    monkeypatch.setenv("I2I_HOME", str(tmp_path / "i2i_home"))
    calls = []
    monkeypatch.setattr(networks, "load_inception",
                        lambda weights_dir, device, need_head=False: (TinyFeatureNet(), net_file))
    real_extract = features.extract_features

    def counting(paths, *args, **kwargs):
        calls.append(len(paths))
        return real_extract(paths, *args, **kwargs)

    monkeypatch.setattr("i2i.metrics.job.extract_features", counting)
    return calls


def make_images(folder: Path, n: int, size=(32, 32), seed: int = 0, ext: str = ".png",
                offset: int = 0) -> list[Path]:
    """``n`` random RGB images named 000.png, 001.png, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        path = folder / f"{i + offset:03d}{ext}"
        Image.fromarray(arr).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def real_weights() -> Path:
    path = SHARED / "weights"
    if not (path / "inception-2015-12-05-fid.pt").is_file():
        pytest.skip("../shared/weights is absent: real pretrained networks unavailable")
    return path


@pytest.fixture(scope="session")
def photos() -> Path:
    path = SHARED / "data" / "photos"
    if not path.is_dir():
        pytest.skip("../shared/data/photos is absent on this machine")
    return path


@pytest.fixture(scope="session")
def photo_features(real_weights, photos, tmp_path_factory):
    """Real Inception features of the 18 photos and of 18 noise images, extracted once."""
    from i2i.images import list_images
    from i2i.metrics.features import extract_features
    from i2i.metrics.networks import load_inception

    net, _ = load_inception(real_weights, torch.device("cpu"))
    noise_dir = tmp_path_factory.mktemp("noise")
    noise = make_images(noise_dir, 18, size=(64, 64), seed=1)
    files = list_images(photos)
    return (extract_features(files, net, torch.device("cpu"), batch_size=18),
            extract_features(noise, net, torch.device("cpu"), batch_size=18))
