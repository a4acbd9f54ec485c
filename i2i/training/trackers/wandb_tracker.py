"""``--log wandb``: a Weights & Biases run whose local files live under ``RUN/wandb/``."""

from __future__ import annotations

import os
import secrets

from i2i.config import RunConfig
from i2i.errors import ConfigError
from i2i.images import write_bytes_atomic
from i2i.training.trackers.base import Tracker

ID_FILE = "wandb/i2i_run_id"  # the W&B run id, so --resume continues the same W&B run
LOCAL_MODES = ("offline", "dryrun", "disabled")  # modes that need no login


class WandbTracker(Tracker):
    """Scalars and sample grids in the W&B run's history, the resolved config as its config.

    Project ``train.wandb_project`` (default ``i2i``), name ``train.wandb_name`` (default:
    the run folder's name). ``WANDB_MODE=offline`` logs without network into
    ``RUN/wandb/offline-run-*``; ``wandb sync`` uploads such a folder later.
    """

    def check(self, ctx):
        try:
            import wandb
        except ImportError:
            raise ConfigError('--log wandb needs the wandb package: pip install "i2i[wandb]"'
                              ) from None
        if os.environ.get("WANDB_MODE", "").lower() in LOCAL_MODES:
            return
        try:  # fails now, not after the run folder is written (prompts on a terminal)
            wandb.login(verify=False)
        except wandb.errors.UsageError:
            raise ConfigError("--log wandb has no W&B login: run `wandb login` (or set "
                              "WANDB_API_KEY), or set WANDB_MODE=offline to log into the run "
                              "folder and `wandb sync` it later") from None

    def open(self, ctx, start_step):
        import wandb

        id_file = ctx.run_dir / ID_FILE
        if id_file.is_file():
            run_id = id_file.read_text().strip()
        else:
            run_id = secrets.token_hex(4)
            write_bytes_atomic(run_id.encode(), id_file)
        train = ctx.cfg.train
        self.run = wandb.init(
            project=train.wandb_project, name=train.wandb_name or ctx.run_dir.name, id=run_id,
            resume="allow", dir=str(ctx.run_dir),
            # i2i draws its own progress; W&B wrapping stdout/stderr would fight the bar
            settings=wandb.Settings(console="off"),
        )
        ctx.links["wandb"] = ctx.run_dir / "wandb"  # the run page links the local files

    def scalars(self, step, values):
        self.run.log(values, step=step)

    def image(self, tag, step, picture):
        import wandb

        self.run.log({tag: wandb.Image(picture)}, step=step)

    def config(self, cfg: RunConfig, step):
        # a resume may change settings (--epochs, --max-steps): the newest values win
        self.run.config.update(cfg.to_dict(), allow_val_change=True)

    def close(self):
        self.run.finish()
