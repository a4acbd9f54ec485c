"""Colour preservation: luminance-only joins and histogram matching."""

from __future__ import annotations

import torch

from i2i.stylize import color


def _image(seed: int, tint: tuple[float, float, float]) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 1, 16, 16, generator=gen) * 0.5
    return (base + torch.tensor(tint).view(1, 3, 1, 1) * 0.5).clamp(0, 1)


def test_yiq_round_trip_is_lossless():
    image = _image(0, (0.2, 0.5, 0.9))
    assert torch.allclose(color.yiq_to_rgb(color.rgb_to_yiq(image)), image, atol=1e-5)


def test_join_luminance_keeps_the_content_chroma_and_the_result_luminance():
    content, result = _image(0, (0.9, 0.3, 0.1)), _image(1, (0.1, 0.3, 0.9))
    joined = color.join_luminance(result, content)
    yiq_joined, yiq_content, yiq_result = (color.rgb_to_yiq(x) for x in (joined, content, result))
    assert torch.allclose(yiq_joined[:, 1:], yiq_content[:, 1:], atol=2e-2)
    assert torch.allclose(yiq_joined[:, :1], yiq_result[:, :1], atol=2e-2)


def test_match_luminance_gives_the_style_the_content_brightness_and_contrast():
    style, content = _image(2, (0.1, 0.1, 0.1)), _image(3, (0.8, 0.8, 0.6))
    matched = color.match_luminance(style, content)
    target = color.luminance(content)
    assert abs(matched.mean() - target.mean()) < 1e-3
    assert abs(matched.std() - target.std()) < 1e-3


def test_match_histogram_moves_the_style_colours_onto_the_content_distribution():
    style, content = _image(4, (0.1, 0.2, 0.9)), _image(5, (0.9, 0.5, 0.1))
    matched = color.match_histogram(style, content)
    for c in range(3):
        assert abs(matched[0, c].mean() - content[0, c].mean()) < 0.02
    assert abs(matched[0, 2].mean() - style[0, 2].mean()) > 0.2  # it really changed
