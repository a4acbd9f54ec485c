"""Recipes that ``i2i prepare NAME --from FILE`` runs for manual catalog entries.

A recipe is ``recipe(sources, out, opts, progress) -> PrepareReport``: ``sources`` are the
files (or already unpacked folders) the user fetched by hand, in the order the entry's
``manual`` text names them. Archives are extracted safely into a hidden folder beside
``out`` (``.OUT.sources``), which is removed once the dataset is ready. A recipe that
fails removes what its call created (the output folder and the staging folder), so the
corrected rerun starts clean; Ctrl-C keeps both, so a rerun continues. A recipe that
builds its own tasks (``cityscapes``) uses the public runner of :mod:`i2i.data.prepare`
(``start_output``, ``run_tasks``, ``finish_report``); this module stands above it.

Ready-made recipe factories for plugin authors:

- :func:`laid_out_archive` -- the archive already holds ``trainA/ trainB/ ...`` (or
  ``train/ val/``): extract, check the layout, rename into place.
- :func:`image_domain` -- the archive is a heap of images of one domain: prepare it like
  ``i2i prepare FOLDER`` (resize, crop, split, drop bad images).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from i2i.data.extract import check_layout, find_layout_root, safe_extract
from i2i.data.prepare import (
    PrepareOptions,
    PrepareReport,
    finish_report,
    prepare_presplit,
    prepare_unaligned,
    run_tasks,
    start_output,
)
from i2i.data.prepare_ops import Task
from i2i.errors import DataError, DownloadError
from i2i.outputs import check_output_dir

Recipe = Callable[[list[Path], Path, PrepareOptions, bool], PrepareReport]
SPLIT_FOLDERS = {
    "unaligned": ("trainA", "trainB", "testA", "testB", "valA", "valB"),
    "aligned": ("train", "val", "test"),
}


def staging_dir(out: Path) -> Path:
    out = Path(out).expanduser()
    return out.parent / f".{out.name}.sources"


def unpack(source: Path, staging: Path) -> Path:
    """A folder as is, or an archive extracted (safely) under ``staging``."""
    source = Path(source).expanduser()
    if source.is_dir():
        return source
    if not source.is_file():
        raise DataError(f"--from file not found: {source}")
    dest = staging / source.name.split(".")[0]
    done = dest.with_name(dest.name + ".done")
    if not done.is_file():
        shutil.rmtree(dest, ignore_errors=True)
        try:
            safe_extract(source, dest)
        except DownloadError as err:
            raise DataError(f"{err}") from err
        done.write_text("extracted\n")
    return dest


def laid_out_archive(layout: str = "unaligned") -> Recipe:
    """Recipe for an archive that already holds its splits (``trainA/ testA/ ...`` or
    ``train/ val/ test/``): extract, check the layout, then prepare each split folder as it
    is (resize, crop, drop bad images; no re-split). Paired A|B images keep their size."""

    def recipe(sources: list[Path], out: Path, opts: PrepareOptions,
               progress: bool = True) -> PrepareReport:
        staging = staging_dir(out)
        root = find_layout_root(unpack(sources[0], staging), layout)
        try:
            check_layout(root, layout, str(sources[0]))
        except DownloadError as err:
            raise DataError(str(err)) from err
        names = SPLIT_FOLDERS[layout]
        splits = {n: root / n for n in names if (root / n).is_dir()}
        if layout == "aligned":
            opts = replace(opts, size=None)
        report = prepare_presplit(splits, out, opts, progress)
        shutil.rmtree(staging, ignore_errors=True)
        return report

    return recipe


def image_domain() -> Recipe:
    """Recipe for an archive of one domain's images (e.g. CelebA, CartoonSet)."""

    def recipe(sources: list[Path], out: Path, opts: PrepareOptions,
               progress: bool = True) -> PrepareReport:
        staging = staging_dir(out)
        folders = [unpack(s, staging) for s in sources]
        report = prepare_unaligned(folders, out, opts, progress)
        shutil.rmtree(staging, ignore_errors=True)
        return report

    return recipe


def cityscapes(sources: list[Path], out: Path, opts: PrepareOptions,
               progress: bool = True) -> PrepareReport:
    """gtFine colour labels | leftImg8bit photos -> train/ val/ of A|B (pix2pix's recipe)."""
    if len(sources) != 2:
        raise DataError("cityscapes needs two --from files: gtFine_trainvaltest.zip and "
                        "leftImg8bit_trainvaltest.zip")
    if opts.format == "npz":
        raise DataError("cityscapes is paired (A|B image files); drop --format npz")
    staging = staging_dir(out)
    roots = [unpack(s, staging) for s in sources]
    labels = _find(roots, "gtFine")
    photos = _find(roots, "leftImg8bit")
    opts = replace(opts, resize="exact", crop="none")
    out = start_output(out, [labels, photos], opts, "cityscapes")
    report = PrepareReport(out)
    tasks: dict[str, list[Task]] = {}
    for split in ("train", "val"):
        for photo in sorted((photos / split).glob("*/*_leftImg8bit.png")):
            stem = photo.name[: -len("_leftImg8bit.png")]
            label = labels / split / photo.parent.name / f"{stem}_gtFine_color.png"
            if not label.is_file():
                report.dropped.append((str(photo), "no gtFine colour label"))
                continue
            tasks.setdefault(split, []).append(
                Task("pair", (str(label), str(photo)), (str(out / split / f"{stem}.png"),),
                     True))
    if not tasks:
        raise DataError("no leftImg8bit/<split>/<city>/*_leftImg8bit.png found in the --from "
                        "files; check they are the two Cityscapes zips")
    run_tasks(tasks, out, opts, report, progress)
    shutil.rmtree(staging, ignore_errors=True)
    return finish_report(report)


def _find(roots: list[Path], name: str) -> Path:
    for root in roots:
        for candidate in (root / name, *root.glob(f"*/{name}")):
            if candidate.is_dir():
                return candidate
    raise DataError(f"no {name}/ folder in the --from files; check you fetched the right zips")


_RECIPES: dict[str, Recipe] = {
    "cityscapes": cityscapes,
    "celeba": image_domain(),
    "cartoonset": image_domain(),
}


def recipe_for(name: str) -> Recipe | None:
    return _RECIPES.get(name)


def run_recipe(entry, sources: list[Path], out: Path, opts: PrepareOptions,
               progress: bool = True) -> PrepareReport:
    """Run a manual catalog entry's recipe on what the user fetched."""
    if entry.recipe is None:
        hint = f"`i2i download {entry.name}`" if entry.downloadable else "a plain prepare"
        raise DataError(f"dataset '{entry.name}' has no --from recipe; use {hint}")
    if len(sources) != entry.from_files:
        raise DataError(f"'{entry.name}' needs {entry.from_files} --from file(s): "
                        f"{entry.manual}")
    out = Path(out).expanduser()
    check_output_dir(out)
    created = [path for path in (out, staging_dir(out)) if not path.exists()]
    emptied = [out] if out.is_dir() and not any(out.iterdir()) else []
    try:
        return entry.recipe(list(sources), out, opts, progress)
    except Exception:  # a failure removes what this call made; Ctrl-C keeps it to continue
        for path in created:
            shutil.rmtree(path, ignore_errors=True)
        for folder in emptied:
            for child in folder.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
