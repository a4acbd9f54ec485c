"""The image history buffer of Shrivastava et al. (2017), as CycleGAN uses it: the
discriminator sees a mix of the newest fakes and fakes from earlier generators."""

from __future__ import annotations

import random

import torch


class ImagePool:
    def __init__(self, size: int, seed: int = 0):
        self.size = size
        self.images: list[torch.Tensor] = []
        self.rng = random.Random(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """Return a batch: each image is the new one, or (half the time, once the pool is
        full) a stored one that the new one replaces."""
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif self.rng.random() > 0.5:
                slot = self.rng.randint(0, self.size - 1)
                out.append(self.images[slot].clone())
                self.images[slot] = image.clone()
            else:
                out.append(image)
        return torch.cat(out, 0)

    def state_dict(self) -> dict:
        stored = torch.cat(self.images).cpu() if self.images else torch.empty(0)
        return {"images": stored, "rng": rng_state_to_list(self.rng)}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        stored = state["images"]
        self.images = [img.unsqueeze(0).to(device) for img in stored] if stored.numel() else []
        rng_state_from_list(self.rng, state["rng"])


def rng_state_to_list(rng: random.Random) -> list:
    """A Python RNG's state as plain lists, which ``weights_only`` checkpoint loading takes."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def rng_state_from_list(rng: random.Random, state: list) -> None:
    version, internal, gauss = state
    rng.setstate((version, tuple(internal), gauss))
