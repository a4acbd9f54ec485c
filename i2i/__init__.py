"""i2i: image-to-image translation toolkit.

This module is the public front for plugin authors: import ``hookimpl`` and the types you
need from ``i2i`` only, never from private modules. Heavy types (anything that pulls in
torch) are imported on first access, so ``i2i --help`` stays fast. To expose one more type,
add it to ``_LAZY`` with the module that defines it.
"""

from __future__ import annotations

import importlib

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("i2i")

from i2i.errors import (  # noqa: E402
    CheckpointError,
    ConfigError,
    DataError,
    DownloadError,
    I2IError,
    PartialFailure,
    PluginError,
    WeightsError,
)

_LAZY = {
    "RunConfig": "i2i.config",
    "ComponentConfig": "i2i.config",
    "Method": "i2i.methods.base",
    "GANLoss": "i2i.losses.gan",
    "LossTerm": "i2i.losses.terms",
    "TermInputs": "i2i.losses.terms",
    "TermContext": "i2i.losses.terms",
    "Callback": "i2i.training.callbacks",
    "TrainContext": "i2i.training.callbacks",
    "WeightsEntry": "i2i.weights",
    "WeightsFile": "i2i.weights",
    "ModelEntry": "i2i.zoo.catalog",
    "BuiltinSource": "i2i.data.builtin",
    "DatasetEntry": "i2i.data.catalog",
    "PrepareOptions": "i2i.data.prepare",
    "PrepareReport": "i2i.data.prepare",
    "laid_out_archive": "i2i.data.prepare_recipes",
}

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
    "PartialFailure",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'i2i' has no attribute {name!r}")
