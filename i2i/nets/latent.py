"""How a latent code enters an image generator.

BicycleGAN's ``where_add=input``: the code z (N, nz) is tiled over the image plane and
concatenated to the input's channels, so any registered generator built for
``input_nc + nz`` channels becomes conditional on z. (The authors' default, ``all``, adds z
to every U-Net level; ``input`` is their other option, and needs no generator of its own.)
"""

from __future__ import annotations

import torch


def with_latent(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) and (N, nz) -> (N, C + nz, H, W): z constant over each image."""
    if z.dim() != 2 or z.shape[0] != x.shape[0]:
        raise ValueError(f"latent codes of shape {tuple(z.shape)} do not match a batch of "
                         f"{x.shape[0]} images")
    tiled = z.to(dtype=x.dtype)[:, :, None, None].expand(-1, -1, *x.shape[-2:])
    return torch.cat([x, tiled], 1)
