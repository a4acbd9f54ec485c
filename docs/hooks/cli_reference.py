"""MkDocs hook: the options of each ``i2i`` command, read from the Typer app at build time.

A page writes ``<!-- cli-options: train -->`` where the table goes; the hook replaces the
marker with one row per argument and option (names, default, help), taken from
``typer.main.get_command(app)``, so the pages cannot drift from ``i2i COMMAND --help``.
An unknown command name fails the build.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"^<!-- cli-options: ([\w-]+) -->$", re.MULTILINE)  # a line of its own


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _names(param) -> str:
    if param.param_type_name == "argument":
        dots = "..." if param.nargs == -1 else ""
        return f"`{(param.metavar or param.name).upper()}{dots}`"
    names = [*param.opts, *param.secondary_opts]
    return ", ".join(f"`{name}`" for name in names)


def _default(param) -> str:
    if param.required:
        return "required"
    default = param.default
    if default is None or default == () or default == []:
        return ""
    if getattr(param, "is_flag", False):
        return "on" if default else "off"
    if isinstance(default, (list, tuple)):
        default = ",".join(str(item) for item in default)
    return f"`{_cell(default)}`"


def options_table(command_name: str) -> str:
    import typer

    from i2i.cli.main import app

    group = typer.main.get_command(app)
    command = group.commands.get(command_name)
    if command is None:
        raise ValueError(f"cli-options: no command '{command_name}' in the i2i app")
    rows = ["| option | default | meaning |", "| --- | --- | --- |"]
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        rows.append(f"| {_names(param)} | {_default(param)} | "
                    f"{_cell(getattr(param, 'help', '') or '')} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs) -> str:
    return MARKER.sub(lambda match: options_table(match.group(1)), markdown)
