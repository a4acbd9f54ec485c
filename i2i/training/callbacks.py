"""What a run shows and leaves, as callbacks of the one training loop.

Built-ins: a rich progress bar, ``log.jsonl``, sample grids, ``loss.png`` and
``index.html``. Callbacks run on rank 0 only. To add one, subclass :class:`Callback`,
override the events you need and pass an instance to ``loop.train(callbacks=...)``
(``default_callbacks(extra=[...])`` puts it among the built-ins, before the run page), or
register a factory with the ``register_callbacks`` hook so runs select it by name with
``--log NAME`` (the trackers in :mod:`i2i.training.trackers` are registered that way).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from i2i.config import RunConfig
from i2i.console import console
from i2i.images import save_image_atomic, write_bytes_atomic
from i2i.training.checkpoint import Counters

LOG_FILE = "log.jsonl"
SAMPLES_DIR = "samples"


@dataclass
class TrainContext:
    """What callbacks may read; the loop keeps it current."""

    cfg: RunConfig
    run_dir: Path
    method: object
    counters: Counters
    total_epochs: int
    steps_per_epoch: int
    sample_batch: dict | None = None
    history: list[dict] = field(default_factory=list)  # logged rows, oldest first
    metrics: list[dict] = field(default_factory=list)  # evaluation rows, if any
    latest_sample: tuple[int, object] | None = None  # (step, PIL grid) SampleGrids wrote last
    links: dict[str, Path] = field(default_factory=dict)  # run files the page links, by label

    @property
    def total_steps(self) -> int:
        """The schedule's steps (what learning-rate and loss schedules run over)."""
        return self.total_epochs * self.steps_per_epoch

    @property
    def run_steps(self) -> int:
        """The steps this run will actually take: ``--max-steps`` can stop it first.
        What the progress bar, its time left and the run page count to."""
        limit = self.cfg.train.max_steps
        return self.total_steps if limit is None else min(limit, self.total_steps)

    @property
    def finished(self) -> bool:
        """Whether the run reached its last step (not stopped by Ctrl-C)."""
        return self.counters.global_step >= self.run_steps

    def progress_text(self) -> str:
        """"epoch 1/3, step 19/100": the epoch under way (or just finished) of the
        schedule's, and the step of this run's; the bar and the run page say the same."""
        c = self.counters
        epoch = c.epoch if (c.epoch_step == 0 and c.epoch > 0) else c.epoch + 1
        return (f"epoch {min(epoch, self.total_epochs)}/{self.total_epochs}, "
                f"step {c.global_step}/{self.run_steps}")


class Callback:
    def check(self, ctx: TrainContext) -> None:
        """Raise an I2IError for anything that would fail later; runs before the run folder
        is written (or an old run emptied for --overwrite)."""

    def on_start(self, ctx: TrainContext) -> None: ...
    def on_step(self, ctx: TrainContext, losses: dict[str, float]) -> None: ...
    def on_epoch_end(self, ctx: TrainContext) -> None: ...
    def on_checkpoint(self, ctx: TrainContext, path: Path) -> None: ...
    def on_end(self, ctx: TrainContext) -> None: ...


