"""i2i: image-to-image translation toolkit.

This module is the public front for plugin authors: import ``hookimpl`` and the types you
need from ``i2i`` only, never from private modules.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("i2i")

from i2i.errors import (  # noqa: E402
    CheckpointError,
    ConfigError,
    DataError,
    DownloadError,
    I2IError,
    PluginError,
    WeightsError,
)

__all__ = [
    "__version__",
    "hookimpl",
    "I2IError",
    "ConfigError",
    "DataError",
    "CheckpointError",
    "WeightsError",
    "DownloadError",
    "PluginError",
]
