"""Fixtures for stylize tests: the real VGG16 from ../shared/weights, small real images."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WEIGHTS = SHARED / "weights"
PHOTO = SHARED / "data" / "photos" / "building.jpg"
STARRY = SHARED / "data" / "art" / "starry_night.jpg"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: real VGG16 weights or images unavailable")
    return path


@pytest.fixture(scope="session")
def vgg16_dir() -> Path:
    _need(WEIGHTS / "vgg16-features.pth")
    return WEIGHTS


@pytest.fixture(scope="session")
def vgg16(vgg16_dir):
    """Real VGG16 features up to conv5_1 with average pooling, loaded once."""
    from i2i.nets.vgg import load_vgg

    return load_vgg("vgg16", "avg", "conv5_1", weights_dir=vgg16_dir)


def _load(path: Path, long_side: int) -> torch.Tensor:
    from i2i.images import load_rgb
    from i2i.stylize.optimize import resize
    from i2i.stylize.run import image_to_tensor
    from i2i.stylize.transfer import fit_long_side

    image = image_to_tensor(load_rgb(_need(path)))
    return resize(image, fit_long_side(tuple(image.shape[-2:]), long_side))


@pytest.fixture(scope="session")
def photo() -> torch.Tensor:
    return _load(PHOTO, 64)


@pytest.fixture(scope="session")
def starry() -> torch.Tensor:
    return _load(STARRY, 64)
