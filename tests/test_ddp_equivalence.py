"""DDP trains one model, not independent copies: 2 ranks x batch 1 == 1 process x batch 2.

Guards against: DDP without the gradient all-reduce, a sampler that ignores the rank (both
ranks on the same items), ranks drifting apart, and ranks other than 0 writing files.

Tolerance: after one Adam step every compared weight agrees within 1e-6 (0.5 % of the
2e-4 step). Left out, and only these: the biases of convolutions directly followed by
instance norm. Their true gradient is exactly zero (the norm removes any per-channel
constant), so the few 1e-10 of round-off in them, different between one batch of 2 and two
all-reduced batches of 1, become full-size first Adam steps of either sign.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from i2i.data.sampler import EpochSampler

WORKER = Path(__file__).parent / "ddp_worker.py"
TOLERANCE = 1e-6


def run_worker(out: Path, batch: int, ddp: bool) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc_per_node=2"] if ddp else [sys.executable]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [str(WORKER.parents[1]), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([*launcher, str(WORKER), str(out), str(batch), "1"], env=env,
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def zero_gradient_biases() -> set[str]:
    """Names (``net.param``) of conv biases that feed straight into an InstanceNorm."""
    from i2i.nets.discriminators.patchgan import patchgan
    from i2i.nets.generators.resnet import resnet

    nets = {"G_A": resnet(3, 3, ngf=4, n_blocks=1), "D_A": patchgan(3, ndf=4, n_layers=1)}
    nets["G_B"], nets["D_B"] = nets["G_A"], nets["D_A"]
    names = set()
    for key, net in nets.items():
        for prefix, module in net.named_modules():
            if not isinstance(module, nn.Sequential):
                continue
            children = list(module.named_children())
            for (name, conv), (_, nxt) in zip(children, children[1:], strict=False):
                if isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d)) and \
                        isinstance(nxt, nn.InstanceNorm2d) and conv.bias is not None:
                    names.add(f"{key}.{prefix + '.' if prefix else ''}{name}.bias")
    return names


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    single = tmp_path_factory.mktemp("single")
    ddp = tmp_path_factory.mktemp("ddp")
    run_worker(single, batch=2, ddp=False)
    run_worker(ddp, batch=1, ddp=True)
    return single, ddp


def load(path: Path) -> dict[str, torch.Tensor]:
    nets = torch.load(path, weights_only=True)
    return {f"{k}.{name}": t for k, sd in nets.items() for name, t in sd.items()}


@pytest.mark.numerics
def test_two_ranks_of_batch_1_equal_one_process_of_batch_2(trained):
    single, ddp = trained
    ref, got = load(single / "rank0.pt"), load(ddp / "rank0.pt")
    skipped = zero_gradient_biases()
    assert skipped and skipped <= set(ref)
    compared = 0
    for name, tensor in ref.items():
        if name in skipped or not tensor.is_floating_point():
            continue
        diff = (tensor - got[name]).abs().max().item()
        assert diff <= TOLERANCE, f"{name} differs by {diff:.2e}"
        compared += tensor.numel()
    assert compared > 0.9 * sum(t.numel() for t in ref.values() if t.is_floating_point())


@pytest.mark.numerics
def test_both_ranks_end_with_identical_weights(trained):
    _, ddp = trained
    rank0, rank1 = load(ddp / "rank0.pt"), load(ddp / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name


def test_only_rank_0_writes_the_run(trained):
    single, ddp = trained
    names = sorted(str(p.relative_to(single / "run")) for p in (single / "run").rglob("*"))
    assert names == sorted(str(p.relative_to(ddp / "run")) for p in (ddp / "run").rglob("*"))
    log = (ddp / "run" / "log.jsonl").read_text().splitlines()
    assert len(log) == 1  # one step logged once, not once per rank


@pytest.mark.parametrize("length", [8, 7])
def test_rank_shards_are_disjoint_and_cover_the_epoch(length):
    shards = [[i for i, _ in EpochSampler(length, seed=5, rank=r, world_size=2)]
              for r in range(2)]
    assert len(shards[0]) == len(shards[1]) == -(-length // 2)
    if length % 2 == 0:
        assert not set(shards[0]) & set(shards[1])
    assert set(shards[0]) | set(shards[1]) == set(range(length))
    single = [i for i, _ in EpochSampler(length, seed=5)]
    assert [x for pair in zip(*shards, strict=True) for x in pair][:length] == single


@pytest.mark.numerics
def test_a_resumed_ddp_run_equals_an_uninterrupted_one(tmp_path):
    """Guards against resume giving every rank rank 0's RNG and image pools (each rank
    draws its own dropout masks and keeps its own pool), which makes a resumed 2-rank run
    drift from an uninterrupted one."""
    from i2i.training.checkpoint import load_latest

    def launch(*args):
        env = dict(os.environ, OMP_NUM_THREADS="1")
        proc = subprocess.run([sys.executable, "-m", "i2i", "train", *args, "--quiet"],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=400)
        assert proc.returncode == 0, proc.stderr[-3000:]

    common = ["cyclegan", "--data", "builtin:toy", "--size", "32", "--gpus", "2", "--device",
              "cpu", "--workers", "0", "--set", "generator.params.ngf=4",
              "--set", "generator.params.n_blocks=1", "--set", "generator.params.dropout=true",
              "--set", "discriminator.params.ndf=4", "--set", "discriminator.params.n_layers=1",
              "--set", "train.sample_every=0", "--set", "train.pool_size=2"]
    launch(*common, "--max-steps", "4", "--name", "straight")
    launch(*common, "--max-steps", "2", "--name", "split")
    launch("--resume", str(tmp_path / "runs" / "split"), "--max-steps", "4")
    straight = load_latest(tmp_path / "runs" / "straight")[1]
    split = load_latest(tmp_path / "runs" / "split")[1]
    assert split["counters"]["global_step"] == 4
    for key, state in straight["nets"].items():
        for name, tensor in state.items():
            assert torch.equal(tensor, split["nets"][key][name]), f"{key}.{name}"
