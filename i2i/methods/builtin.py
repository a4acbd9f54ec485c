"""Built-in training methods, registered like any plugin's (the table is ``names.BUILTIN``)."""

from __future__ import annotations

import importlib

from i2i import hookimpl
from i2i.methods.names import BUILTIN


@hookimpl
def register_methods() -> dict:
    return {name: getattr(importlib.import_module(module), cls)
            for name, (module, cls) in BUILTIN.items()}
