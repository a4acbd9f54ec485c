"""The optimisation with the real VGG16: style transfer, texture synthesis, options.

Sizes are small (64 px, conv5_1 is then 4x4) and steps few so the file runs in well under
a minute on two CPU cores; the stated factors hold there with a wide margin.
"""

from __future__ import annotations

import pytest
import torch

from i2i.stylize.losses import content_loss, gram_matrix, style_loss
from i2i.stylize.optimize import optimize_pixels, scale_sizes
from i2i.stylize.settings import StylizeSettings
from i2i.stylize.texture import synthesize_texture
from i2i.stylize.transfer import noise_like, stylize_tensor

SETTINGS = StylizeSettings(network="vgg16", size=64, steps=20)
LAYERS = list(SETTINGS.style_layers)
EQUAL = SETTINGS.normalised_layer_weights


def measured_style_loss(model, image, style) -> float:
    with torch.no_grad():
        grams = {k: gram_matrix(v) for k, v in model(style, LAYERS).items()}
        return style_loss(model(image, LAYERS), grams, EQUAL).item()


def measured_content_loss(model, image, content) -> float:
    with torch.no_grad():
        a = model(image, ["conv4_2"])["conv4_2"]
        b = model(content, ["conv4_2"])["conv4_2"]
        return content_loss(a, b).item()


def test_style_transfer_cuts_the_style_loss_fifteenfold_and_keeps_the_content(vgg16, photo, starry):
    result, _ = stylize_tensor(vgg16, photo, [starry], SETTINGS)
    assert result.shape == photo.shape
    before = measured_style_loss(vgg16, photo, starry)
    after = measured_style_loss(vgg16, result, starry)
    assert after < before / 15, (before, after)
    # with the default weights the result stays closer in content to the photo than the
    # painting is (measured: about 0.75 of the painting's content loss)
    painting = torch.nn.functional.interpolate(starry, size=photo.shape[-2:], mode="bilinear")
    content_of_result = measured_content_loss(vgg16, result, photo)
    content_of_painting = measured_content_loss(vgg16, painting, photo)
    assert content_of_result < content_of_painting, (content_of_result, content_of_painting)


def test_texture_synthesis_from_noise_cuts_the_style_loss_fifteenfold(vgg16, starry):
    settings = SETTINGS.with_(init="noise", style_size=64, seed=3)
    texture, _ = synthesize_texture(vgg16, starry, (64, 80), settings)
    assert texture.shape == (1, 3, 64, 80)  # any size, here not the source's aspect
    noise = noise_like((64, 80), seed=3, device=torch.device("cpu"))
    before = measured_style_loss(vgg16, noise, starry)
    after = measured_style_loss(vgg16, texture, starry)
    assert after < before / 15, (before, after)


def test_the_same_seed_gives_the_same_image_and_another_seed_does_not(vgg16, starry):
    settings = SETTINGS.with_(init="noise", steps=3, style_size=48)
    a, _ = synthesize_texture(vgg16, starry, (32, 32), settings)
    b, _ = synthesize_texture(vgg16, starry, (32, 32), settings)
    c, _ = synthesize_texture(vgg16, starry, (32, 32), settings.with_(seed=1))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_adam_also_lowers_the_objective(vgg16, starry):
    with torch.no_grad():
        grams = {k: gram_matrix(v) for k, v in vgg16(starry, LAYERS).items()}

    def objective(image):
        loss = style_loss(vgg16(image, LAYERS), grams, EQUAL) * 1e5
        return {"total": loss}

    seen = []
    start = noise_like((48, 48), seed=0, device=torch.device("cpu"))
    optimize_pixels(start, objective, 15, "adam", lr=0.05,
                    on_step=lambda report, image: seen.append(report.losses["total"]))
    assert seen[-1] < seen[0] / 2


def test_preserve_color_luminance_keeps_the_photo_colours(vgg16, photo, starry):
    from i2i.stylize.color import rgb_to_yiq

    settings = SETTINGS.with_(steps=5, preserve_color=True, color_mode="luminance")
    result, _ = stylize_tensor(vgg16, photo, [starry], settings)
    chroma_result, chroma_photo = rgb_to_yiq(result)[:, 1:], rgb_to_yiq(photo)[:, 1:]
    # only clamping to [0, 1] may move the chrominance
    assert (chroma_result - chroma_photo).abs().mean() < 0.01


def test_coarse_to_fine_levels_halve_and_save_every_reports_each_scale(vgg16, photo, starry):
    assert scale_sizes((1024, 768), 0, 16) == [(512, 384), (1024, 768)]
    assert scale_sizes((96, 64), 3, 16) == [(24, 16), (48, 32), (96, 64)]
    assert scale_sizes((96, 64), 3, 32) == [(48, 32), (96, 64)]
    saved = []
    settings = SETTINGS.with_(steps=2, scales=2, save_every=1)
    result, _ = stylize_tensor(vgg16, photo, [starry], settings,
                               on_save=lambda step, image: saved.append((step, image.shape)))
    assert [step for step, _ in saved] == [1, 2, 3, 4]
    assert saved[0][1][-1] == 32 and saved[-1][1][-1] == 64


def test_an_output_too_small_for_the_deepest_layer_is_one_line(vgg16, photo, starry):
    from i2i.errors import ConfigError

    with pytest.raises(ConfigError, match="too small.*conv5_1"):
        stylize_tensor(vgg16, photo, [starry], SETTINGS.with_(size=12))
    # the deepest layer is named whatever order the layers were given in
    reordered = SETTINGS.with_(size=12, style_layers=("conv5_1", "conv1_1"))
    with pytest.raises(ConfigError, match="too small.*conv5_1"):
        stylize_tensor(vgg16, photo, [starry], reordered)
