"""Learning-rate schedules of the reference code, stepped once per epoch.

``linear``: constant for n_epochs, then linear decay to zero over n_epochs_decay;
``step``: multiply by gamma every step_size epochs; ``plateau``: x0.2 when the epoch's
mean generator loss stops improving; ``cosine``: cosine annealing to zero over the run.
"""

from __future__ import annotations

import torch
from torch.optim import lr_scheduler

from i2i.config import ScheduleConfig


def build_scheduler(opt: torch.optim.Optimizer, cfg: ScheduleConfig):
    if cfg.policy == "linear":
        def factor(epoch: int) -> float:
            return 1.0 - max(0, epoch + 1 - cfg.n_epochs) / float(cfg.n_epochs_decay + 1)

        return lr_scheduler.LambdaLR(opt, lr_lambda=factor)
    if cfg.policy == "step":
        return lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma)
    if cfg.policy == "plateau":
        return lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.2, threshold=0.01,
                                              patience=5)
    if cfg.policy == "cosine":
        total = max(1, cfg.n_epochs + cfg.n_epochs_decay)
        return lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=0)
    raise ValueError(cfg.policy)  # config validation lists the choices before this


def step_scheduler(scheduler, epoch_metric: float) -> None:
    if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
        scheduler.step(epoch_metric)
    else:
        scheduler.step()
