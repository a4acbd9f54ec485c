"""Regenerate the shell completion scripts from the Typer app: ``python completions/generate.py``.

The scripts call back into ``i2i`` for the words to offer, so they stay correct as
subcommands and options change; a test checks the checked-in files equal this output.
"""

from __future__ import annotations

from pathlib import Path

SHELLS = {"bash": "i2i.bash", "zsh": "_i2i", "fish": "i2i.fish"}


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    import i2i.cli.main  # noqa: F401  (the app must import cleanly for completion to work)

    return get_completion_script(prog_name="i2i", complete_var="_I2I_COMPLETE", shell=shell)


def main() -> None:
    here = Path(__file__).parent
    for shell, name in SHELLS.items():
        (here / name).write_text(script(shell).rstrip("\n") + "\n")
        print(f"wrote {here / name}")


if __name__ == "__main__":
    main()
