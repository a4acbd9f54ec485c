"""Fréchet Inception Distance (Heusel et al. 2017) on 2048-d pool features.

FID = |mu_r - mu_f|^2 + tr(S_r + S_f - 2 (S_r S_f)^(1/2)) with unbiased (N-1) covariances,
as pytorch-fid computes it. The trace of the matrix square root is taken as the sum of
square roots of the eigenvalues of S_r^(1/2) S_f S_r^(1/2) (a similar, symmetric matrix):
the same number as pytorch-fid's ``scipy.linalg.sqrtm`` up to round-off, several times
faster, and stable when the covariance is rank-deficient. When a set has no more images
than feature dimensions, the nonzero eigenvalues are taken from the small n x n Gram form
(X S_other X^T / (n-1), X the centred features), which is exact and takes milliseconds.
"""

from __future__ import annotations

import numpy as np

from i2i.metrics.base import SetMetric
from i2i.metrics.stats import gaussian_stats

__all__ = ["FID", "FULL_RANK", "fid_from_features", "frechet_distance", "gaussian_stats"]

FULL_RANK = 2048


def _sqrt_psd(sigma: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(sigma)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    root1 = _sqrt_psd(sigma1)
    middle = root1 @ sigma2 @ root1
    eig = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    tr_covmean = np.sqrt(np.clip(eig, 0.0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)


def _trace_sqrt_small(x: np.ndarray, y: np.ndarray) -> float:
    """tr sqrt(S_x S_y) for centred features where ``len(x) <= dim``: eigenvalues of
    X S_y X^T / (n-1) are the nonzero eigenvalues of S_x S_y."""
    n, m, d = len(x), len(y), x.shape[1]
    if m <= d:
        g = x @ y.T
        small = g @ g.T / ((n - 1) * (m - 1))
    else:
        small = x @ (y.T @ y / (m - 1)) @ x.T / (n - 1)
    eig = np.linalg.eigvalsh((small + small.T) / 2.0)
    return float(np.sqrt(np.clip(eig, 0.0, None)).sum())


def fid_from_features(real: np.ndarray, fake: np.ndarray,
                      real_stats: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """FID between two (N, D) feature sets; the same number as ``frechet_distance`` of
    their ``gaussian_stats``, computed in the cheaper of the two equivalent forms."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    d = real.shape[1]
    if min(len(real), len(fake)) > d:
        mu1, s1 = real_stats if real_stats is not None else gaussian_stats(real)
        mu2, s2 = gaussian_stats(fake)
        return frechet_distance(mu1, s1, mu2, s2)
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    x, y = real - mu1, fake - mu2
    if len(x) > len(y):
        x, y = y, x  # tr sqrt(S1 S2) is symmetric in the two sets
    tr_covmean = _trace_sqrt_small(x, y)
    tr1 = (real - mu1).ravel() @ (real - mu1).ravel() / (len(real) - 1)
    tr2 = (fake - mu2).ravel() @ (fake - mu2).ravel() / (len(fake) - 1)
    diff = mu1 - mu2
    return float(diff @ diff + tr1 + tr2 - 2.0 * tr_covmean)


class FID(SetMetric):
    name = "fid"
    description = "Fréchet Inception Distance (pytorch-fid protocol), lower is better"
    columns = ("fid",)

    def compute(self, job):
        if job.real.statistics_only:  # --real stats.npz: mu and sigma, as pytorch-fid takes
            fake = job.features("fake")
            if len(fake) < 2:
                from i2i.errors import DataError

                raise DataError(f"FID needs at least 2 fake images, got {len(fake)}")
            mu, sigma = job.stats("real")
            if mu.shape[0] != fake.pool.shape[1]:
                from i2i.errors import DataError

                raise DataError(f"{job.real.root} holds statistics of {mu.shape[0]}-d "
                                f"features; the network gives {fake.pool.shape[1]}-d ones")
            return {"fid": frechet_distance(mu, sigma, *gaussian_stats(fake.pool))}
        real, fake = job.features("real"), job.features("fake")
        for label, n in (("real", len(real)), ("fake", len(fake))):
            if n < 2:
                from i2i.errors import DataError

                raise DataError(f"FID needs at least 2 {label} images, got {n}")
            if n < FULL_RANK:
                job.warn_once(f"fid-rank-{label}",
                              f"FID on {n} {label} images (< {FULL_RANK}): the covariance is "
                              "rank-deficient, compare FIDs only at equal set sizes")
        big = min(len(real), len(fake)) > real.pool.shape[1]
        return {"fid": fid_from_features(real.pool, fake.pool,
                                         job.stats("real") if big else None)}

