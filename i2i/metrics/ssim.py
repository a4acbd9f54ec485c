"""Structural similarity (Wang et al. 2004) of paired 8-bit RGB images.

Matches ``skimage.metrics.structural_similarity(real, fake, data_range=255,
channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``: Gaussian
window (sigma 1.5, truncated at 3.5 sigma: 11x11), K1 = 0.01, K2 = 0.03, reflected borders,
the 5-pixel border cropped before averaging, then the mean over channels and over pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from i2i.metrics.base import PairedMetric

SIGMA, TRUNCATE, K1, K2 = 1.5, 3.5, 0.01, 0.03


def _ssim_channel(x: np.ndarray, y: np.ndarray, data_range: float) -> float:
    def blur(a):
        return gaussian_filter(a, sigma=SIGMA, truncate=TRUNCATE)

    ux, uy = blur(x), blur(y)
    vx, vy, vxy = blur(x * x) - ux * ux, blur(y * y) - uy * uy, blur(x * y) - ux * uy
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = (2 * int(TRUNCATE * SIGMA + 0.5) + 1 - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean()) if min(s.shape) > 2 * pad else float(s.mean())


def ssim(real: np.ndarray, fake: np.ndarray, data_range: float = 255.0) -> float:
    """Mean SSIM over channels of two HxWxC (or HxW) images."""
    x, y = real.astype(np.float64), fake.astype(np.float64)
    if x.ndim == 2:
        return _ssim_channel(x, y, data_range)
    return float(np.mean([_ssim_channel(x[..., c], y[..., c], data_range)
                          for c in range(x.shape[-1])]))


class SSIM(PairedMetric):
    name = "ssim"
    description = "structural similarity (paired, Gaussian 11x11), higher is better"
    columns = ("ssim",)
    lower_is_better = False

    def score_pair(self, real, fake):
        return ssim(real, fake)
