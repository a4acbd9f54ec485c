"""Catalog listings that fit a terminal: one line per entry, details with -v, all as JSON.

Used by ``i2i download --list`` and ``--list-models``. A listing is short columns (never
cut: names must stay copyable) and a last description column that is cut with an ellipsis
to the terminal's width, so no row wraps. ``-v`` adds indented detail lines under each
entry (licence, URL, ...) and ``--json`` prints every field with stable keys. To list one
more catalog, build :class:`Listing` rows and call :func:`print_listing`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import typer
from rich.table import Table
from rich.text import Text

from i2i.console import out
from i2i.outputs import human_bytes

GAP = 2  # one space each side of a cell; rich counts a column's own padding in its width
MIN_DESCRIPTION = 12


@dataclass
class Listing:
    title: str
    headers: tuple[str, ...]  # the last column is the description
    rows: list[tuple[str, ...]] = field(default_factory=list)
    details: list[list[tuple[str, str]]] = field(default_factory=list)  # (label, value)
    records: list[dict] = field(default_factory=list)  # --json, one dict per row

    def add(self, row: tuple[str, ...], details: list[tuple[str, str]], record: dict) -> None:
        self.rows.append(row)
        self.details.append(details)
        self.records.append(record)


def size_text(size: int | None) -> str:
    """A byte size for a listing column; "?" where no size is known."""
    return "?" if size is None else human_bytes(size)


def print_listing(listing: Listing, verbose: bool = False, as_json: bool = False) -> None:
    if as_json:  # plain text: rich would wrap long values inside their strings
        typer.echo(json.dumps(listing.records, indent=1))
        return
    if verbose:
        _print_blocks(listing)
        return
    table = Table(title=listing.title, title_justify="left", box=None, pad_edge=False,
                  header_style="bold", show_edge=False)
    *short, description = listing.headers
    widths = [max([len(header)] + [len(row[i]) for row in listing.rows])
              for i, header in enumerate(short)]
    for header, width in zip(short, widths, strict=True):
        table.add_column(header, no_wrap=True, width=width,
                         justify="right" if header == "size" else "left")
    # rich does not shrink no_wrap columns, so the description gets what is left.
    room = out.width - sum(widths) - GAP * (len(widths) + 1)
    table.add_column(description, no_wrap=True, overflow="ellipsis",
                     max_width=max(room, MIN_DESCRIPTION))
    for row in listing.rows:
        table.add_row(*row)
    out.print(table)


def _print_blocks(listing: Listing) -> None:
    """-v: the entry's line, then its details indented (long URLs may wrap; that is -v)."""
    width = max(len(label) for rows in listing.details for label, _ in rows) \
        if any(listing.details) else 0
    out.print(Text(listing.title, style="bold"))
    for row, details in zip(listing.rows, listing.details, strict=True):
        out.print(Text("  ".join(row)), style="bold")
        for label, value in details:
            out.print(Text(f"    {label.ljust(width)}  {value}"))
