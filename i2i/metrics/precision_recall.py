"""Improved precision and recall (Kynkäänniemi et al. 2019), k = 3.

Each set's manifold is the union of balls around its samples with radius the distance to the
k-th nearest other sample. Precision: the share of fakes inside the real manifold; recall:
the share of reals inside the fake manifold. Features are the 2048-d Inception pool
features (as in the guided-diffusion evaluator), not the paper's VGG16 fc2 features.
"""

from __future__ import annotations

import numpy as np
import torch

from i2i.errors import DataError
from i2i.metrics.base import SetMetric

K = 3


def _distances(a: torch.Tensor, b: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    return torch.cat([torch.cdist(a[i:i + chunk], b) for i in range(0, len(a), chunk)])


def knn_radii(x: torch.Tensor, k: int = K) -> torch.Tensor:
    """Distance from each sample to its k-th nearest *other* sample."""
    d = _distances(x, x)
    return d.kthvalue(k + 1, dim=1).values  # the smallest is the sample itself (0)


def manifold_coverage(ref: torch.Tensor, radii: torch.Tensor, queries: torch.Tensor) -> float:
    """Share of ``queries`` within radius of at least one ``ref`` sample."""
    inside = (_distances(queries, ref) <= radii[None, :]).any(dim=1)
    return float(inside.double().mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = K) -> tuple[float, float]:
    if min(len(real), len(fake)) <= k:
        raise DataError(f"precision/recall needs more than {k} images per set, got "
                        f"{len(real)} and {len(fake)}")
    r = torch.from_numpy(np.asarray(real, dtype=np.float64))
    f = torch.from_numpy(np.asarray(fake, dtype=np.float64))
    precision = manifold_coverage(r, knn_radii(r, k), f)
    recall = manifold_coverage(f, knn_radii(f, k), r)
    return precision, recall


class PrecisionRecall(SetMetric):
    name = "pr"
    description = "improved precision and recall (k=3), higher is better"
    columns = ("precision", "recall")
    lower_is_better = False

    def compute(self, job):
        p, r = precision_recall(job.features("real").pool, job.features("fake").pool)
        return {"precision": p, "recall": r}
