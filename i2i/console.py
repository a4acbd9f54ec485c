"""The one rich console i2i prints through (stderr for status, so stdout stays data)."""

from __future__ import annotations

from rich.console import Console

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/] {message}")
