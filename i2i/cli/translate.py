"""``i2i translate``: a trained run turns input images into outputs, one per input (or K
per input with ``--samples K`` for a multimodal method such as BicycleGAN)."""

from __future__ import annotations

from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console


def translate(
    run: Path = typer.Argument(..., help="Run folder (runs/NAME), a checkpoint file, or a "
                               "downloaded model (i2i download --list-models).",
                               autocompletion=complete.run_or_model),
    inputs: list[str] = typer.Argument(..., help="Image files, folders (recursive) or globs."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    direction: str = typer.Option("AtoB", "--direction", help="AtoB or BtoA."),
    checkpoint: str = typer.Option(None, "--checkpoint",
                                   help="Checkpoint name in the run (default: latest)."),
    batch_size: int = typer.Option(1, "--batch-size", "-b", help="Images per forward pass."),
    fit: str = typer.Option("pad", "--fit",
                            help="pad: translate at full size; resize: at the training size."),
    ext: str = typer.Option(None, "--ext", help="Output extension (default: the input's)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N or mps."),
    eval_mode: bool = typer.Option(False, "--eval",
                                   help="Nets in eval mode (running BN stats, no dropout)."),
    workers: int = typer.Option(2, "--workers", help="Threads that read images."),
    redo: bool = typer.Option(False, "--redo",
                              help="Translate again outputs that already exist (default: "
                              "skip them, so a rerun after Ctrl-C continues)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    samples: int = typer.Option(None, "--samples", "-k",
                                help="Multimodal methods (bicyclegan): K outputs per input, "
                                "NAME_0 ... NAME_{K-1}, from K random latent codes."),
    seed: int = typer.Option(None, "--seed",
                             help="Seed of the --samples codes (default 0): the same seed "
                             "gives the same outputs."),
    tile: str = typer.Option("auto", "--tile",
                             help="auto: images over 4 megapixels go through in 1024 px "
                             "tiles, in bounded memory; off; or a tile side in px."),
    tile_overlap: int = typer.Option(64, "--tile-overlap",
                                     help="Pixels neighbouring tiles share and blend."),
    reference: Path = typer.Option(None, "--reference",
                                   help="Multimodal methods: one output per input, with the "
                                   "latent code encoded from this example output image."),
) -> None:
    """Translate images with a trained run; outputs keep relative paths and stems.

    Builtin data works as input too: builtin:toy/testA.

    Examples:

        i2i translate runs/horse2zebra ./photos --out ./out --direction AtoB

        i2i translate runs/toy builtin:toy/testA --out out/toy --batch-size 8

        i2i translate runs/h2z 'shots/**/*.jpg' --out zebras --checkpoint epoch_0100 --fit resize

        i2i translate runs/edges2shoes ./edges --out ./shoes --samples 10 --seed 1

        i2i translate runs/edges2shoes ./edges --out ./red --reference red_shoe.jpg

        i2i translate runs/h2z panorama_8k.jpg --out big --tile 1024

    --samples or --reference on a method without latent codes is an error (exit 2).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from i2i.errors import ConfigError, PartialFailure
    from i2i.inference.files import FITS, collect_jobs, output_suffix, split_done, translate_files
    from i2i.inference.tiling import parse_tile
    from i2i.outputs import check_output_dir, remove_stale_temps
    from i2i.runs import load_for_inference
    from i2i.training.device import select_device

    if fit not in FITS:
        raise ConfigError(f"--fit is '{fit}'; choose one of: {', '.join(FITS)}")
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    _check_latent_options(samples, seed, reference)
    tiling = parse_tile(tile, tile_overlap)
    output_suffix(ext)
    check_output_dir(out)
    method, cfg, path = load_for_inference(run, checkpoint, select_device(device), eval_mode)
    if direction not in method.generator_for:
        valid = ", ".join(method.generator_for)
        raise ConfigError(f"--direction '{direction}' is not one of: {valid}")
    latents = _latents(method, samples, seed, reference, direction, out)
    if tiling is not None and not method.tileable:
        if tiling.always:
            raise ConfigError(f"{method.name} refines each image as a whole; it cannot "
                              "translate in tiles (drop --tile)")
        tiling = None
    jobs = collect_jobs([_expand_builtin(i, cfg.data.crop_size) for i in inputs], out, ext)
    for job in jobs:
        job.samples = samples or 0
    remove_stale_temps(out)
    done: list = []
    if not redo:
        jobs, done = split_done(jobs)
    each = f", {samples} samples each" if samples else ""
    console.print(f"[bold]i2i translate[/] {len(jobs)} image(s) with {path.name} "
                  f"({direction}{each}) -> {out}")
    if done:
        console.print(f"skipping {len(done)} image(s) already translated in {out} (--redo "
                      "translates them again)")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, disable=quiet) as bar:
        task = bar.add_task("translate", total=len(jobs))
        if hasattr(method, "on_translate_step"):  # each image is an optimisation: its own bar
            steps = bar.add_task("optimising", total=None)
            method.on_translate_step = lambda step, total: bar.update(steps, completed=step,
                                                                       total=total)
        result = translate_files(method, jobs, direction, batch_size, fit, workers,
                                 progress=lambda n: bar.advance(task, n), latents=latents,
                                 tiling=tiling)
    console.print(f"[green]wrote {len(result.written)} image(s)[/] to {out}")
    if result.failed:
        for source, reason in result.failed:
            console.print(f"[red]failed[/] {source}: {reason}", soft_wrap=True)
        rest = ("the rest were translated" if result.written
                else "none were translated")
        raise PartialFailure(f"{len(result.failed)} of {len(jobs)} image(s) failed (listed "
                             f"above); {rest}")


def _check_latent_options(samples: int | None, seed: int | None, reference: Path | None):
    """The latent-code options make sense together only so (checked before any loading)."""
    from i2i.errors import ConfigError
    from i2i.inference.latent_codes import check_samples

    if samples is not None and reference is not None:
        raise ConfigError("--samples draws random latent codes and --reference encodes one; "
                          "give one of them")
    if seed is not None and samples is None:
        raise ConfigError("--seed picks the random codes of --samples; give --samples K too")
    if samples is not None:
        check_samples(samples)


def _latents(method, samples: int | None, seed: int | None, reference: Path | None,
             direction: str, out: Path):
    """The codes translate gives a multimodal method: None (one plain output per input),
    K random ones, or a reference's. A method without codes refuses both in one line."""
    from i2i.inference.latent_codes import RandomSamples, ReferenceCode

    if samples is not None:
        method.require_latents("--samples")
        return RandomSamples(samples, 0 if seed is None else seed, out)
    if reference is not None:
        return ReferenceCode(method, reference, direction)
    return None


def _expand_builtin(item: str, size: int) -> str:
    """``builtin:NAME/sub`` inputs resolve to the embedded dataset's folder."""
    if not item.startswith("builtin:"):
        return item
    from i2i.data.datasets import resolve_root

    return str(resolve_root(item, size))
