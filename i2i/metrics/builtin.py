"""Built-in metrics and the pretrained networks they run on, registered through the hooks."""

from __future__ import annotations

import importlib

from i2i import hookimpl
from i2i.metrics.names import BUILTIN_METRICS


@hookimpl
def register_metrics() -> dict:
    metrics = (getattr(importlib.import_module(module), cls)()
               for module, cls in BUILTIN_METRICS.values())
    return {m.name: m for m in metrics}


@hookimpl
def register_weights() -> dict:
    from i2i.metrics.weights_entries import WEIGHTS

    return dict(WEIGHTS)
