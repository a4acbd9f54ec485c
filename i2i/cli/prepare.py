"""``i2i prepare``: folders of images (or a hand-fetched archive) -> a training layout."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console, out


def prepare(
    inputs: list[str] = typer.Argument(
        None, help="One or two image folders (A, B), or a catalog NAME with --from.",
        autocompletion=complete.prepare_inputs),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Output folder (new or empty)."),
    from_: list[Path] = typer.Option(None, "--from",
                                     help="Hand-downloaded file(s) for a catalog NAME."),
    pair: bool = typer.Option(False, "--pair",
                              help="Pair folders A and B by file name into A|B images."),
    split_pairs: bool = typer.Option(False, "--split-pairs",
                                     help="Cut side-by-side A|B images back into A and B."),
    size: int = typer.Option(256, "--size", help="Target size in pixels (0: keep)."),
    resize: str = typer.Option("shorter", "--resize", help="shorter | exact | none."),
    crop: str = typer.Option("center", "--crop", help="center | random | none."),
    test_fraction: float = typer.Option(0.1, "--test-fraction", help="Share for test/."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split and random crops."),
    drop_grayscale: bool = typer.Option(False, "--drop-grayscale",
                                        help="Drop monochrome images."),
    min_side: int = typer.Option(32, "--min-side", help="Drop images smaller than this."),
    fmt: str = typer.Option("png", "--format", help="png | jpg | npz (shards)."),
    shard_size: int = typer.Option(1000, "--shard-size", help="Images per npz shard."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", "-j",
                                help="Worker processes."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Resize, crop, clean and split images into trainA/trainB/testA/testB (or A|B pairs).

    Examples:

        i2i prepare ./my_photos ./my_paintings --out ./photo2art --size 256

        i2i prepare ./celeba ./cartoonset --out ./celeb2cartoon --size 64 --format npz

        i2i prepare --pair ./facades/A ./facades/B --out ./facades_AB

        i2i prepare --split-pairs ./datasets/facades --out ./facades_split --size 0

        i2i prepare cityscapes --from gtFine.zip --from leftImg8bit.zip --out ./cityscapes
    """
    from i2i.data.prepare import PrepareOptions
    from i2i.data.prepare_front import prepare_job
    from i2i.errors import PartialFailure

    opts = PrepareOptions(
        size=size or None, resize=resize, crop=crop, test_fraction=test_fraction, seed=seed,
        drop_grayscale=drop_grayscale, min_side=min_side, format=fmt, shard_size=shard_size,
        workers=max(1, workers),
    )
    mode = "pair" if pair else "split" if split_pairs else "from" if from_ else "folders"
    report = prepare_job(mode, list(inputs or []), list(from_ or []), out_dir, opts,
                         progress=not quiet)
    for file, reason in report.dropped:
        console.print(f"[yellow]dropped[/] {file}: {reason}", soft_wrap=True)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()))
    out.print(f"prepared {report.out} ({counts}; {report.already_done} already done, "
              f"{len(report.dropped)} dropped); report: {report.out / 'prepare_report.json'}")
    if report.unreadable:
        raise PartialFailure(f"{len(report.unreadable)} image(s) could not be read (listed "
                             f"above); the rest is prepared in {report.out}")
