"""FID against closed forms, and on real photos with the real network."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from i2i.metrics.fid import fid_from_features, frechet_distance, gaussian_stats


def test_frechet_distance_of_diagonal_gaussians_matches_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, -1.0])
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(var1 + var2 - 2 * np.sqrt(var1 * var2))
    got = frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_of_correlated_gaussians_matches_scipy_sqrtm_formula():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    s1, s2 = a @ a.T + np.eye(6), b @ b.T + 0.5 * np.eye(6)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real  # pytorch-fid's formula
    expected = (mu1 - mu2) @ (mu1 - mu2) + np.trace(s1 + s2 - 2 * covmean)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("n_real,n_fake", [(30, 40), (40, 30), (90, 120), (20, 200)])
def test_fid_from_features_equals_the_covariance_formula(n_real, n_fake):
    rng = np.random.default_rng(n_real + n_fake)
    real = rng.standard_normal((n_real, 50))
    fake = 1.3 * rng.standard_normal((n_fake, 50)) + 0.2
    mu1, s1 = gaussian_stats(real)
    mu2, s2 = gaussian_stats(fake)
    assert fid_from_features(real, fake) == pytest.approx(
        frechet_distance(mu1, s1, mu2, s2), rel=1e-6)


def _fid_from_first_principles(real: np.ndarray, fake: np.ndarray) -> float:
    """FID written out independently: unbiased (N-1) covariances as sums of outer products,
    tr sqrt(S1 S2) from the eigenvalues of the (non-symmetric) product S1 S2."""
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    s1 = sum(np.outer(r - mu1, r - mu1) for r in real) / (len(real) - 1)
    s2 = sum(np.outer(f - mu2, f - mu2) for f in fake) / (len(fake) - 1)
    eig = np.linalg.eigvals(s1 @ s2).real
    tr_covmean = np.sqrt(np.clip(eig, 0.0, None)).sum()
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)


@pytest.mark.parametrize("n_real,n_fake,dim", [(30, 40, 8), (40, 30, 8), (30, 12, 50),
                                               (12, 30, 50), (20, 200, 50)])
def test_fid_uses_unbiased_covariances_in_both_forms(n_real, n_fake, dim):
    """Guards against biased (divide by N) covariances in ``gaussian_stats`` (sets larger
    than the dimension) or in the small Gram form (sets no larger than it): at n=30 that
    moves FID by several percent, far beyond the tolerance."""
    rng = np.random.default_rng(n_real * n_fake + dim)
    real = rng.standard_normal((n_real, dim))
    fake = 1.3 * rng.standard_normal((n_fake, dim)) + 0.2
    expected = _fid_from_first_principles(real, fake)
    assert fid_from_features(real, fake) == pytest.approx(expected, rel=1e-6)
    mu, sigma = gaussian_stats(real)
    assert np.allclose(sigma, np.cov(real, rowvar=False, ddof=1), rtol=1e-12, atol=0)


def test_fid_of_a_feature_set_with_itself_is_zero():
    x = np.random.default_rng(3).standard_normal((64, 32))
    assert abs(fid_from_features(x, x)) < 1e-8


def test_fid_between_samples_of_two_gaussians_approaches_the_closed_form():
    rng = np.random.default_rng(4)
    real = rng.standard_normal((20000, 4))
    fake = rng.standard_normal((20000, 4)) * 2.0 + 1.0  # N(1, 4 I)
    expected = 4 * 1.0 + 4 * (1 + 4 - 2 * 2)  # |mu|^2 + tr(S1 + S2 - 2 sqrt(S1 S2))
    assert fid_from_features(real, fake) == pytest.approx(expected, rel=0.03)


def test_fid_of_real_photos_with_themselves_is_about_zero(photo_features):
    photos, _ = photo_features
    assert abs(fid_from_features(photos.pool, photos.pool)) < 1e-3


def test_fid_of_photos_against_noise_is_large(photo_features):
    photos, noise = photo_features
    assert fid_from_features(photos.pool, noise.pool) > 100.0
