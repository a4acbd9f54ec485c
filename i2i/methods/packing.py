"""PacGAN packing (Lin et al. 2018, "PacGAN: The power of two samples in generative
adversarial networks"): the discriminator judges m samples of one kind at once,
concatenated along channels, which penalises a generator whose samples look alike.

``discriminator.pack`` = m. A batch of B samples becomes B / m packs when m divides it; a
batch smaller than m (batch size 1, or a short last batch) is completed with samples of the
same kind seen earlier: reals from earlier batches of the data, fakes from an image pool of
earlier translations (:class:`Companions`, one per discriminator and kind). Only the
current samples carry gradients; companions are detached. A batch size of m or more that m
does not divide is refused when the method is built (:func:`check_pack`).

Each :class:`Companions` keeps its own random stream and stored images in the method's
extra state, so a resumed run packs exactly as an uninterrupted one.
"""

from __future__ import annotations

import random
import zlib

import torch

from i2i.errors import ConfigError
from i2i.methods.image_pool import rng_state_from_list, rng_state_to_list

CAPACITY = 50  # stored samples per (discriminator, kind): CycleGAN's image-pool size


FIXED_SIZE_MODES = ("resize_and_crop", "crop", "scale_width_and_crop")  # same-size samples


def check_pack(pack: int, batch_size: int, preprocess: str = "resize_and_crop") -> None:
    """One line when m packs neither a whole batch nor completes one from earlier samples,
    or when samples of different sizes could not be concatenated."""
    if pack < 1:
        raise ConfigError(f"'discriminator.pack' is {pack}; it must be 1 (no packing) or more")
    if pack > 1 and preprocess not in FIXED_SIZE_MODES:
        raise ConfigError(f"discriminator.pack={pack} packs samples of one size, but "
                          f"data.preprocess={preprocess} keeps each image's own; use one of: "
                          f"{', '.join(FIXED_SIZE_MODES)}")
    if pack > 1 and batch_size >= pack and batch_size % pack:
        raise ConfigError(
            f"discriminator.pack={pack} does not divide data.batch_size={batch_size}; use a "
            f"batch size that is a multiple of {pack}, or one below {pack} (each sample is "
            "then packed with earlier ones)")


class Companions:
    """Earlier samples of one kind for one discriminator, to complete short packs."""

    def __init__(self, seed: int, capacity: int = CAPACITY):
        self.capacity = capacity
        self.images: list[torch.Tensor] = []
        self.latest: list[int] = []  # slots the last remember() wrote
        self.rng = random.Random(seed)

    def draw(self, n: int, like: torch.Tensor, avoid_latest: bool = False) -> torch.Tensor:
        """``n`` stored samples (with repeats if fewer are stored), or, before anything is
        stored, copies of ``like``'s samples in turn (the very first step only).

        ``avoid_latest``: not the samples the last :meth:`remember` stored, so a generator
        pass after the discriminator's step never packs a fake with its own copy."""
        slots = [i for i in range(len(self.images)) if not (avoid_latest and i in self.latest)]
        slots = slots or list(range(len(self.images)))  # only the latest: better than none
        if not slots:
            idx = [i % like.shape[0] for i in range(n)]
            return like.detach()[idx]
        chosen = [self.images[slots[self.rng.randrange(len(slots))]] for _ in range(n)]
        return torch.cat(chosen).to(device=like.device, dtype=like.dtype)

    def remember(self, x: torch.Tensor) -> None:
        self.latest = []
        for image in x.detach():
            image = image.unsqueeze(0).clone()
            if len(self.images) < self.capacity:
                self.images.append(image)
                self.latest.append(len(self.images) - 1)
            else:  # replace a random one: the store keeps a spread of training time
                slot = self.rng.randrange(self.capacity)
                self.images[slot] = image
                self.latest.append(slot)

    def state_dict(self) -> dict:
        stored = torch.cat(self.images).cpu() if self.images else torch.empty(0)
        return {"images": stored, "latest": list(self.latest),
                "rng": rng_state_to_list(self.rng)}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        stored = state["images"]
        self.images = [i.unsqueeze(0).to(device) for i in stored] if stored.numel() else []
        self.latest = list(state.get("latest", []))
        rng_state_from_list(self.rng, state["rng"])


class Packer:
    """Packs discriminator inputs for one method: ``pack(key, kind, x)``."""

    def __init__(self, pack: int, seed: int):
        self.pack_size, self.seed = pack, seed
        self.companions: dict[str, Companions] = {}

    def pack(self, key: str, kind: str, x: torch.Tensor, remember: bool) -> torch.Tensor:
        """(B, C, H, W) -> (P, m*C, H, W): P = B / m, or B packs completed from earlier
        samples when B < m (and a short last batch filled up to whole packs)."""
        m = self.pack_size
        if m == 1:
            return x
        b = x.shape[0]
        store = self._store(f"{key}/{kind}")
        if b < m:  # every sample leads a pack of its own
            packs, missing = b, b * (m - 1)
        else:
            packs = -(-b // m)
            missing = packs * m - b
        if missing:
            extra = store.draw(missing, x, avoid_latest=not remember)
            if b < m:  # sample i gets companions i, i+b, ... so each pack leads with a new one
                rows = [torch.cat([x[i:i + 1], extra[i::b]]) for i in range(b)]
                full = torch.cat(rows)
            else:
                full = torch.cat([x, extra])
        else:
            full = x
        if remember:
            store.remember(x)
        return full.reshape(packs, m * x.shape[1], *x.shape[2:])

    def _store(self, name: str) -> Companions:
        if name not in self.companions:
            self.companions[name] = Companions(self.seed * 1009 + zlib.crc32(name.encode()))
        return self.companions[name]

    def state_dict(self) -> dict:
        return {name: c.state_dict() for name, c in self.companions.items()}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        for name, s in state.items():
            self._store(name).load_state_dict(s, device)
