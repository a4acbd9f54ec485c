"""Tiled translation: tiles blend back into the image, normalisation layers get the whole
image's statistics (from one pass, or measured over the tiles), and the tiled result stays
close to the untiled one where the untiled one fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from i2i.inference.norm_statistics import NormStatistics
from i2i.inference.tiling import Tiling, owned_spans, parse_tile, tile_starts, translate_tiled
from i2i.nets.blocks import init_weights
from i2i.nets.generators.resnet import resnet_9blocks

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "photos"


def _photo(size: int) -> torch.Tensor:
    """A real photo (or, without ../shared, smooth structured noise) in [-1, 1]."""
    files = sorted(PHOTOS.glob("*.jpg")) if PHOTOS.is_dir() else []
    if files:
        img = Image.open(files[0]).convert("RGB").resize((size, size), Image.BICUBIC)
        return torch.from_numpy(np.array(img)).permute(2, 0, 1)[None].float() / 127.5 - 1
    g = torch.Generator().manual_seed(0)
    coarse = torch.rand(1, 3, size // 16, size // 16, generator=g) * 2 - 1
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic")


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return init_weights(resnet_9blocks(3, 3, ngf=8)).eval()


@pytest.mark.parametrize("length,tile,overlap", [(100, 32, 8), (96, 32, 0), (20, 32, 8),
                                                 (256, 128, 64)])
def test_tiles_cover_the_image_and_owned_parts_partition_it(length, tile, overlap):
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0 and min(starts[-1] + tile, length) == length
    assert all(b - a <= tile - overlap for a, b in zip(starts, starts[1:], strict=False))
    spans = owned_spans(starts, tile, length, 4)
    size = min(tile, length)
    owned = [(s + a * size, s + b * size) for s, (a, b) in zip(starts, spans, strict=True)]
    assert owned[0][0] == 0 and owned[-1][1] == length
    assert all(prev[1] == nxt[0] for prev, nxt in zip(owned, owned[1:], strict=False))
    assert all(0 <= a < b <= 1 for a, b in spans)


@pytest.mark.parametrize("shape", [(1, 3, 100, 72), (2, 3, 64, 64), (1, 1, 36, 200)])
def test_blended_tiles_give_back_a_pointwise_map_exactly(shape):
    x = torch.rand(shape)
    y = translate_tiled(lambda t: 2 * t - 1, [], x, Tiling(32, 12, always=True), 4)
    assert torch.allclose(y, 2 * x - 1, atol=1e-6)


@pytest.mark.parametrize("layer", [nn.InstanceNorm2d(6), nn.InstanceNorm2d(6, affine=True),
                                   nn.BatchNorm2d(6), nn.GroupNorm(2, 6)])
def test_replayed_statistics_reproduce_the_layer(layer):
    layer.train(isinstance(layer, nn.BatchNorm2d))  # batch norm as pix2pix tests with it
    if getattr(layer, "weight", None) is not None:
        nn.init.normal_(layer.weight, 1.0, 0.3)
        nn.init.normal_(layer.bias, 0.0, 0.3)
    x = torch.randn(2, 6, 10, 12) * 3 + 1
    stats = NormStatistics([layer])
    with torch.no_grad():
        stats.record(lambda: layer(x))
        expected = layer(x)
        replayed = stats.replay(lambda: layer(x[..., :5, :7]))  # a part, the whole's stats
        own = layer(x[..., :5, :7])
    assert torch.allclose(replayed, expected[..., :5, :7], atol=1e-5)
    assert not torch.allclose(own, expected[..., :5, :7], atol=1e-2)


def test_tiled_translation_is_close_to_untiled_and_needs_whole_image_statistics(
        generator, monkeypatch):
    x = _photo(256)
    with torch.inference_mode():
        full = generator(x)
        tiled = translate_tiled(generator, [generator], x, Tiling(128, 64, always=True), 4)
        monkeypatch.setattr("i2i.inference.norm_statistics.input_normalising_layers",
                            lambda nets: [])
        per_tile = translate_tiled(generator, [generator], x, Tiling(128, 64, always=True), 4)
    grey = lambda y: (y - full).abs().mul(127.5)  # noqa: E731
    assert grey(tiled).mean() < 2.0  # measured 0.6 (benchmarks/translate_tiled.py)
    assert grey(per_tile).mean() > 4 * grey(tiled).mean()


def test_statistics_measured_over_tiles_equal_a_whole_image_pass(generator):
    x = _photo(192)
    whole, measured = NormStatistics([generator]), NormStatistics([generator])
    with torch.inference_mode():
        whole.record(lambda: generator(x))
        starts = tile_starts(192, 128, 64)
        spans = owned_spans(starts, 128, 192, 4)

        def tiles():
            for top, rs in zip(starts, spans, strict=True):
                for left, cs in zip(starts, spans, strict=True):
                    patch = x[..., top:top + 128, left:left + 128]
                    yield (lambda p=patch: generator(p)), (*rs, *cs)

        measured.measure(tiles)
        a = translate_tiled(generator, [generator], x, Tiling(128, 64, 10**9, True), 4)
        b = translate_tiled(generator, [generator], x, Tiling(128, 64, 1, True), 4)
    layers = whole.layers
    assert len(layers) == 2 * 9 + 5
    for layer in layers:
        (m1, v1), (m2, v2) = whole._stats[layer][0], measured._stats[layer][0]
        assert torch.allclose(m1, m2, atol=0.05 * v1.sqrt().mean().item())
        assert torch.allclose(v1, v2, rtol=0.1, atol=1e-4)
    assert (a - b).abs().mul(127.5).mean() < 1.0


@pytest.mark.parametrize("value,overlap,message", [
    ("abc", 64, "give auto, off or a tile side"), ("8", 4, "at least 16 px"),
    ("64", 64, "must be smaller than the tile"), ("auto", -1, "0 or more")])
def test_bad_tile_options_are_one_line(value, overlap, message):
    from i2i.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        parse_tile(value, overlap)


def test_auto_tiles_only_images_too_large_for_one_pass():
    auto = parse_tile("auto", 64)
    assert not auto.applies(2048, 2048) and auto.applies(2049, 2048)
    forced = parse_tile("256", 32)
    assert forced.applies(300, 200) and not forced.applies(256, 256)
    assert parse_tile("off", 64) is None
