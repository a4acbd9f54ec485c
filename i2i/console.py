"""The one rich console i2i prints through (stderr for status, so stdout stays data)."""

from __future__ import annotations

from rich.console import Console

console = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/] {message}")


def note(message: str) -> None:
    """A one-line notice about a choice i2i made for the user (not a problem)."""
    console.print(f"[cyan]note:[/] {message}")
