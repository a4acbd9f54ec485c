"""The Typer app, error handling and the console-script entry point."""

from __future__ import annotations

import importlib
import os

import typer
from rich.markup import escape
from typer.core import TyperGroup

from i2i import __version__
from i2i.console import console
from i2i.errors import I2IError

# (module, function, command name): each module holds one subcommand.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("i2i.cli.train", "train", "train"),
    ("i2i.cli.translate", "translate", "translate"),
    ("i2i.cli.plugins_cmd", "plugins", "plugins"),
    ("i2i.cli.download", "download", "download"),
    ("i2i.cli.prepare", "prepare", "prepare"),
    ("i2i.cli.stylize", "stylize", "stylize"),
    ("i2i.cli.evaluate", "evaluate", "evaluate"),
    ("i2i.cli.import_cmd", "import_", "import"),
    ("i2i.cli.export_cmd", "export", "export"),
)


class I2IGroup(TyperGroup):
    """Turns ``I2IError`` into one red line and its exit code (traceback with --debug)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except I2IError as err:
            if _debug_enabled(ctx):
                raise
            # escaped: a message may hold brackets (pip install "i2i[onnx]"), not markup
            console.print(f"[bold red]error:[/] {escape(str(err))}", soft_wrap=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            console.print("[bold red]interrupted[/]")
            raise typer.Exit(130) from None
        except (MemoryError, RuntimeError) as err:
            # the estimates (i2i.memory) refuse what cannot fit; this catches the rest
            from i2i.memory import out_of_memory_line

            line = out_of_memory_line(err)
            if line is None or _debug_enabled(ctx):
                raise
            console.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True)
            raise typer.Exit(2) from None

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self.commands)  # keep the order of COMMANDS, not alphabetical


def _debug_enabled(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("I2I_DEBUG") == "1"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"i2i {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    from i2i.cli.completion import completing

    if completing():  # a Tab: names from torch-free stand-ins of the built-ins
        from i2i.plugins import use_completion_builtins

        use_completion_builtins()
    app = typer.Typer(
        name="i2i",
        cls=I2IGroup,
        help="Image-to-image translation: datasets, training, translation, style transfer, "
        "metrics.",
        no_args_is_help=True,
        rich_markup_mode="markdown",
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_show_locals=False,
    )

    @app.callback()
    def main(
        ctx: typer.Context,
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version."
        ),
    ) -> None:
        """i2i: CycleGAN, pix2pix and friends, from data to translated images."""
        ctx.obj = {"debug": debug}

    for module_name, func_name, command_name in COMMANDS:
        module = importlib.import_module(module_name)
        app.command(command_name)(getattr(module, func_name))
    from i2i.plugins import add_plugin_commands

    try:
        add_plugin_commands(app)
    except I2IError as err:  # a broken plugin must not take the whole CLI down
        console.print(f"[bold red]error:[/] {escape(str(err))}")
    return app


app = build_app()


def run() -> None:
    """Console-script entry point (``i2i`` and ``python -m i2i``)."""
    app()
