"""Deterministic, resumable sampling.

The sampler yields ``(index, item_seed)`` pairs: the order of an epoch depends only on
(seed, epoch), and each item's augmentation only on its item seed, so a resumed run skips
the batches already seen and then sees exactly what an uninterrupted run would. Under DDP
each rank takes every ``world_size``-th item of the same permutation.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from torch.utils.data import Sampler


class EpochSampler(Sampler):
    def __init__(self, length: int, seed: int, shuffle: bool = True, rank: int = 0,
                 world_size: int = 1):
        self.length, self.seed, self.shuffle = length, seed, shuffle
        self.rank, self.world_size = rank, world_size
        self.epoch = 0
        self.skip = 0  # items (of this rank) to skip at the start of the epoch

    def set_epoch(self, epoch: int, skip_items: int = 0) -> None:
        self.epoch, self.skip = epoch, skip_items

    def _order(self) -> list[int]:
        order = list(range(self.length))
        if self.shuffle:
            random.Random(f"{self.seed}:{self.epoch}").shuffle(order)
        # Pad so every rank gets the same count (DistributedSampler does the same).
        per_rank = -(-self.length // self.world_size)
        order += order[: per_rank * self.world_size - self.length]
        return order[self.rank :: self.world_size]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for pos, index in enumerate(self._order()):
            if pos < self.skip:
                continue
            yield index, hash_seed(self.seed, self.epoch, index)

    def __len__(self) -> int:
        return max(0, -(-self.length // self.world_size) - self.skip)


def hash_seed(*parts: int) -> int:
    """A stable 63-bit seed from integers (Python's hash() is salted per process)."""
    return random.Random(":".join(map(str, parts))).getrandbits(63)
