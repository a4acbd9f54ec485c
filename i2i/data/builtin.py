"""Built-in dataset sources, registered through ``register_datasets``.

``builtin:<name>`` data roots resolve through this registry to a folder on disk. An entry
here is a :class:`BuiltinSource`: a function that writes (once) and returns that folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from i2i import hookimpl
from i2i.data import toy


@dataclass(frozen=True)
class BuiltinSource:
    """Embedded synthetic data: ``make(size) -> folder``; no download."""

    name: str
    description: str
    task: str  # "unpaired" or "paired"
    make: Callable[[int], Path]


@hookimpl
def register_datasets() -> dict:
    return {
        "toy": BuiltinSource(
            "toy",
            "synthetic shapes; B = channel rotation of A (unpaired; exact ground truth)",
            "unpaired",
            toy.materialise,
        ),
    }
