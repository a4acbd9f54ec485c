"""The ``i2i`` command line: one file per subcommand, each a thin wrapper.

To add a built-in subcommand: write ``cli/<name>.py`` with a function taking Typer options
that builds a config and calls one library function, then add it to ``COMMANDS`` in
``cli/main.py``. Plugins add commands through the ``register_commands(app)`` hook.
"""