class ProgressBar(Callback):
    """The whole run's progress: a bar with steps, it/s, elapsed and remaining time on one
    line and the running losses on the next, so neither is cut at 80 columns.

    Where stderr is not a terminal (CI logs, ``| tee``) a bar cannot redraw, so a plain
    line with the same figures is printed every tenth of the run or every minute.
    """

    PLAIN_EVERY_S = 60.0

    def on_start(self, ctx):
        self.start_time, self.start_step = time.perf_counter(), ctx.counters.global_step
        self.means: dict[str, float] = {}
        self.live = console.is_terminal
        self.last_plain = self.start_time
        if not self.live:
            return
        self.bar = _TwoLineProgress(
            TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(bar_width=None),
            TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=console, transient=False, expand=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("train", total=ctx.run_steps,
                                      completed=ctx.counters.global_step, epoch=self._ep(ctx),
                                      rate="", losses="")

    def _ep(self, ctx) -> str:
        return ctx.progress_text().split(",")[0].removeprefix("epoch ")

    def on_step(self, ctx, losses):
        for k, v in losses.items():  # exponential running mean: readable, not jumpy
            self.means[k] = v if k not in self.means else 0.9 * self.means[k] + 0.1 * v
        now = time.perf_counter()
        done = ctx.counters.global_step - self.start_step
        rate = done / max(now - self.start_time, 1e-9)
        text = " ".join(f"{k}={v:.3f}" for k, v in self.means.items())
        if self.live:
            self.bar.update(self.task, completed=ctx.counters.global_step, epoch=self._ep(ctx),
                            rate=f"{rate:.2f} it/s", losses=text)
            return
        step, total = ctx.counters.global_step, ctx.run_steps
        tenth = max(1, total // 10)
        if step % tenth == 0 or step == total or now - self.last_plain >= self.PLAIN_EVERY_S:
            self.last_plain = now
            left = (total - step) / rate if rate > 0 else 0.0
            console.print(f"{ctx.progress_text().replace(',', '')} {rate:.2f} it/s "
                          f"elapsed {_clock(now - self.start_time)} left {_clock(left)} {text}")

    def on_end(self, ctx):
        if self.live:
            self.bar.stop()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _TwoLineProgress(Progress):
    """Rich progress whose next lines hold the losses, wrapped between fields (never cut)."""

    def get_renderables(self):
        from rich.text import Text

        yield self.make_tasks_table(self.tasks)
        width = max(20, console.width - 2)  # the i2i console this bar draws on
        for task in self.tasks:
            line = ""
            for field_text in task.fields.get("losses", "").split():
                if line and len(line) + 1 + len(field_text) > width:
                    yield Text("  " + line)
                    line = field_text
                else:
                    line = f"{line} {field_text}".strip()
            if line:
                yield Text("  " + line)


class JsonlLog(Callback):
    """One JSON line per ``log_every`` steps: step, epoch, wall time, lr, mean losses."""

    def on_start(self, ctx):
        self.path = ctx.run_dir / LOG_FILE
        kept = []
        if self.path.is_file():  # on resume, forget lines written after the checkpoint
            for line in self.path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if row.get("step", 0) <= ctx.counters.global_step:
                    kept.append(row)
        write_bytes_atomic("".join(json.dumps(r) + "\n" for r in kept).encode(), self.path)
        ctx.history[:] = [r for r in kept if "eval" not in r]
        self.sums: dict[str, float] = {}
        self.count = 0
        self.t0 = time.time()

    def on_step(self, ctx, losses):
        for k, v in losses.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.count += 1
        if ctx.counters.global_step % max(1, ctx.cfg.train.log_every) == 0:
            self.flush(ctx)

    def flush(self, ctx):
        if not self.count:
            return
        opt = next(iter(ctx.method.optimizers.values()), None)
        row = {"step": ctx.counters.global_step, "epoch": ctx.counters.epoch,
               "time": round(time.time() - self.t0, 3),
               "lr": opt.param_groups[0]["lr"] if opt else None}
        row.update({k: v / self.count for k, v in self.sums.items()})
        with self.path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        ctx.history.append(row)
        self.sums, self.count = {}, 0

    def on_end(self, ctx):
        self.flush(ctx)


class SampleGrids(Callback):
    """A grid of real/fake/reconstructed images per direction every ``sample_every`` steps."""

    def on_step(self, ctx, losses):
        every = ctx.cfg.train.sample_every
        if every > 0 and ctx.counters.global_step % every == 0:
            self.write(ctx)

    def on_end(self, ctx):
        self.write(ctx)

    def write(self, ctx):
        if ctx.sample_batch is None:
            return
        from i2i.viz.grid import sample_grid

        method = ctx.method
        method.inference_mode()
        try:
            picture = sample_grid(method.visuals(ctx.sample_batch))
        finally:
            method.train_mode()
        dest = ctx.run_dir / SAMPLES_DIR / f"step_{ctx.counters.global_step:07d}.png"
        save_image_atomic(picture, dest)
        ctx.latest_sample = (ctx.counters.global_step, picture)  # trackers log the same grid


class RunPage(Callback):
    """``loss.png`` and ``index.html``: written at the start (so the page is there to open
    from the first step), refreshed at every epoch end and at the end."""

    def on_start(self, ctx):
        self.write(ctx)

    def on_epoch_end(self, ctx):
        self.write(ctx)

    def on_end(self, ctx):
        self.write(ctx)

    def write(self, ctx):
        from i2i.viz.html import run_page
        from i2i.viz.loss_plot import loss_plot

        plot = ctx.run_dir / "loss.png"
        save_image_atomic(loss_plot(ctx.history), plot)
        plots = [plot] + sorted(p for p in ctx.run_dir.glob("*.png") if p != plot)
        summary = {
            "method": ctx.cfg.method, "data": ctx.cfg.data.root,
            "generator": f"{ctx.cfg.generator.name} {ctx.cfg.generator.params}",
            "progress": ctx.progress_text(),
        }
        if ctx.run_steps < ctx.total_steps:
            summary["progress"] += (f" (--max-steps {ctx.run_steps} ends the "
                                    f"{ctx.total_steps}-step schedule early)")
        if ctx.cfg.train.log:
            summary["trackers"] = ", ".join(ctx.cfg.train.log)
        samples = sorted((ctx.run_dir / SAMPLES_DIR).glob("*.png"))
        links = {"config": ctx.run_dir / "config.yaml"}
        if (ctx.run_dir / LOG_FILE).is_file():
            links["log"] = ctx.run_dir / LOG_FILE
        links.update(ctx.links)
        page = run_page(ctx.run_dir, f"i2i run: {ctx.run_dir.name}", summary, samples, plots,
                        ctx.metrics, links)
        write_bytes_atomic(page.encode(), ctx.run_dir / "index.html")


def default_callbacks(show_progress: bool = True,
                      extra: Sequence[Callback] = ()) -> list[Callback]:
    """Progress, log, samples, then ``extra`` (e.g. the ``--eval-every`` evaluation, which
    the caller builds: training stands below metrics), then the run page (last, so it shows
    what the others just wrote)."""
    callbacks: list[Callback] = [ProgressBar()] if show_progress else []
    callbacks += [JsonlLog(), SampleGrids(), *extra]
    return callbacks + [RunPage()]
