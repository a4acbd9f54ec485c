"""Helpers for tests that train a method on builtin:toy at 32 px: a tiny config, exact
resume (N steps straight equal N/2 + resume + N/2) and reading the loss log."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from i2i.runs import resolve_train_config
from i2i.training.loop import train

# Small nets, one thread, no sample grids: each step takes tens of ms on a CPU core.
TINY = ["data.batch_size=4", "data.num_workers=0", "generator.params.ngf=16",
        "generator.params.n_blocks=2", "discriminator.params.ndf=16",
        "train.sample_every=0", "train.threads=1", "train.log_every=1"]
# Tinier still for resume: 4 images a domain at batch 1 make 4 steps an epoch, so 7 steps
# cross epoch boundaries (lr decay each epoch) and the break at 3 falls mid-epoch; PacGAN
# packs of 2 at batch 1 draw companions from stored samples, whose state must resume too.
RESUME = ["generator.params.ngf=4", "generator.params.n_blocks=1",
          "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
          "data.max_dataset_size=4", "data.batch_size=1", "discriminator.pack=2",
          "schedule.n_epochs=1", "schedule.n_epochs_decay=3"]


def toy_config(method: str, out: Path, name: str, steps: int, *extra: str):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": steps}, "name": name, "out_dir": str(out)}
    return resolve_train_config(method, None, None, layer, [*TINY, *extra])


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if k != "time"} for r in rows}


def assert_resume_is_exact(method: str, out: Path, *extra: str, steps: int = 7,
                           split: int = 3):
    """Train ``steps`` straight and ``split`` + resume; nets and logs must be identical.
    Returns the resumed run's context."""
    straight = train(toy_config(method, out, "straight", steps, *RESUME, *extra),
                     out / "straight", show_progress=False)
    train(toy_config(method, out, "split", split, *RESUME, *extra), out / "split",
          show_progress=False)
    resumed = train(toy_config(method, out, "split", steps, *RESUME, *extra), out / "split",
                    resume=True, show_progress=False)
    assert resumed.counters.global_step == straight.counters.global_step == steps
    assert straight.method.nets.keys() == resumed.method.nets.keys()
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    assert losses_by_step(out / "straight") == losses_by_step(out / "split")
    return resumed


def mean_losses(run: Path, key: str, first: int, last: int) -> tuple[float, float]:
    """Mean of loss ``key`` over the run's first ``first`` and last ``last`` logged steps."""
    rows = [r[key] for _, r in sorted(losses_by_step(run).items())]
    return sum(rows[:first]) / first, sum(rows[-last:]) / last
