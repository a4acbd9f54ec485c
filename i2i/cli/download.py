"""``i2i download``: fetch catalog datasets, pretrained models or networks safely."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console


def download(
    names: list[str] = typer.Argument(None, help="Catalog dataset names (see --list).",
                              autocompletion=complete.catalog_datasets),
    list_: bool = typer.Option(False, "--list", "-l", help="Show the dataset catalog and exit."),
    list_models: bool = typer.Option(False, "--list-models",
                                     help="Show the pretrained-model catalog and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="With --list/--list-models: licence, URL, sources."),
    as_json: bool = typer.Option(False, "--json",
                                 help="With --list/--list-models: every field as JSON."),
    dir_: Path = typer.Option(Path("datasets"), "--dir", "-d",
                              help="Folder that receives DIR/NAME."),
    mirror: str = typer.Option(None, "--mirror", envvar="I2I_DATASET_MIRROR",
                               help="Base URL of a mirror that keeps the original paths."),
    force: bool = typer.Option(
        False, "--force", help="Fetch again even if a verified copy is there; an old folder "
        "holding files the download did not make is moved to DIR/NAME.old, not deleted."),
    weights: str = typer.Option(None, "--weights",
                                help="Fetch a pretrained network into the weights cache.",
                                autocompletion=complete.weights),
    models: list[str] = typer.Option(
        None, "--model", "-m", help="Fetch a pretrained translation model into the cache "
        "(repeatable; see --list-models).", autocompletion=complete.models),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Download datasets of the catalog into ./datasets (resumable, verified, safe).

    Examples:

        i2i download --list

        i2i download monet2photo

        i2i download horse2zebra facades maps --dir /data

        i2i download facades --mirror https://my.mirror.org/efros

        i2i download --list-models

        i2i download --model horse2zebra

        i2i download --weights NAME
    """
    from i2i.cli.listing import print_listing

    asked = [flag for flag, given in (("--list", list_), ("--list-models", list_models),
                                      ("--weights", weights), ("--model", models),
                                      ("dataset names", names)) if given]
    if len(asked) > 1:  # each would quietly drop the others
        raise typer.BadParameter(f"{' and '.join(asked)} are separate jobs; give one of them "
                                 "per call")
    if (verbose or as_json) and not (list_ or list_models):
        raise typer.BadParameter("-v and --json go with --list or --list-models")
    if list_ or list_models:
        listing = _model_listing() if list_models else _dataset_listing()
        print_listing(listing, verbose=verbose, as_json=as_json)
        return
    if weights:
        from i2i.weights import resolve

        path = resolve(weights, progress=not quiet)
        console.print(f"[green]ready[/] {weights}: {path}")
        return
    if models:
        from i2i.zoo.download import fetch_models

        fetch_models(list(models), mirror=mirror, force=force, progress=not quiet,
                     on_done=_say_model)
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
                          "download did not make (or changed since); it is now "
                          f"{result.moved_aside}",
                          soft_wrap=True)


def _say_model(result) -> None:
    from i2i.errors import I2IError

    if isinstance(result, I2IError):
        console.print(f"[red]failed[/] {result}", soft_wrap=True)
    elif result.status == "already there":
        console.print(f"[green]already there[/] {result.name}: {result.path} (matches the "
                      "sha256 recorded at download; --force fetches it again)")
    else:
        console.print(f"[green]ready[/] {result.name}: {result.path} "
                      f"(sha256 {result.sha256}, recorded)")


def _dataset_listing():
    from i2i.cli.listing import Listing, size_text
    from i2i.data.catalog import catalog

    listing = Listing("i2i dataset catalog", ("name", "task", "size", "description"))
    for name, entry in sorted(catalog().items()):
        how = (entry.urls[0] if entry.downloadable
               else f"manual: i2i prepare {name} --from FILE")
        size = size_text(entry.shown_size) if entry.downloadable else "manual"
        listing.add(
            (name, entry.task, size, entry.description),
            [("licence", entry.licence), ("url", how),
             ("size", _bytes_and_source(entry.shown_size, entry.size_source))],
            {"name": name, "task": entry.task, "layout": entry.layout,
             "description": entry.description, "size": entry.shown_size,
             "size_source": entry.size_source, "licence": entry.licence,
             "citation": entry.citation, "home": entry.source, "urls": list(entry.urls),
             "downloadable": entry.downloadable, "manual": entry.manual},
        )
    return listing


def _model_listing():
    from i2i.cli.listing import Listing, size_text
    from i2i.zoo.catalog import catalog

    listing = Listing("i2i pretrained models (i2i download --model NAME)",
                      ("name", "method", "translates", "size", "description"))
    for name, entry in sorted(catalog().items()):
        url = entry.urls[0] if entry.urls else "-"
        listing.add(
            (name, entry.method, entry.translates, size_text(entry.size), entry.description),
            [("dataset", f"{entry.dataset} ({entry.direction})"),
             ("generator", json.dumps(entry.generator)),
             ("licence", entry.licence),
             ("url", f"{url} -> {entry.member}" if entry.member else url),
             ("size", _bytes_and_source(entry.size, entry.size_source))],
            entry.as_dict(),
        )
    return listing


def _bytes_and_source(size: int | None, source: str) -> str:
    shown = "?" if size is None else f"{size} bytes"
    return f"{shown} ({source})" if source else shown
