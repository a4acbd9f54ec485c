"""Train a tiny CycleGAN for a few steps and save every rank's final weights.

Run as ``python tests/ddp_worker.py OUT BATCH STEPS`` (one process) or under
``torch.distributed.run --nproc_per_node 2`` (DDP on gloo). Used by
tests/test_ddp_equivalence.py; each rank writes ``OUT/rank<R>.pt``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from i2i.runs import resolve_train_config
from i2i.training.loop import train

TINY = ["generator.params.ngf=4", "generator.params.n_blocks=1",
        "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
        "train.sample_every=0", "train.pool_size=0", "data.num_workers=0",
        "train.log_every=1", "data.max_dataset_size=8", "train.device=cpu"]


def main() -> None:
    out, batch, steps = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1)
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": steps}, "name": "run", "out_dir": str(out)}
    cfg = resolve_train_config("cyclegan", None, None, layer, [*TINY, f"data.batch_size={batch}"])
    ctx = train(cfg, out / "run", show_progress=False)
    rank = int(os.environ.get("RANK", 0))
    torch.save({k: v.state_dict() for k, v in ctx.method.nets.items()}, out / f"rank{rank}.pt")


if __name__ == "__main__":
    main()
