"""LPIPS diversity of multimodal samples (the diversity score of Zhu et al. 2017,
BicycleGAN): the mean LPIPS distance between outputs made from the same input; higher is
more diverse.

Files are grouped by their path under ``--fake`` without extension and without a trailing
``_k`` (``shoe_0.png``, ``shoe_1.png``, ... as ``i2i translate --samples K`` names them).
Every group of n >= 2 readable samples gives its n(n-1)/2 unordered pairs; the score is the
mean over all pairs of all groups (and ``lpips_diversity_std`` their standard deviation).
The paper averages random pairs of samples of the same inputs; all pairs have the same
expectation and no draw to seed. Files without a ``_k`` suffix, or alone in their group,
are left out with a warning. A sample of another size than the first of its group is
resized to it (bicubic). The distance is i2i's LPIPS (``i2i.metrics.lpips``: v0.1, VGG16).
No real images are read.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from i2i.errors import DataError
from i2i.images import load_rgb, reason
from i2i.metrics.base import SetMetric
from i2i.metrics.lpips import load_lpips, to_unit_range

_SAMPLE = re.compile(r"^(?P<input>.+)_(?P<k>\d+)$")


def group_samples(root: Path, files: list[Path]) -> tuple[dict[str, list[Path]], list[Path]]:
    """({input name: its sample files, in k order}, files that are no sample: no ``_k``)."""
    groups: dict[str, list[tuple[int, Path]]] = {}
    loose: list[Path] = []
    for path in files:
        rel = path.relative_to(root).with_suffix("")
        match = _SAMPLE.match(rel.name)
        if match is None:
            loose.append(path)
            continue
        key = (rel.parent / match["input"]).as_posix()
        groups.setdefault(key, []).append((int(match["k"]), path))
    return {key: [p for _, p in sorted(items)] for key, items in sorted(groups.items())}, loose


def pair_distances(net, images: list[torch.Tensor], batch_size: int,
                   device: torch.device) -> list[float]:
    """LPIPS of every unordered pair of ``images`` ((1, 3, H, W) each, one size)."""
    pairs = list(itertools.combinations(range(len(images)), 2))
    out: list[float] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        x = torch.cat([images[i] for i, _ in chunk]).to(device)
        y = torch.cat([images[j] for _, j in chunk]).to(device)
        with torch.inference_mode():
            out += net(x, y).float().cpu().tolist()
    return out


class LPIPSDiversity(SetMetric):
    name = "lpips-diversity"
    description = ("mean LPIPS between samples of the same input (NAME_k files), no real "
                   "set; higher is more diverse")
    columns = ("lpips_diversity", "lpips_diversity_std")
    lower_is_better = False
    needs_real = False

    def compute(self, job):
        root = job.fake.root
        groups, loose = group_samples(root, job.fake.files)
        images = {key: self._load(paths, job) for key, paths in groups.items()}
        usable = {key: imgs for key, imgs in images.items() if len(imgs) >= 2}
        if not usable:
            raise DataError(f"lpips-diversity needs several samples of an input named "
                            f"NAME_0, NAME_1, ... (as `i2i translate --samples K` writes); "
                            f"no input in {root} has 2 or more")
        left_out = len(loose) + sum(len(v) for k, v in images.items() if k not in usable)
        if left_out:
            job.warn_once("diversity-loose", f"lpips-diversity: {left_out} file(s) in {root} "
                          "are no NAME_k sample or have no sibling sample; left out")
        wd = str(job.options.weights_dir) if job.options.weights_dir else None
        net = load_lpips(wd, str(job.device))
        distances: list[float] = []
        for imgs in usable.values():
            distances += pair_distances(net, imgs, job.options.batch_size, job.device)
        return {"lpips_diversity": float(np.mean(distances)),
                "lpips_diversity_std": float(np.std(distances)),
                "n_inputs": len(usable), "n_sample_pairs": len(distances)}

    def _load(self, paths: list[Path], job) -> list[torch.Tensor]:
        """The readable samples of one input as (1, 3, H, W) in [-1, 1], at one size."""
        loaded, size = [], None
        for path in paths:
            try:
                img = load_rgb(path)
            except DataError as err:
                job.unreadable[str(path)] = reason(err, path)
                continue
            if size is None:
                size = img.size
            elif img.size != size:
                job.warn_once("diversity-resize", "lpips-diversity: samples of one input "
                              "differ in size; each is resized (bicubic) to its first's")
                img = img.resize(size, Image.Resampling.BICUBIC)
            loaded.append(to_unit_range(np.asarray(img)))
        return loaded
