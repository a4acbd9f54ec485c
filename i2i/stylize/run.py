"""Files in, files out: what ``i2i stylize`` calls (single images, folders, textures).

Checks every input before the slow part starts, loads the network once, shows a progress
bar with the losses, writes outputs atomically and never over an input, and in a batch
reports each bad image and goes on, ending with PartialFailure.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from i2i.console import console
from i2i.errors import DataError, I2IError, PartialFailure, WeightsError
from i2i.images import (
    list_images,
    load_rgb,
    pil_to_tensor,
    protect,
    save_image_atomic,
)
from i2i.images import reason as failure_reason
from i2i.images import tensor_to_pil as _tensor_to_pil
from i2i.nets.vgg import VGGFeatures, layer_names, load_vgg
from i2i.outputs import check_output_dir, refuse_existing, remove_stale_temps
from i2i.stylize.grid import make_grid
from i2i.stylize.optimize import StepReport
from i2i.stylize.settings import StylizeSettings
from i2i.stylize.texture import synthesize_texture
from i2i.stylize.transfer import stylize_tensor
from i2i.training.device import select_device
from i2i.weights import local_file


@dataclass
class StylizeResult:
    """What a run wrote, and its final losses per output."""

    written: list[Path] = field(default_factory=list)
    losses: dict[Path, dict[str, float]] = field(default_factory=dict)


def image_to_tensor(img: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """PIL RGB -> (1, 3, H, W) float in [0, 1], contiguous."""
    return pil_to_tensor(img).add(1).div(2).unsqueeze(0).contiguous().to(device)


def tensor_to_image(t: torch.Tensor) -> Image.Image:
    return _tensor_to_pil(t[0].mul(2).sub(1))


def _check_output_extension(path: Path) -> None:
    if path.suffix.lower() not in Image.registered_extensions():
        raise DataError(f"unknown image extension '{path.suffix}' for {path}; use .png or .jpg")


def _require_file(path: Path, what: str) -> None:
    if not path.exists():
        raise DataError(f"{what} {path} does not exist")
    if not path.is_file():
        raise DataError(f"{what} {path} is not a file")


def plan_outputs(content: Path, out: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs: one file -> a file (or into a folder), a folder -> a folder."""
    if not content.exists():
        raise DataError(f"content {content} does not exist")
    if content.is_dir():
        if out.exists() and not out.is_dir():
            raise DataError(f"--out {out} is a file, but the content is a folder; give a folder")
        inside = out.resolve() == content.resolve() or content.resolve() in out.resolve().parents
        if inside:  # a rerun would stylize its own outputs
            raise DataError(f"--out {out} is inside the content folder {content}; choose a "
                            "folder outside the inputs")
        items = list_images(content)
        if not items:
            raise DataError(f"no images in {content}; expected .jpg/.png/... files")
        return [(item, out / item.relative_to(content)) for item in items]
    if out.is_dir() or not out.suffix:
        return [(content, out / content.name)]
    return [(content, out)]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[losses]}"), TimeElapsedColumn(),
        console=console, transient=True,
    )


def _loss_text(report: StepReport) -> str:
    parts = [f"{name} {value:.3g}" for name, value in report.losses.items() if name != "total"]
    scale = f"scale {report.scale}/{report.n_scales} " if report.n_scales > 1 else ""
    return scale + " ".join(parts)


def _load_model(settings: StylizeSettings, device: torch.device) -> VGGFeatures:
    order = layer_names(settings.network)
    deepest = max(settings.all_layers, key=order.index)
    try:
        return load_vgg(settings.network, settings.pooling, deepest, settings.weights_dir,
                        device)
    except WeightsError as err:
        other = "vgg16" if settings.network == "vgg19" else None
        here = other and local_file(other, settings.weights_dir)
        if not here:
            raise
        raise WeightsError(f"{err}; the {other.upper()} weights are here ({here}): "
                           f"--network {other} uses them") from err


def _load_init(settings: StylizeSettings, device: torch.device) -> torch.Tensor | None:
    if settings.init in ("content", "noise"):
        return None
    path = Path(settings.init)
    if path.is_dir():
        return mean_image(path, device)
    if not path.is_file():
        raise DataError(f"--init {path}: no such image or folder; use content, noise, an image "
                        "or a folder (its mean image)")
    return image_to_tensor(load_rgb(path), device)


def mean_image(folder: Path, device: torch.device | str = "cpu") -> torch.Tensor:
    """Pixel-wise mean of the images in ``folder``, each resized to the first one's size."""
    items = list_images(folder)
    if not items:
        raise DataError(f"--init {folder}: the folder holds no images")
    first = load_rgb(items[0])
    total = image_to_tensor(first)
    for item in items[1:]:
        total += image_to_tensor(load_rgb(item).resize(first.size, Image.BICUBIC))
    return (total / len(items)).to(device)


def _intermediate_path(out: Path, step: int) -> Path:
    return out.with_name(f"{out.stem}.step{step:04d}{out.suffix}")


def _init_paths(settings: StylizeSettings) -> list[Path]:
    return [] if settings.init in ("content", "noise") else [Path(settings.init)]


