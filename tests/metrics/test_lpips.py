"""LPIPS: vendored heads are the published file; distances behave on real photos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from i2i.data.download import sha256_file as sha256_of
from i2i.metrics.lpips import HEADS_FILE, HEADS_SHA256, LPIPS, load_heads, to_unit_range


def test_vendored_heads_are_the_published_v0_1_vgg_file():
    assert sha256_of(HEADS_FILE) == HEADS_SHA256
    shapes = [tuple(t.shape) for t in load_heads().values()]
    assert shapes == [(1, c, 1, 1) for c in (64, 128, 256, 512, 512)]


@pytest.fixture(scope="module")
def lpips_net(real_weights):
    from i2i.metrics.networks import vgg16_features_state

    return LPIPS(vgg16_features_state(real_weights), load_heads()).eval()


def _photo(photos, index, size=96):
    files = sorted(photos.glob("*.jpg"))
    img = Image.open(files[index]).convert("RGB").resize((size, size), Image.BICUBIC)
    return to_unit_range(np.asarray(img))


def test_lpips_of_an_image_with_itself_is_zero(lpips_net, photos):
    x = _photo(photos, 0)
    assert float(lpips_net(x, x)[0]) == pytest.approx(0.0, abs=1e-7)


def test_lpips_between_different_photos_is_positive_and_exceeds_a_slight_blur(lpips_net,
                                                                              photos):
    x, y = _photo(photos, 0), _photo(photos, 5)
    blurred = _photo(photos, 0, size=80)
    blurred = to_unit_range(np.asarray(Image.fromarray(
        ((blurred[0].permute(1, 2, 0).numpy() + 1) * 127.5).astype(np.uint8)).resize((96, 96))))
    different = float(lpips_net(x, y)[0])
    slight = float(lpips_net(x, blurred)[0])
    assert different > 0.1
    assert 0 < slight < different
