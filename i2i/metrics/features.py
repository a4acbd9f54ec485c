"""Inception features of a folder of images, with the pytorch-fid resize protocol.

Protocol (``PROTOCOL``), identical to pytorch-fid 0.3 (``ImagePathDataset`` + ``InceptionV3``
with ``resize_input=True, normalize_input=True``): the file is decoded to 8-bit RGB, scaled to
float [0, 1], resized to 299x299 with ``F.interpolate(mode="bilinear",
align_corners=False)`` (no antialiasing), mapped to [-1, 1] as ``2x - 1`` and fed to the TF
Inception; the 2048-d pool3 features are kept. Each image is resized on its own, so mixed
sizes are fine. Differences from pytorch-fid only on unusual files: i2i applies the EXIF
orientation and composites alpha on white (pytorch-fid ignores both).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from i2i.console import console
from i2i.errors import DataError
from i2i.images import load_rgb, reason
from i2i.metrics.inception_net import FIDInception

PROTOCOL = "pytorch-fid/bilinear-299"
INPUT_SIZE = 299


@dataclass
class FeatureSet:
    """Features of the readable images of one set; ``bad`` lists (file, reason) skipped."""

    pool: np.ndarray  # (N, 2048) float64
    logits: np.ndarray | None  # (N, 1008) raw logits without bias, or None without the head
    names: list[str]
    bad: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)


def preprocess(path: Path) -> torch.Tensor:
    """One image file -> (3, 299, 299) float tensor in [-1, 1] (the pytorch-fid protocol)."""
    arr = np.asarray(load_rgb(path), dtype=np.uint8)
    t = torch.from_numpy(arr.copy()).permute(2, 0, 1).float().div_(255.0)
    t = F.interpolate(t[None], size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                      align_corners=False)[0]
    return t.mul_(2.0).sub_(1.0)


def _try_preprocess(path: Path) -> torch.Tensor | str:
    try:
        return preprocess(path)
    except DataError as err:
        return reason(err, path)


def extract_features(
    paths: list[Path], net: FIDInception, device: torch.device, batch_size: int = 50,
    label: str = "features", root: Path | None = None, workers: int = 4,
) -> FeatureSet:
    """Run ``net`` over ``paths`` in batches; unreadable files are skipped and listed."""
    pools, logits, names, bad = [], [], [], []
    with _progress(label, len(paths)) as (bar, task), ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            batch = []
            for path, item in zip(chunk, pool.map(_try_preprocess, chunk), strict=False):
                name = str(path.relative_to(root)) if root else path.name
                if isinstance(item, str):
                    bad.append((str(path), item))
                else:
                    batch.append(item)
                    names.append(name)
            if batch:
                with torch.inference_mode():
                    p, lg = net(torch.stack(batch).to(device))
                    if lg is not None:  # IS uses logits without the bias, as the original code
                        logits.append((p @ net.fc.weight.T).double().cpu().numpy())
                pools.append(p.double().cpu().numpy())
            bar.update(task, advance=len(chunk))
    pool_arr = np.concatenate(pools) if pools else np.zeros((0, 2048))
    logit_arr = np.concatenate(logits) if logits else None
    return FeatureSet(pool_arr, logit_arr, names, bad)


class _progress:
    """A transient rich bar on stderr: (bar, task)."""

    def __init__(self, label: str, total: int):
        self.bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=console, transient=True)
        self.total = total

    def __enter__(self):
        self.bar.start()
        return self.bar, self.bar.add_task("extract", total=self.total)

    def __exit__(self, *exc):
        self.bar.stop()
