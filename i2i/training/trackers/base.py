"""What every tracker logs, and when: the base class of the built-in trackers."""

from __future__ import annotations

from i2i.config import RunConfig
from i2i.training.callbacks import Callback, TrainContext

# log.jsonl columns that are not losses
_NOT_LOSSES = ("step", "epoch", "time", "lr")
_NOT_METRICS = ("eval", "step", "epoch", "direction")


class Tracker(Callback):
    """Sends a run's scalars, sample grids and config to an experiment tracker.

    It runs after ``JsonlLog``, ``SampleGrids`` and the evaluation in each event and logs
    what they just produced: each new ``log.jsonl`` row as ``loss/<name>`` (the means over
    ``train.log_every`` steps, as ``loss.png`` shows them) with ``lr/<optimiser>`` for
    every optimiser, each new sample grid as ``samples``, each evaluation row as
    ``eval/<metric>``, and the resolved config once at the start. The step axis is the
    global step counter, so a resumed run continues it and logs nothing twice.

    Subclasses implement :meth:`open`, :meth:`scalars`, :meth:`image`, :meth:`config`,
    :meth:`flush` and :meth:`close`.
    """

    def __init__(self, cfg: RunConfig) -> None:
        self.cfg = cfg

    # --- what a subclass implements
    def open(self, ctx: TrainContext, start_step: int) -> None:
        """Start (or, with ``start_step`` > 0, resume) logging for ``ctx.run_dir``."""
        raise NotImplementedError

    def scalars(self, step: int, values: dict[str, float]) -> None:
        raise NotImplementedError

    def image(self, tag: str, step: int, picture) -> None:
        """``picture`` is a PIL image."""
        raise NotImplementedError

    def config(self, cfg: RunConfig, step: int) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Make what was logged durable (called after each checkpoint)."""

    def close(self) -> None:
        raise NotImplementedError

    # --- the callback events
    def on_start(self, ctx):
        # on resume, the rows and samples up to the checkpoint were logged by the last run
        self.rows_seen, self.metrics_seen = len(ctx.history), len(ctx.metrics)
        self.sample_step = ctx.counters.global_step
        self.open(ctx, ctx.counters.global_step)
        self.config(ctx.cfg, ctx.counters.global_step)

    def on_step(self, ctx, losses):
        self.publish(ctx)

    def on_epoch_end(self, ctx):
        self.publish(ctx)

    def on_checkpoint(self, ctx, path):
        self.flush()

    def on_end(self, ctx):
        self.publish(ctx)
        self.close()

    def publish(self, ctx: TrainContext) -> None:
        """Log whatever the other callbacks added since the last call."""
        rows = ctx.history[self.rows_seen:]
        if rows:
            rates = {f"lr/{k}": float(o.param_groups[0]["lr"])
                     for k, o in ctx.method.optimizers.items()}
            for row in rows:
                values = {f"loss/{k}": float(v) for k, v in row.items()
                          if k not in _NOT_LOSSES and isinstance(v, (int, float))}
                self.scalars(row["step"], {**values, **rates})
            self.rows_seen = len(ctx.history)
        if ctx.latest_sample is not None and ctx.latest_sample[0] > self.sample_step:
            self.sample_step, picture = ctx.latest_sample
            self.image("samples", self.sample_step, picture)
        for row in ctx.metrics[self.metrics_seen:]:
            self.scalars(row["step"], {f"eval/{k}": float(v) for k, v in row.items()
                                       if k not in _NOT_METRICS and isinstance(v, (int, float))})
        self.metrics_seen = len(ctx.metrics)
