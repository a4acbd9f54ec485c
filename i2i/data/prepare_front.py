"""The ``i2i prepare`` front: one entry point over every prepare job and catalog recipe.

It stands above :mod:`i2i.data.prepare` (the jobs and their runner),
:mod:`i2i.data.prepare_recipes` (which use that runner) and :mod:`i2i.data.catalog` (whose
manual entries carry the recipes), so none of those imports another one back.
"""

from __future__ import annotations

from pathlib import Path

from i2i.data.catalog import get_entry
from i2i.data.prepare import (
    PrepareOptions,
    PrepareReport,
    finish_report,
    prepare_pairs,
    prepare_unaligned,
    split_pairs,
)
from i2i.data.prepare_recipes import run_recipe
from i2i.errors import DataError


def prepare_job(mode: str, inputs: list[str], sources: list[Path], out: Path,
                opts: PrepareOptions, progress: bool = True) -> PrepareReport:
    """The ``i2i prepare`` entry point: ``mode`` is folders, pair, split or from."""
    counts = {"pair": (2, "--pair needs two folders: A then B"),
              "split": (1, "--split-pairs needs one folder of A|B images"),
              "from": (1, "--from needs one catalog NAME, e.g. `i2i prepare cityscapes --from "
                          "FILE`"),
              "folders": (0, "give one or two image folders (domain A, then domain B)")}
    wanted, message = counts[mode]
    if (wanted and len(inputs) != wanted) or (not wanted and not 1 <= len(inputs) <= 2):
        raise DataError(message)
    if mode == "pair":
        return prepare_pairs(Path(inputs[0]), Path(inputs[1]), out, opts, progress)
    if mode == "split":
        return split_pairs(Path(inputs[0]), out, opts, progress)
    if mode == "from":
        opts.check()
        return finish_report(run_recipe(get_entry(inputs[0]), sources, out, opts, progress))
    return prepare_unaligned([Path(p) for p in inputs], out, opts, progress)
