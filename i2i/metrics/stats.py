"""Statistics of feature sets that both the metrics and the evaluation job use.

It stands below :mod:`i2i.metrics.job` (which caches a real set's statistics) and below
the metrics that read them (:mod:`i2i.metrics.fid`), so neither imports the other for them.
"""

from __future__ import annotations

import numpy as np


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of (N, D) features."""
    x = np.asarray(features, dtype=np.float64)
    return x.mean(axis=0), np.cov(x, rowvar=False)