def _check_nothing_replaced(dests: list[Path], inputs: list[Path],
                            settings: StylizeSettings) -> None:
    """Before the slow part: no output (result, grid, --save-every steps) would replace an
    input, nor an existing file without --overwrite."""
    for dest in dests:
        planned = [dest] + ([grid_path(dest)] if settings.grid else [])
        if settings.save_every:  # the steps saved depend on scales: any such name counts
            planned += sorted(dest.parent.glob(glob.escape(dest.stem) + ".step[0-9][0-9][0-9]*"
                                               + glob.escape(dest.suffix)))
        for path in planned:
            refuse_existing(path, "--out", inputs, settings.overwrite)


def run_stylize(
    content: Path, styles: list[Path], out: Path, settings: StylizeSettings
) -> StylizeResult:
    """Style-transfer one image or a folder of images; see ``i2i stylize --help``."""
    if not styles:
        raise DataError("no style image given; pass one or more after the content image")
    settings = settings.validate(n_styles=len(styles))
    for style in styles:
        _require_file(style, "style image")
    pairs = plan_outputs(Path(content), Path(out))
    for _, dest in pairs:
        _check_output_extension(dest)
    check_output_dir(Path(out) if Path(content).is_dir() else pairs[0][1].parent,
                     shown=Path(out))
    _check_nothing_replaced([dest for _, dest in pairs],
                            [Path(content), *styles, *_init_paths(settings)], settings)
    remove_stale_temps(Path(out) if Path(content).is_dir() else pairs[0][1].parent)
    device = select_device(settings.device)
    style_images = [load_rgb(style) for style in styles]
    style_tensors = [image_to_tensor(img, device) for img in style_images]
    init = _load_init(settings, device)
    protected = protect([src for src, _ in pairs] + list(styles)
                        + ([Path(settings.init)] if init is not None else []))
    model = _load_model(settings, device)

    result = StylizeResult()
    failures: list[tuple[Path, str]] = []
    with _progress() as progress:
        images_task = progress.add_task("images", total=len(pairs), losses="")
        for src, dest in pairs:
            steps_task = None
            try:
                content_img = load_rgb(src)
                steps_task = progress.add_task(src.name, total=None, losses="")

                def on_step(report: StepReport, _image, task=steps_task) -> None:
                    progress.update(task, completed=report.step, total=report.total_steps,
                                    losses=_loss_text(report))

                def on_save(step: int, image: torch.Tensor, dest=dest) -> None:
                    save_image_atomic(tensor_to_image(image), _intermediate_path(dest, step),
                                      protected)

                image, losses = stylize_tensor(
                    model, image_to_tensor(content_img, device), style_tensors, settings,
                    init=init, on_step=on_step, on_save=on_save,
                )
                progress.remove_task(steps_task)
                steps_task = None
                styled = tensor_to_image(image)
                save_image_atomic(styled, dest, protected)
                if settings.grid:
                    panels = [("content", content_img)]
                    panels += [(f"style {i + 1}" if len(styles) > 1 else "style", img)
                               for i, img in enumerate(style_images)]
                    panels.append(("result", styled))
                    save_image_atomic(make_grid(panels), grid_path(dest), protected)
                result.written.append(dest)
                result.losses[dest] = losses
            except I2IError as err:  # e.g. unreadable, or too small after resizing
                if steps_task is not None:
                    progress.remove_task(steps_task)
                if len(pairs) == 1:
                    raise
                failures.append((src, failure_reason(err, src)))
            progress.advance(images_task)
    if failures:
        for src, reason in failures:  # listed once here, counted once in the error line
            console.print(f"[red]failed[/] {src}: {reason}", soft_wrap=True)
        rest = "the others were written" if result.written else "none was written"
        raise PartialFailure(f"{len(failures)} of {len(pairs)} images failed (listed above); "
                             f"{rest}")
    return result


def grid_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}_grid{out.suffix}")


def run_texture(source: Path, out: Path, settings: StylizeSettings) -> StylizeResult:
    """Synthesise a texture like ``source`` of ``settings.texture_size`` (or size x size)."""
    settings = settings.validate(n_styles=1)
    _require_file(Path(source), "texture image")
    out = Path(out)
    if out.is_dir() or not out.suffix:
        out = out / f"{Path(source).stem}_texture.png"
    _check_output_extension(out)
    check_output_dir(out.parent, shown=out)
    _check_nothing_replaced([out], [Path(source), *_init_paths(settings)], settings)
    device = select_device(settings.device)
    source_img = load_rgb(Path(source))
    init = _load_init(settings, device)
    model = _load_model(settings, device)
    width, height = settings.texture_size or (settings.size, settings.size)
    protected = protect([Path(source)] + ([Path(settings.init)] if init is not None else []))
    with _progress() as progress:
        task = progress.add_task(f"texture {width}x{height}", total=settings.steps, losses="")

        def on_step(report: StepReport, _image) -> None:
            progress.update(task, completed=report.step, total=report.total_steps,
                            losses=_loss_text(report))

        def on_save(step: int, image: torch.Tensor) -> None:
            save_image_atomic(tensor_to_image(image), _intermediate_path(out, step), protected)

        image, losses = synthesize_texture(
            model, image_to_tensor(source_img, device), (height, width), settings,
            init=init, on_step=on_step, on_save=on_save,
        )
    texture = tensor_to_image(image)
    save_image_atomic(texture, out, protected)
    if settings.grid:
        save_image_atomic(make_grid([("source", source_img), ("texture", texture)]),
                          grid_path(out), protected)
    return StylizeResult(written=[out], losses={out: losses})

