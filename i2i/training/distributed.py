"""Multi-GPU and multi-node through torch.distributed (torchrun); no launcher of our own.

Under ``torchrun`` the environment carries RANK/WORLD_SIZE/LOCAL_RANK; ``--gpus N`` on one
machine re-launches the same command through ``torch.distributed.run`` with N processes.
Rank 0 alone logs and writes files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @classmethod
    def from_env(cls) -> DistInfo:
        """Rank and size as torchrun set them (single process outside torchrun)."""
        if not under_torchrun():
            return cls()
        return cls(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]),
                   int(os.environ.get("LOCAL_RANK", 0)))


def under_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def init_distributed(device_type: str) -> DistInfo:
    """Join the process group torchrun set up (nccl on CUDA, gloo otherwise)."""
    info = DistInfo.from_env()
    if not info.enabled:
        return DistInfo()
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        if device_type == "cuda":
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend=backend)
    return info


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def any_rank(info: DistInfo, flag: bool) -> bool:
    """True on every rank when ``flag`` is true on any (so all ranks stop at one step)."""
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0],
                     device="cuda" if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def gather_rank_state(info: DistInfo, state: dict) -> list[dict]:
    """Every rank's ``state`` (RNG, image pools), in rank order; ``[state]`` alone."""
    if not info.enabled:
        return [state]
    gathered: list = [None] * info.world_size
    dist.all_gather_object(gathered, state)
    return gathered


def launch_local(nproc: int, argv: list[str]) -> int:
    """Run ``python -m i2i <argv>`` under torchrun with ``nproc`` processes on this machine."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={nproc}", "-m", "i2i", *argv]
    proc = subprocess.Popen(cmd)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached torchrun too, which passes it to the workers; they finish the
            # step and save. Keep waiting, so the run lock outlives them.
            continue
