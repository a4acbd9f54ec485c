"""Peak signal-to-noise ratio of paired 8-bit RGB images, averaged over pairs.

PSNR = 10 log10(255² / MSE) over all pixels and channels of one pair (identical pairs give
inf), then the mean over pairs, as pix2pix-style evaluations report it.
"""

from __future__ import annotations

import numpy as np

from i2i.metrics.base import PairedMetric


def psnr(real: np.ndarray, fake: np.ndarray, data_range: float = 255.0) -> float:
    mse = np.mean((real.astype(np.float64) - fake.astype(np.float64)) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


class PSNR(PairedMetric):
    name = "psnr"
    description = "peak signal-to-noise ratio in dB (paired), higher is better"
    columns = ("psnr",)
    lower_is_better = False

    def score_pair(self, real, fake):
        return psnr(real, fake)
