"""``i2i import``: a reference-code experiment or generator file becomes an i2i run."""

from __future__ import annotations

from pathlib import Path

import typer

from i2i.console import console


def import_(
    source: Path = typer.Argument(..., help="Reference experiment folder (checkpoints/NAME) "
                                  "or one generator .pth file."),
    from_: str = typer.Option(..., "--from",
                              help="Code it was trained with: junyanz (CycleGAN, pix2pix), "
                              "cut, fastcut or sc (F-LSeSim)."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Run folder to create (default runs/NAME); must be new."),
    epoch: str = typer.Option("latest", "--epoch",
                              help="Folder: which N_net_G*.pth to import (latest or N)."),
    model: str = typer.Option(None, "--model",
                              help="i2i method (default: from train_opt.txt, else a U-Net is "
                              "pix2pix and a ResNet cyclegan)."),
    direction: str = typer.Option(None, "--direction",
                                  help="One file: the way it translates, AtoB or BtoA "
                                  "(default BtoA for *net_G_B.pth, else AtoB)."),
    dropout: bool = typer.Option(None, "--dropout/--no-dropout",
                                 help="A U-Net's dropout, when no train_opt.txt says it."),
    data: str = typer.Option(None, "--data",
                             help="The dataset folder it was trained on (for i2i evaluate; "
                             "default: train_opt.txt's dataroot)."),
) -> None:
    """Import reference-code checkpoints into an i2i run that translate and evaluate use.

    Examples:

        i2i import ./checkpoints/horse2zebra --from junyanz

        i2i import latest_net_G.pth --from cut --out runs/cut_h2z

        i2i import facades_label2photo.pth --from junyanz --dropout --out runs/facades

        i2i translate runs/horse2zebra ./horses --out ./zebras
    """
    from i2i.errors import ConfigError
    from i2i.interop.reference_import import check_source, import_experiment, import_generator_file

    check_source(from_)
    hints = {"dropout": dropout, "data": data}
    out = out if out is not None else Path("runs") / _default_name(source)
    if source.is_dir():
        if direction is not None:
            raise ConfigError("--direction is for one generator file; a folder's G_A "
                              "translates AtoB and its G_B BtoA")
        run = import_experiment(source, from_, out, epoch=epoch, method=model, hints=hints)
    else:
        if epoch != "latest":
            raise ConfigError("--epoch picks a file in an experiment folder; give the folder, "
                              "or the N_net_G*.pth file itself")
        run = import_generator_file(source, from_, out, method=model, direction=direction,
                                    hints=hints)
    ways = ", ".join(f"{d} ({k})" for d, k in run.directions.items())
    opts = f", settings from {run.options_file.name}" if run.options_file else ""
    console.print(f"[green]imported[/] {run.generator} as a {run.method} run{opts}: "
                  f"{run.run_dir} translates {ways}")
    console.print(f"next: i2i translate {run.run_dir} IMAGES --out OUT", soft_wrap=True)


def _default_name(source: Path) -> str:
    """A folder's name; a ``N_net_G.pth`` file's experiment folder; else the file stem."""
    if source.is_file() and "_net_" in source.name:
        return source.resolve().parent.name
    return source.name if source.is_dir() else source.stem
