"""Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with a cubic kernel.

k(x, y) = (x·y / d + 1)^3 on 2048-d pool features; the estimate is averaged over
``subsets`` random subsets of ``subset_size`` images drawn without replacement from each
set (defaults 100 x 1000, as the KID paper's code and clean-fid); the subset size is lowered
to the smaller set with a warning. The value is the raw MMD² (papers often print x100 or
x1000).
"""

from __future__ import annotations

import numpy as np

from i2i.errors import DataError
from i2i.metrics.base import SetMetric


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² between samples x (m, d) and y (n, d) under the cubic kernel."""
    m, n = len(x), len(y)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    term_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    term_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(term_x + term_y - 2.0 * kxy.mean())


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, subsets: int = 100,
                              subset_size: int = 1000, seed: int = 0
                              ) -> tuple[float, float, int]:
    """(mean, std over subsets, subset size used)."""
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise DataError(f"KID needs at least 2 images per set, got {len(real)} and {len(fake)}")
    if size == len(real) == len(fake):
        # every subset is the whole of both sets: one value, and a spread of exactly 0
        # (the draws would only reorder the sums, and print round-off like 4e-16)
        return mmd2_unbiased(real, fake), 0.0, size
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), size, replace=False)]
        y = fake[rng.choice(len(fake), size, replace=False)]
        values.append(mmd2_unbiased(x, y))
    return float(np.mean(values)), float(np.std(values)), size


class KID(SetMetric):
    name = "kid"
    description = "Kernel Inception Distance (unbiased MMD², cubic kernel), lower is better"
    columns = ("kid", "kid_std")

    def compute(self, job):
        real, fake = job.features("real"), job.features("fake")
        opts = job.options
        mean, std, size = kernel_inception_distance(
            real.pool, fake.pool, opts.kid_subsets, opts.kid_subset_size, opts.seed)
        if size < opts.kid_subset_size:
            job.warn_once("kid-size", f"KID subset size lowered from {opts.kid_subset_size} "
                          f"to {size} (the smaller set's size)")
        return {"kid": mean, "kid_std": std}
