"""The built-in trackers' names, without importing them (shell completion's stand-in).

``builtin.py`` registers the classes; shell completion registers this module instead
(``i2i.plugins.COMPLETION_STANDINS``), so ``--log`` completes without importing torch.
"""

from __future__ import annotations

from i2i import hookimpl

BUILTIN_TRACKERS: dict[str, tuple[str, str]] = {
    "tensorboard": ("i2i.training.trackers.tensorboard_tracker", "TensorBoardTracker"),
    "wandb": ("i2i.training.trackers.wandb_tracker", "WandbTracker"),
}


@hookimpl
def register_callbacks() -> dict:
    """The names only (no classes): what shell completion needs."""
    return dict.fromkeys(BUILTIN_TRACKERS)
