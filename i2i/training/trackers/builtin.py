"""The built-in trackers, registered through the same hook as third-party loggers."""

from __future__ import annotations

from i2i import hookimpl


@hookimpl
def register_callbacks() -> dict:
    from i2i.training.trackers.tensorboard_tracker import TensorBoardTracker
    from i2i.training.trackers.wandb_tracker import WandbTracker

    return {"tensorboard": TensorBoardTracker, "wandb": WandbTracker}
