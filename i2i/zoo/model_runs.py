"""Catalog models used where a run is expected: ``i2i translate horse2zebra ./in --out o``.

A downloaded model (``i2i download --model NAME``) is a reference-format generator file;
the first time a command names it, it is imported (:mod:`i2i.interop`) into a run folder
in i2i's cache, ``<cache>/model_runs/NAME``, which every later use loads like any run. The
run remembers the sha256 of the file it came from, so a model fetched again with
``--force`` is imported again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MARKER = ".i2i-model-source.json"


def run_for(run: Path) -> Path:
    """The run folder ``run`` names: a catalog model's (imported on first use) for a bare
    model name, else ``run`` itself. The one entry point of the zoo for run lookups."""
    return model_run(str(run)) if is_model_name(run) else run


def is_model_name(run: Path) -> bool:
    """Whether ``run`` is meant as a catalog model: a bare name that is no file or folder
    here and that the catalog (built-ins and plugins) knows."""
    from i2i.zoo.catalog import catalog

    text = str(run)
    return not run.exists() and "/" not in text and "\\" not in text and text in catalog()


def model_hint(run: Path) -> str:
    """For a bare name that is no run: the catalog models it may have meant, or ''."""
    import difflib

    from i2i.zoo.catalog import catalog

    if run.exists() or len(run.parts) != 1:
        return ""
    close = difflib.get_close_matches(str(run), list(catalog()), n=3, cutoff=0.6)
    return f" (no run of that name; did you mean the model {' or '.join(close)}?)" if close else ""


def shadowed_model(run: Path) -> str:
    """For a folder here that bears a catalog model's name (a dataset folder, say): a
    hint that the model is meant with a path that is no folder, or ''."""
    from i2i.zoo.catalog import catalog

    if len(run.parts) != 1 or str(run) not in catalog():
        return ""
    return (f" (the folder ./{run} is taken for the run; for the model '{run}', run from "
            "another folder)")


def model_run(name: str) -> Path:
    """The run folder of catalog model ``name``, imported from its downloaded file on first
    use; a model not downloaded is a one-line error saying how to fetch it."""
    from i2i.errors import OutputError
    from i2i.images import write_bytes_atomic
    from i2i.interop.reference_import import import_generator_file
    from i2i.weights import cache_dir
    from i2i.zoo.catalog import get_entry
    from i2i.zoo.download import model_file, recorded_sha256

    entry = get_entry(name)
    weights = model_file(name)
    digest = recorded_sha256(name)
    run_dir = cache_dir() / "model_runs" / name
    if _imported_from(run_dir) == digest:
        return run_dir
    if run_dir.exists():  # i2i's own cache, made from an older download of the model
        shutil.rmtree(run_dir)
    dropout = entry.generator.get("params", {}).get("dropout")
    hints = {"dropout": bool(dropout)} if dropout is not None else {}
    try:
        import_generator_file(weights, entry.source, run_dir, method=entry.method,
                              direction="AtoB", hints=hints)
    except OutputError:
        if run_dir.is_dir():  # another i2i process imported it meanwhile: use theirs
            return run_dir
        raise
    write_bytes_atomic(json.dumps({"model": name, "sha256": digest}).encode(), run_dir / MARKER)
    return run_dir


def _imported_from(run_dir: Path) -> str | None:
    try:
        return json.loads((run_dir / MARKER).read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
