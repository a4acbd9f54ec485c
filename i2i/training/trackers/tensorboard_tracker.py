"""``--log tensorboard``: TensorBoard event files in ``RUN/tensorboard/``."""

from __future__ import annotations

from i2i.config import RunConfig, to_yaml
from i2i.errors import ConfigError
from i2i.training.trackers.base import Tracker

LOG_DIR = "tensorboard"


class TensorBoardTracker(Tracker):
    """Scalars, sample grids and the config as text; view with ``tensorboard --logdir RUN``."""

    def check(self, ctx):
        try:  # torch's SummaryWriter needs the tensorboard package, which torch lacks
            import tensorboard  # noqa: F401
        except ImportError:
            raise ConfigError('--log tensorboard needs the tensorboard package: '
                              'pip install "i2i[tensorboard]"') from None

    def open(self, ctx, start_step):
        from torch.utils.tensorboard import SummaryWriter

        # On resume, events after the checkpoint (steps > start_step, logged before the
        # last run stopped) are purged by TensorBoard's reader, so no step appears twice.
        purge = start_step + 1 if start_step > 0 else None
        self.writer = SummaryWriter(str(ctx.run_dir / LOG_DIR), purge_step=purge)
        ctx.links["tensorboard"] = ctx.run_dir / LOG_DIR  # the run page links the folder

    def scalars(self, step, values):
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def image(self, tag, step, picture):
        import numpy as np

        self.writer.add_image(tag, np.asarray(picture.convert("RGB")), step, dataformats="HWC")

    def config(self, cfg: RunConfig, step):
        # an indented block: TensorBoard renders text as Markdown
        text = "\n".join("    " + line for line in to_yaml(cfg).splitlines())
        self.writer.add_text("config", text, step)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()
