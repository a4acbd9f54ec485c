"""Every option of every command says what it is for in --help."""

from __future__ import annotations

import typer
from typer.core import TyperGroup, TyperOption

from i2i.cli.main import app


def _commands(group: TyperGroup, prefix: str = "i2i"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, TyperGroup):
            yield from _commands(command, f"{prefix} {name}")


def test_every_option_has_help_text():
    root = typer.main.get_command(app)
    missing = [f"{where} {param.opts[0]}"
               for where, command in _commands(root)
               for param in command.params
               if isinstance(param, TyperOption) and not (param.help or "").strip()]
    assert not missing, "options without help text: " + ", ".join(missing)
