"""Shell-completion callbacks: names from the registries, offered on Tab.

A Tab runs ``i2i`` once with ``_I2I_COMPLETE`` set; ``main.build_app`` then registers the
torch-free built-in stand-ins (``i2i.plugins.use_completion_builtins``), so nothing here
imports torch and a Tab answers in a fraction of a second. To complete one more option,
give it ``autocompletion=`` one of these functions (or a new one built on ``_names``).
"""

from __future__ import annotations

import os
from pathlib import Path

COMPLETE_VAR = "_I2I_COMPLETE"
# `i2i export --format` values: the keys of i2i.export.formats.FORMATS, kept here because
# that module imports torch (tests/test_completions.py holds the two equal).
EXPORT_FORMATS = ("onnx", "torchscript", "safetensors")


def completing() -> bool:
    """True in the process a shell starts to ask for completions."""
    return COMPLETE_VAR in os.environ


def _registry(kind: str) -> dict[str, object]:
    from i2i.plugins import get_registry

    try:
        return get_registry(kind)
    except Exception:  # a broken plugin must not turn a Tab into a traceback
        return {}


def _names(names, incomplete: str) -> list[str]:
    return sorted(name for name in names if name.startswith(incomplete))


def _last_of_list(names, incomplete: str) -> list[str]:
    """Complete the last item of a comma list (``fid,k`` -> ``fid,kid``)."""
    head, _, tail = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    return [prefix + name for name in _names(names, tail)]


def _paths(incomplete: str) -> list[str]:
    """Folders and files starting with ``incomplete`` (for arguments that take both)."""
    folder, _, stem = incomplete.rpartition("/")
    base = Path(folder or ".")
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.startswith(stem) and not (entry.name.startswith(".") and not stem):
            shown = f"{folder}/{entry.name}" if folder else entry.name
            found.append(shown + ("/" if entry.is_dir() else ""))
    return found


def methods(incomplete: str) -> list[str]:
    return _names(_registry("methods"), incomplete)


def metrics(incomplete: str) -> list[str]:
    return _last_of_list(_registry("metrics"), incomplete)


def export_formats(incomplete: str) -> list[str]:
    return _names(EXPORT_FORMATS, incomplete)


def catalog_datasets(incomplete: str) -> list[str]:
    """Names ``i2i download`` and ``i2i prepare NAME --from`` take (the dataset catalog)."""
    from i2i.data.catalog import DatasetEntry

    entries = {n for n, v in _registry("datasets").items() if isinstance(v, DatasetEntry)}
    return _names(entries, incomplete)


def prepare_inputs(incomplete: str) -> list[str]:
    return catalog_datasets(incomplete) + _paths(incomplete)


def train_data(incomplete: str) -> list[str]:
    """``--data``: a folder, or ``builtin:NAME`` of a dataset drawn offline."""
    from i2i.data.builtin import BuiltinSource

    builtin = {f"builtin:{n}" for n, v in _registry("datasets").items()
               if isinstance(v, BuiltinSource)}
    return _names(builtin, incomplete) + _paths(incomplete)


def models(incomplete: str) -> list[str]:
    return _names(_registry("models"), incomplete)


def run_or_model(incomplete: str) -> list[str]:
    """A run folder, a checkpoint file, or a pretrained model's name."""
    return models(incomplete) + _paths(incomplete)


def weights(incomplete: str) -> list[str]:
    return _names(_registry("weights"), incomplete)


def trackers(incomplete: str) -> list[str]:
    return _last_of_list([*_registry("callbacks"), "none"], incomplete)
