"""MkDocs hook: tables generated from i2i's registries and hook specs at build time.

Markers a page may hold, each replaced by a table or text built from the code:

- ``<!-- catalog: datasets -->``: the dataset catalog (``i2i download --list``);
- ``<!-- catalog: builtin -->``: the ``builtin:NAME`` sources drawn offline;
- ``<!-- catalog: models -->``: the pretrained translation models (``--list-models``);
- ``<!-- catalog: weights -->``: the pretrained networks (``i2i download --weights``);
- ``<!-- hookspecs -->``: every hook of ``i2i/hookspecs.py`` with its docstring;
- ``<!-- include: PATH#HEADING -->``: the section under ``## HEADING`` of a file of the
  repository (the README's exit codes, so that table is written once); without
  ``#HEADING``, the whole file (``benchmarks/README.md``).

A marker must be a line of its own.

Only built-ins are listed (plugin autoload is off while the site builds).
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# a marker is a line of its own (one quoted inside a sentence or code span stays as is)
MARKER = re.compile(r"^<!-- (catalog|hookspecs|include)(?::\s*([^ ]+))? -->$", re.MULTILINE)


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _size(size) -> str:
    from i2i.outputs import human_bytes

    return "?" if size is None else human_bytes(size)


def _registry(kind: str) -> dict:
    os.environ.setdefault("I2I_DISABLE_PLUGIN_AUTOLOAD", "1")
    from i2i.plugins import get_registry

    return get_registry(kind)


def datasets() -> str:
    from i2i.data.catalog import DatasetEntry

    rows = ["| name | task | layout | size | description | licence |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name, entry in sorted(_registry("datasets").items()):
        if not isinstance(entry, DatasetEntry):
            continue
        size = _size(entry.size or entry.published_size)
        how = "" if entry.urls else " (manual: `i2i prepare NAME --from FILE`)"
        rows.append(f"| `{name}` | {entry.task} | {entry.layout} | {size} | "
                    f"{_cell(entry.description)}{how} | {_cell(entry.licence)} |")
    return "\n".join(rows)


def builtin_sources() -> str:
    from i2i.data.builtin import BuiltinSource

    rows = ["| data root | task | what it is |", "| --- | --- | --- |"]
    for name, entry in sorted(_registry("datasets").items()):
        if isinstance(entry, BuiltinSource):
            rows.append(f"| `builtin:{name}` | {entry.task} | {_cell(entry.description)} |")
    return "\n".join(rows)


def models() -> str:
    rows = ["| name | method | translates | trained on | generator | description |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name, entry in sorted(_registry("models").items()):
        generator = entry.generator.get("name", "?")
        rows.append(f"| `{name}` | `{entry.method}` | {_cell(entry.translates)} | "
                    f"{entry.dataset} ({entry.direction}) | `{generator}` | "
                    f"{_cell(entry.description)} |")
    return "\n".join(rows)


def weights() -> str:
    rows = ["| name | what | accepted files (first found wins) | licence |",
            "| --- | --- | --- | --- |"]
    for name, entry in sorted(_registry("weights").items()):
        files = "<br>".join(
            f"`{f.filename}` (sha256 `{f.sha256[:12]}…`{', downloadable' if f.urls else ''})"
            for f in entry.files)
        rows.append(f"| `{name}` | {_cell(entry.description)} | {files} | "
                    f"{_cell(entry.licence)} |")
    return "\n".join(rows)


def hookspecs() -> str:
    from i2i import hookspecs as specs

    parts = []
    hooks = [fn for name, fn in inspect.getmembers(specs, inspect.isfunction)
             if name.startswith("register_")]
    for fn in sorted(hooks, key=lambda fn: fn.__code__.co_firstlineno):  # source order
        args = ", ".join(inspect.signature(fn).parameters)
        parts.append(f"### `{fn.__name__}({args})`\n\n{inspect.getdoc(fn) or ''}\n")
    return "\n".join(parts)


def include(target: str) -> str:
    path, _, heading = target.partition("#")
    text = (ROOT / path).read_text()
    if not heading:  # the whole file
        return text.strip()
    heading = heading.replace("-", " ")
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text,
                      re.MULTILINE | re.DOTALL | re.IGNORECASE)
    if match is None:
        raise ValueError(f"include: no '## {heading}' in {path}")
    return match.group(1).strip()


CATALOGS = {"datasets": datasets, "builtin": builtin_sources, "models": models,
            "weights": weights}


def _replace(match: re.Match) -> str:
    kind, arg = match.group(1), match.group(2)
    if kind == "hookspecs":
        return hookspecs()
    if kind == "include":
        return include(arg)
    if arg not in CATALOGS:
        raise ValueError(f"catalog: unknown table '{arg}'; one of {sorted(CATALOGS)}")
    return CATALOGS[arg]()


def on_page_markdown(markdown: str, **kwargs) -> str:
    return MARKER.sub(_replace, markdown)
