"""Resume continues the same schedule exactly: N steps straight equal N/2 + resume + N/2."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
import torch

from i2i.errors import CheckpointError
from i2i.runs import resolve_train_config
from i2i.training import checkpoint as ckpt
from i2i.training.loop import train

# Tiny nets; 4 images a domain and batch 2 make 2 steps an epoch, so 7 steps cross epoch
# boundaries (lr decay every epoch) and the break at step 3 falls mid-epoch. Dropout and the
# image pool make the run depend on the torch and pool RNG states too.
TINY = [
    "generator.params.ngf=4", "generator.params.n_blocks=1", "generator.params.dropout=true",
    "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
    "data.max_dataset_size=4", "data.batch_size=2", "data.num_workers=0",
    "schedule.n_epochs=1", "schedule.n_epochs_decay=3", "train.log_every=1",
    "train.sample_every=0", "train.pool_size=3",
]


def tiny_config(out: Path, name: str, steps: int):
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "train": {"max_steps": steps}, "name": name, "out_dir": str(out)}
    return resolve_train_config("cyclegan", None, None, layer, TINY)


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return {r["step"]: {k: v for k, v in r.items() if k not in ("time",)} for r in rows}


@pytest.mark.numerics
def test_resume_continues_the_same_schedule(tmp_path):
    straight = train(tiny_config(tmp_path, "straight", 7), tmp_path / "straight",
                     show_progress=False)
    train(tiny_config(tmp_path, "split", 3), tmp_path / "split", show_progress=False)
    resumed = train(tiny_config(tmp_path, "split", 7), tmp_path / "split", resume=True,
                    show_progress=False)
    assert resumed.counters.global_step == straight.counters.global_step == 7
    for key, net in straight.method.nets.items():
        other = resumed.method.nets[key].state_dict()
        for name, tensor in net.state_dict().items():
            assert torch.equal(tensor, other[name]), f"{key}.{name} differs after resume"
    assert losses_by_step(tmp_path / "straight") == losses_by_step(tmp_path / "split")
    lrs = [r["lr"] for r in losses_by_step(tmp_path / "split").values()]
    assert lrs[0] > lrs[-1]  # the schedule really decayed across the resume


def test_checkpoint_holds_config_and_loads_weights_only(tmp_path):
    train(tiny_config(tmp_path, "r", 2), tmp_path / "r", show_progress=False)
    path = ckpt.latest_checkpoint(tmp_path / "r")
    payload = ckpt.load_checkpoint(path)
    assert payload["config"]["generator"]["params"]["ngf"] == 4
    assert payload["counters"]["global_step"] == 2
    assert "pool_a" in payload["extra"]


def test_a_pickle_that_is_not_a_checkpoint_is_refused(tmp_path):
    bad = tmp_path / "evil.pt"
    torch.save({"when": datetime.date(2020, 1, 1)}, bad)  # a global weights_only refuses
    with pytest.raises(CheckpointError, match="cannot load checkpoint"):
        ckpt.load_checkpoint(bad)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(CheckpointError, match="not an i2i checkpoint"):
        ckpt.load_checkpoint(other)


def test_keep_last_prunes_old_checkpoints(tmp_path):
    cfg = tiny_config(tmp_path, "k", 6)
    cfg.train.checkpoint_every = 1
    cfg.train.keep_last = 2
    train(cfg, tmp_path / "k", show_progress=False)
    kept = ckpt.list_checkpoints(tmp_path / "k")
    assert len(kept) == 2
    assert ckpt.latest_checkpoint(tmp_path / "k") in kept


def test_threads_setting_sets_torch_threads(tmp_path):
    before = torch.get_num_threads()
    cfg = tiny_config(tmp_path, "t", 1)
    cfg.train.threads = 1
    torch.set_num_threads(2)  # so the assertion below sees a change on any machine
    try:
        train(cfg, tmp_path / "t", show_progress=False)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
