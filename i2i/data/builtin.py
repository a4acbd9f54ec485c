"""Built-in dataset sources, registered through ``register_datasets``.

``builtin:<name>`` data roots resolve through this registry to a folder on disk. An entry
here is a :class:`BuiltinSource`: a function that writes (once) and returns that folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    #: config overlay for runs on this data (applied above the method's defaults)
    defaults: dict = field(default_factory=dict)


@hookimpl
def register_datasets() -> dict:
    return {
        "toy": BuiltinSource(
            "toy",
            "synthetic shapes; B = channel rotation of A (unpaired; exact ground truth)",
            "unpaired",
            toy.materialise,
            # Tiny images need no full-size network: 4x fewer FLOPs keeps CPU runs short.
            defaults={"generator": {"params": {"ngf": 32, "n_blocks": 6}},
                      "discriminator": {"params": {"ndf": 32}}},
        ),
    }
