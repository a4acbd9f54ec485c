"""Learning-rate schedules: the lr each epoch runs at, for every policy."""

from __future__ import annotations

import math

import pytest
import torch

from i2i.config import ScheduleConfig
from i2i.training.schedulers import build_scheduler, step_scheduler

# no optimiser steps here: only the lr of each epoch matters
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of .lr_scheduler.step")


def _lrs(cfg: ScheduleConfig, epochs: int, metrics=None) -> list[float]:
    """The lr of epochs 0 .. epochs-1, then the lr after the last epoch's step."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = build_scheduler(opt, cfg)
    seen = []
    for epoch in range(epochs):
        seen.append(opt.param_groups[0]["lr"])
        step_scheduler(scheduler, metrics[epoch] if metrics else 1.0)
    return seen + [opt.param_groups[0]["lr"]]


def test_linear_is_constant_then_decays_linearly_to_exactly_zero():
    """Guards against a decay that starts early or late, does not reach zero at the end of
    the run (or overshoots below it), or is not linear."""
    lrs = _lrs(ScheduleConfig(policy="linear", n_epochs=3, n_epochs_decay=4), 7)
    assert lrs[:3] == [1.0, 1.0, 1.0]
    assert lrs[3:7] == pytest.approx([0.8, 0.6, 0.4, 0.2], abs=1e-12)
    assert lrs[7] == 0.0


def test_step_multiplies_by_gamma_every_step_size_epochs():
    """Guards against ``step`` ignoring step_size or gamma (or built as another policy)."""
    lrs = _lrs(ScheduleConfig(policy="step", step_size=2, gamma=0.5), 6)
    assert lrs == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125])


def test_plateau_cuts_by_five_after_five_epochs_without_a_one_percent_gain():
    """Guards against ``plateau`` not reading the epoch's loss, another factor, patience
    or threshold, or mode "max" (a falling loss would then count as no progress)."""
    cfg = ScheduleConfig(policy="plateau")
    flat = _lrs(cfg, 8, [1.0] * 8)
    assert flat[:7] == [1.0] * 7 and flat[7] == pytest.approx(0.2)
    improving = _lrs(cfg, 8, [0.98**k for k in range(8)])  # 2 % better each epoch
    assert improving == [1.0] * 9
    creeping = _lrs(cfg, 8, [0.999**k for k in range(8)])  # 0.1 %: below the threshold
    assert creeping[7] == pytest.approx(0.2)


def test_cosine_anneals_from_the_lr_to_zero_over_the_whole_run():
    """Guards against ``cosine`` annealing over n_epochs alone, to a floor above zero, or
    along another curve."""
    cfg = ScheduleConfig(policy="cosine", n_epochs=2, n_epochs_decay=4)
    lrs = _lrs(cfg, 6)
    expected = [0.5 * (1 + math.cos(math.pi * e / 6)) for e in range(7)]
    assert lrs == pytest.approx(expected, abs=1e-9)
    assert lrs[-1] == pytest.approx(0.0, abs=1e-12)
