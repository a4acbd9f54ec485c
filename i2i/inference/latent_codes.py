"""Which latent codes ``i2i translate`` gives a multimodal method (``Method.latent_size`` > 0).

``--samples K``: every input gets K outputs, ``NAME_0.ext`` ... ``NAME_{K-1}.ext``, made
with K codes from the method's prior (:meth:`Method.sample_latents`). The codes of an input
come from a ``torch.Generator`` seeded by ``--seed`` and the output's path under ``--out``
(without extension), drawn on the CPU: they depend on nothing else, so the same seed gives
the same outputs whatever the batch size, the other inputs or the device, and a rerun that
skips finished outputs continues with the same codes; another seed gives others.

``--reference IMG``: every input gets one output, under its usual name, made with the code
the method's encoder finds in IMG (resized to the training size first, the size the
encoder learned at).

To give translate another way of choosing codes, add a class with ``codes(method, jobs)``
and ``inputs`` (files it reads, which no output may replace) like :class:`RandomSamples`
and build it in ``i2i/cli/translate.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

from i2i.errors import ConfigError
from i2i.images import load_rgb, pil_to_tensor

MAX_SAMPLES = 1000  # a typo (--samples 10000) must not fill the disk


def sample_path(dest: Path, k: int) -> Path:
    """``out/x.png`` -> ``out/x_k.png``: the name ``lpips-diversity`` groups by."""
    return dest.with_name(f"{dest.stem}_{k}{dest.suffix}")


def seed_for(seed: int, name: str) -> int:
    """A generator seed from the user's seed and one output's name (stable across runs:
    crc32, not Python's salted ``hash``)."""
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**63


def check_samples(samples: int) -> None:
    if not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"--samples is {samples}; give a count from 1 to {MAX_SAMPLES}")


class RandomSamples:
    """K codes per input from the prior, seeded per input (see the module docstring)."""

    inputs: tuple[Path, ...] = ()  # reads no file

    def __init__(self, count: int, seed: int, out_dir: Path):
        check_samples(count)
        self.count, self.seed, self.out_dir = count, seed, Path(out_dir).resolve()

    def key(self, dest: Path) -> str:
        try:
            return dest.relative_to(self.out_dir).with_suffix("").as_posix()
        except ValueError:
            return dest.with_suffix("").name

    def codes(self, method, jobs: list) -> list[torch.Tensor]:
        """One (B, nz) tensor per sample k, row i for ``jobs[i]``."""
        drawn = [method.sample_latents(
                     self.count, torch.Generator().manual_seed(seed_for(self.seed,
                                                                        self.key(job.dest))))
                 for job in jobs]
        return [torch.stack([d[k] for d in drawn]) for k in range(self.count)]


class ReferenceCode:
    """One code, the encoder's for a reference image, for every input."""

    count = 0  # outputs keep their usual names

    def __init__(self, method, image: Path, direction: str):
        method.require_latents("--reference")
        self.inputs = (Path(image),)  # an output must never replace the reference
        cfg = method.cfg
        channels = cfg.data.output_nc if direction == "AtoB" else cfg.data.input_nc
        x = pil_to_tensor(load_rgb(Path(image), channels))[None]
        size = cfg.data.crop_size
        x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)
        with torch.inference_mode():
            self.code = method.encode_latent(x.to(method.device), direction).float().cpu()

    def codes(self, method, jobs: list) -> list[torch.Tensor]:
        return [self.code.expand(len(jobs), -1)]
