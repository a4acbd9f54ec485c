"""``i2i download``: fetch catalog datasets (or a pretrained network) safely."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from i2i.console import console, out


def download(
    names: list[str] = typer.Argument(None, help="Catalog dataset names (see --list)."),
    list_: bool = typer.Option(False, "--list", "-l", help="Show the catalog and exit."),
    dir_: Path = typer.Option(Path("datasets"), "--dir", "-d",
                              help="Folder that receives DIR/NAME."),
    mirror: str = typer.Option(None, "--mirror", envvar="I2I_DATASET_MIRROR",
                               help="Base URL of a mirror that keeps the original paths."),
    force: bool = typer.Option(
        False, "--force", help="Fetch again even if a verified copy is there; an old folder "
        "holding files the download did not make is moved to DIR/NAME.old, not deleted."),
    weights: str = typer.Option(None, "--weights",
                                help="Fetch a pretrained network into the weights cache."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Download datasets of the catalog into ./datasets (resumable, verified, safe).

    Examples:

        i2i download --list

        i2i download monet2photo

        i2i download horse2zebra facades maps --dir /data

        i2i download facades --mirror https://my.mirror.org/efros

        i2i download --weights NAME
    """
    if list_:
        _print_catalog()
        return
    if weights:
        from i2i.weights import resolve

        path = resolve(weights, progress=not quiet)
        console.print(f"[green]ready[/] {weights}: {path}")
        return
    if not names:
        raise typer.BadParameter("name at least one dataset (see `i2i download --list`)")
    from i2i.data.catalog_download import fetch_many

    fetch_many(list(names), dir_, mirror=mirror, force=force, progress=not quiet,
               on_done=_say)


def _say(result) -> None:
    from i2i.errors import I2IError

    if isinstance(result, I2IError):
        console.print(f"[red]failed[/] {result}", soft_wrap=True)
    elif result.status == "already there":
        console.print(f"[green]already there[/] {result.name}: {result.path} "
                      "(verified against its manifest; --force fetches it again)")
    else:
        console.print(f"[green]ready[/] {result.name}: {result.path} "
                      f"(archive sha256 {result.archive_sha256})")
        if result.moved_aside is not None:
            console.print(f"[yellow]kept[/] the old {result.name} folder held files the "
                          f"download did not make; it is now {result.moved_aside}",
                          soft_wrap=True)


def _print_catalog() -> None:
    from i2i.data.catalog import catalog

    table = Table(title="i2i dataset catalog")
    for column in ("name", "task", "size", "licence", "source"):
        table.add_column(column, overflow="fold")
    for name, entry in sorted(catalog().items()):
        how = entry.urls[0] if entry.downloadable else f"manual: i2i prepare {name} --from FILE"
        table.add_row(name, entry.task, entry.approx_size, entry.licence, how)
    out.print(table)
