"""Built-in dataset sources, registered through ``register_datasets``.

``builtin:<name>`` data roots resolve through this registry to a folder on disk. An entry
here is a :class:`BuiltinSource`: a function that writes (once) and returns that folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from i2i import hookimpl


def _toy(size: int) -> Path:
    from i2i.data import toy  # here: the registry is read by shell completion, numpy-free

    return toy.materialise(size)


def _toy_paired(size: int) -> Path:
    from i2i.data import toy_paired

    return toy_paired.materialise(size)


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
            _toy,
            # Tiny images need no full-size network: 4x fewer FLOPs keeps CPU runs short.
            defaults={"generator": {"params": {"ngf": 32, "n_blocks": 6}},
                      "discriminator": {"params": {"ndf": 32}}},
        ),
        "toy_paired": BuiltinSource(
            "toy_paired",
            "synthetic shape outlines; B = the shapes filled (paired; exact ground truth)",
            "paired",
            _toy_paired,
            # A 5-level U-Net covers 32 px images; small widths keep CPU runs short.
            defaults={"generator": {"name": "unet", "params": {"ngf": 16, "num_downs": 5}},
                      "discriminator": {"params": {"ndf": 16}}},
        ),
    }
