"""``i2i stylize``: Gatys neural style transfer and texture synthesis (thin wrapper)."""

from __future__ import annotations

from pathlib import Path

import typer

from i2i.console import console
from i2i.errors import ConfigError
from i2i.stylize.settings import StylizeSettings, parse_floats, parse_names, parse_size

_D = StylizeSettings()


def stylize(
    inputs: list[Path] = typer.Argument(
        None, help="CONTENT (image or folder) followed by one or more STYLE images.",
        show_default=False,
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output image, or folder for a folder."),
    texture: Path | None = typer.Option(
        None, "--texture", help="Synthesise a texture like this image (no content).",
    ),
    size: str = typer.Option(
        str(_D.size), "--size", help="Long side of the result in px; textures: N or WxH."
    ),
    steps: int = typer.Option(_D.steps, "--steps", help="Optimisation steps per scale."),
    style_weights: str | None = typer.Option(
        None, "--style-weights", help="Mix of several styles, e.g. 0.7,0.3."
    ),
    preserve_color: bool = typer.Option(
        False, "--preserve-color", help="Keep the content's colours (see --color-mode)."
    ),
    color_mode: str = typer.Option(
        _D.color_mode, "--color-mode", help="luminance (exact colours) or histogram."
    ),
    content_layer: str = typer.Option(
        _D.content_layer, "--content-layer",
        help="VGG layer whose features the result keeps from the content image.",
    ),
    style_layers: str = typer.Option(
        ",".join(_D.style_layers), "--style-layers",
        help="Comma-separated VGG layers whose Gram matrices carry the style.",
    ),
    layer_weights: str | None = typer.Option(
        None, "--layer-weights", help="One per style layer, e.g. 1,1,1,0.5,0.5 (default equal)."
    ),
    content_weight: float = typer.Option(
        _D.content_weight, "--content-weight", help="Weight of the content loss."
    ),
    style_weight: float = typer.Option(
        _D.style_weight, "--style-weight",
        help="Weight of the style loss (higher: more style, less content).",
    ),
    tv_weight: float = typer.Option(_D.tv_weight, "--tv-weight", help="Smoothness."),
    network: str = typer.Option(_D.network, "--network", help="vgg19 or vgg16."),
    pooling: str = typer.Option(_D.pooling, "--pooling", help="avg (smoother) or max."),
    optimizer: str = typer.Option(_D.optimizer, "--optimizer", help="lbfgs or adam."),
    lr: float = typer.Option(_D.lr, "--lr", help="Adam step size (pixels in [0, 1])."),
    init: str = typer.Option(
        _D.init, "--init", help="content, noise, an image, or a folder (its mean image)."
    ),
    scales: int = typer.Option(
        _D.scales, "--scales", help="Coarse-to-fine levels (0: automatic above 512 px)."
    ),
    style_size: int | None = typer.Option(
        None, "--style-size", help="Long side of the style images in px (default: output's)."
    ),
    save_every: int = typer.Option(0, "--save-every", help="Also save every N steps."),
    seed: int = typer.Option(
        _D.seed, "--seed", help="Seed of the noise start (same seed, same result)."
    ),
    device: str = typer.Option(_D.device, "--device", help="auto, cpu, cuda, cuda:1, mps."),
    grid: bool = typer.Option(False, "--grid", help="Also write NAME_grid: inputs and result."),
    weights_dir: Path | None = typer.Option(
        None, "--weights-dir", help="Folder holding the VGG weights (else I2I_WEIGHTS_DIR/cache)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace existing outputs (never an input)."
    ),
) -> None:
    """Paint a photo in the style of a painting (Gatys et al.), or synthesise a texture.

    Examples:

        i2i stylize photo.jpg starry_night.jpg --out photo_starry.jpg

        i2i stylize ./photos/ starry_night.jpg --out ./styled/ --size 512 --steps 300

        i2i stylize photo.jpg a.jpg b.jpg --style-weights 0.7,0.3 --preserve-color

        i2i stylize --texture gravel.jpg --size 256 --out texture.png

        i2i stylize photo.jpg starry_night.jpg --out out.jpg --network vgg16 --grid
    """
    from i2i.stylize.run import run_stylize, run_texture

    long_side, texture_size = parse_size(size)
    settings = StylizeSettings(
        network=network, pooling=pooling, content_layer=content_layer,
        style_layers=parse_names(style_layers) or (),
        layer_weights=parse_floats(layer_weights, "--layer-weights"),
        content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight,
        style_weights=parse_floats(style_weights, "--style-weights"),
        size=long_side, texture_size=texture_size, style_size=style_size, scales=scales,
        steps=steps, optimizer=optimizer, lr=lr, init=init, seed=seed, save_every=save_every,
        device=device, preserve_color=preserve_color, color_mode=color_mode, grid=grid,
        weights_dir=weights_dir, overwrite=overwrite,
    )
    inputs = list(inputs or [])
    if texture is not None:
        if inputs:
            raise ConfigError("--texture takes no content or style images; give one or the other")
        result = run_texture(texture, out, settings)
    else:
        if len(inputs) < 2:
            raise ConfigError(
                "give a content image (or folder) and at least one style image, or --texture IMAGE"
            )
        result = run_stylize(inputs[0], inputs[1:], out, settings)
    for path in result.written:
        console.print(f"wrote {path}")
