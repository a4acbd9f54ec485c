"""``--eval-every N``: score the test split during training, log it, plot it.

Wire it into the training loop's callback list (rank 0 only, like every callback), before
``RunPage`` so the page shows the newest row; ``i2i train`` does::

    from i2i.metrics.eval_callback import eval_callbacks
    from i2i.training.callbacks import default_callbacks
    train(cfg, run_dir, callbacks=default_callbacks(extra=eval_callbacks(cfg)))

(training stands below metrics, so the loop never builds this callback itself).

Every ``every`` epochs, and after the last step (also when ``--max-steps`` ends the run
between evaluations), it translates ``testA`` with the generators
in memory, scores against ``testB`` (FID and KID by default; the real features are cached on
disk, so they are extracted once), appends ``{"eval": "test", "step", "epoch", metrics...}``
to ``log.jsonl`` (the lines ``JsonlLog`` keeps apart from the loss history), adds the row to
``ctx.metrics`` (the run page's evaluation table) and draws ``metrics.png`` (metric vs
epoch) in the run folder, which the run page shows with the other plots.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from i2i.console import console
from i2i.images import save_image_atomic
from i2i.metrics.job import EvalOptions
from i2i.training.callbacks import LOG_FILE, Callback

PLOT_FILE = "metrics.png"


def eval_callbacks(cfg) -> list[Callback]:
    """The evaluation ``cfg.train.eval_every`` asks for: ``[EvalCallback]``, or none."""
    every = cfg.train.eval_every
    return [EvalCallback(every=every)] if every > 0 else []


class EvalCallback(Callback):
    def __init__(self, every: int, options: EvalOptions | None = None,
                 direction: str = "AtoB"):
        self.every = every
        self.options = options or EvalOptions(metrics=("fid", "kid"))
        self.direction = direction
        self.warned: set[str] = set()  # small-set warnings once per training, not per epoch

    def check(self, ctx) -> None:
        if self.every > 0:  # fail now, not after the first N epochs
            from i2i.metrics import networks
            from i2i.metrics.eval_split import check_test_split
            from i2i.metrics.evaluate import metric_objects

            metrics = metric_objects(self.options.metrics)
            check_test_split(ctx.cfg, self.direction)
            if any(not m.paired for m in metrics):  # loads it once, kept for the epochs
                networks.load_inception(self.options.weights_dir, ctx.method.device,
                                        any(getattr(m, "needs_logits", False) for m in metrics))

    def on_start(self, ctx) -> None:
        if ctx.metrics:  # already known (the loop kept them)
            return
        log = ctx.run_dir / LOG_FILE
        if log.is_file():  # on resume, the rows JsonlLog kept up to the checkpoint
            for line in log.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if row.get("eval") == "test":
                    ctx.metrics.append(row)

    def on_epoch_end(self, ctx) -> None:
        epoch = ctx.counters.epoch  # epochs finished
        if self.every <= 0 or (epoch % self.every and epoch != ctx.total_epochs):
            return
        if any(r.get("epoch") == epoch for r in ctx.metrics):
            return
        self._score(ctx)

    def on_end(self, ctx) -> None:
        """"and after the last": a run that --max-steps ends between evaluations (before
        its first epoch is done, even) is scored at its last step. Not after Ctrl-C."""
        if self.every <= 0 or not ctx.finished:
            return
        if any(r.get("step") == ctx.counters.global_step for r in ctx.metrics):
            return
        self._score(ctx)

    def _score(self, ctx) -> None:
        """Score now; the row goes to log.jsonl, the run's history and the plot."""
        row = self.evaluate(ctx)
        with (ctx.run_dir / LOG_FILE).open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        ctx.metrics.append(row)
        self.plot(ctx)

    def evaluate(self, ctx) -> dict:
        from i2i.metrics.runs import score_method

        method = ctx.method
        options = replace(self.options, device=str(method.device))
        method.inference_mode()
        try:
            result = score_method(method, ctx.cfg, options, self.direction, warned=self.warned)
        finally:
            method.train_mode()
        if result.bad:
            from i2i.console import warn

            warn(f"evaluation skipped {len(result.bad)} test image(s): "
                 + ", ".join(Path(f).name for f, _ in result.bad[:5]))
        values = {k: v for k, v in result.rows[0].items() if k in result.columns}
        console.print(f"[bold]eval[/] epoch {ctx.counters.epoch}: "
                      + " ".join(f"{k}={v:.4g}" for k, v in values.items()))
        return {"eval": "test", "step": ctx.counters.global_step, "epoch": ctx.counters.epoch,
                "direction": self.direction, **values}

    def plot(self, ctx) -> None:
        from i2i.viz.charts import line_chart, stack_panels

        keys = [k for k in ctx.metrics[-1]
                if k not in ("eval", "step", "epoch", "direction") and not k.endswith("_std")]
        panels = [line_chart({k: [(r["epoch"], r[k]) for r in ctx.metrics if k in r]},
                             title=f"{k} on the test split", x_label="epoch") for k in keys]
        save_image_atomic(stack_panels(panels), ctx.run_dir / PLOT_FILE)
