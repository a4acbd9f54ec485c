"""The built-in trackers, registered through the same hook as third-party loggers."""

from __future__ import annotations

import importlib

from i2i import hookimpl
from i2i.training.trackers.names import BUILTIN_TRACKERS


@hookimpl
def register_callbacks() -> dict:
    return {name: getattr(importlib.import_module(module), cls)
            for name, (module, cls) in BUILTIN_TRACKERS.items()}
