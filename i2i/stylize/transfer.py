"""One content image (or none, for textures) + style images -> one optimised image.

Tensors here are (1, 3, H, W) RGB in [0, 1] on the model's device. The style images are
resized so their long side matches the output's (or ``style_size``), and shrink with the
output at the coarse levels, so a brush stroke keeps the same size relative to the image.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from i2i.errors import ConfigError
from i2i.nets.vgg import VGGFeatures, layer_names, min_size_for
from i2i.stylize import color
from i2i.stylize.losses import content_loss, gram_matrix, style_loss, tv_loss
from i2i.stylize.optimize import (
    Objective,
    StepCallback,
    StepReport,
    coarse_to_fine,
    resize,
    scale_sizes,
)
from i2i.stylize.settings import StylizeSettings

SaveCallback = Callable[[int, torch.Tensor], None]


def fit_long_side(hw: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(H, W) scaled so that max(H, W) == long_side, keeping the aspect ratio."""
    h, w = hw
    scale = long_side / max(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def style_targets(
    model: VGGFeatures, styles: list[torch.Tensor], weights: list[float], layers: list[str]
) -> dict[str, torch.Tensor]:
    """Gram matrices of the styles, blended by weight.

    With weights summing to 1, the weighted sum of the squared distances to each style's
    Gram matrix equals the distance to the blended matrix plus a constant, so blending the
    targets gives the same optimum as a sum of per-style losses, at the cost of one.
    """
    targets: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for style, weight in zip(styles, weights, strict=True):
            features = model(style, layers)
            for layer in layers:
                gram = weight * gram_matrix(features[layer])
                targets[layer] = gram if layer not in targets else targets[layer] + gram
    return targets


def make_objective(
    model: VGGFeatures,
    settings: StylizeSettings,
    grams: dict[str, torch.Tensor],
    content_features: torch.Tensor | None,
) -> Objective:
    """image -> {"total", "style", "tv"[, "content"]}, the weighted Gatys objective."""
    layer_weights = settings.normalised_layer_weights
    wanted = list(settings.style_layers)
    if content_features is not None:
        wanted.append(settings.content_layer)

    def objective(image: torch.Tensor) -> dict[str, torch.Tensor]:
        features = model(image, wanted)
        losses = {"style": style_loss(features, grams, layer_weights)}
        total = settings.style_weight * losses["style"]
        if content_features is not None:
            losses["content"] = content_loss(features[settings.content_layer], content_features)
            total = total + settings.content_weight * losses["content"]
        losses["tv"] = tv_loss(image)
        losses["total"] = total + settings.tv_weight * losses["tv"]
        return losses

    return objective


def check_size(hw: tuple[int, int], settings: StylizeSettings, what: str) -> None:
    """ConfigError when ``hw`` is too small for the deepest layer used."""
    need = min_size_for(settings.network, settings.all_layers)
    if min(hw) < need:
        order = layer_names(settings.network)
        deepest = max(settings.all_layers, key=order.index)
        raise ConfigError(
            f"{what} is {hw[1]}x{hw[0]} px, too small for the layers used (needs at least "
            f"{need} px on each side for {deepest}); raise --size or use shallower layers"
        )


def check_memory(model: VGGFeatures, settings: StylizeSettings, hw: tuple[int, int],
                 device: torch.device) -> None:
    """Before anything of size ``hw`` is allocated: the optimisation's activations (kept
    for the backward pass, measured at a small size and scaled), the image, its gradient
    and the content fit, else one line naming the memory and a --size that fits."""
    from i2i.memory import available_memory, backward_bytes_per_pixel, check_fits, largest_side

    side = max(64, min_size_for(settings.network, settings.all_layers))
    probe = torch.zeros(1, 3, side, side, device=device)
    per_pixel = backward_bytes_per_pixel(model, probe, settings.all_layers) + 3 * 3 * 4
    # the long side that fits at this aspect ratio (area = long side^2 * short / long)
    fits = largest_side(per_pixel * min(hw) / max(hw), available_memory(device))
    check_fits(int(per_pixel * hw[0] * hw[1]), device,
               f"--size {settings.size}: optimising a {hw[1]}x{hw[0]} image",
               f"lower --size (about {fits} px fits)")


def noise_like(hw: tuple[int, int], seed: int, device: torch.device) -> torch.Tensor:
    """Seeded grey-centred white noise, drawn on the CPU so every device gets the same."""
    generator = torch.Generator().manual_seed(seed)
    noise = 0.5 + 0.15 * torch.randn(1, 3, *hw, generator=generator)
    return noise.clamp(0, 1).to(device)


def optimise(
    model: VGGFeatures,
    settings: StylizeSettings,
    final_hw: tuple[int, int],
    styles: list[torch.Tensor],
    content: torch.Tensor | None,
    init: torch.Tensor | None,
    on_step: StepCallback | None = None,
    on_save: SaveCallback | None = None,
    finish: Callable[[torch.Tensor], torch.Tensor] = lambda image: image,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The shared core of transfer and texture synthesis (inputs already prepared)."""
    check_size(final_hw, settings, "the output")
    device = styles[0].device
    weights = list(settings.style_weights or [1.0] * len(styles))
    weights = [w / sum(weights) for w in weights]
    style_long = settings.style_size or max(final_hw)
    min_side = min_size_for(settings.network, settings.all_layers)
    sizes = scale_sizes(final_hw, settings.scales, min_side)

    def objective_at(hw: tuple[int, int]) -> Objective:
        ratio = max(hw) / max(final_hw)
        scaled = []
        for style in styles:
            style_hw = fit_long_side(tuple(style.shape[-2:]), round(style_long * ratio))
            check_size(style_hw, settings, "a resized style image")
            scaled.append(resize(style, style_hw))
        grams = style_targets(model, scaled, weights, list(settings.style_layers))
        target = None
        if content is not None:
            with torch.no_grad():
                target = model(resize(content, hw), [settings.content_layer])
                target = target[settings.content_layer]
        return make_objective(model, settings, grams, target)

    def first_image(hw: tuple[int, int]) -> torch.Tensor:
        if init is not None:
            return resize(init, hw).clamp(0, 1)
        return noise_like(hw, settings.seed, device)

    def step_hook(report: StepReport, image: torch.Tensor) -> None:
        if on_step is not None:
            on_step(report, image)
        if on_save is not None and settings.save_every and report.step % settings.save_every == 0:
            on_save(report.step, finish(image.clamp(0, 1)))

    torch.manual_seed(settings.seed)
    image, losses = coarse_to_fine(
        sizes, objective_at, first_image, settings.steps, settings.optimizer, settings.lr,
        step_hook,
    )
    return finish(image), losses


def stylize_tensor(
    model: VGGFeatures,
    content: torch.Tensor,
    styles: list[torch.Tensor],
    settings: StylizeSettings,
    init: torch.Tensor | None = None,
    on_step: StepCallback | None = None,
    on_save: SaveCallback | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Gatys style transfer of ``content`` (any size; resized to ``settings.size``).

    ``init`` is an image to start from; None means the content image (``init="content"``)
    or white noise (``init="noise"``), following ``settings.init``.
    """
    final_hw = fit_long_side(tuple(content.shape[-2:]), settings.size)
    check_memory(model, settings, final_hw, content.device)
    content = resize(content, final_hw)
    finish: Callable[[torch.Tensor], torch.Tensor] = lambda image: image  # noqa: E731
    if settings.preserve_color and settings.color_mode == "luminance":
        styles = [color.match_luminance(style, content) for style in styles]
        coloured = content
        content = color.luminance(content)
        if init is not None:
            init = color.luminance(init)

        def finish(image: torch.Tensor) -> torch.Tensor:
            return color.join_luminance(image, resize(coloured, tuple(image.shape[-2:])))
    elif settings.preserve_color:
        styles = [color.match_histogram(style, content) for style in styles]
    if init is None and settings.init == "content":
        init = content
    return optimise(model, settings, final_hw, styles, content, init, on_step, on_save, finish)
