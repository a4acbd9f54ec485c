"""KID against a direct O(n²) computation, and its subset-size rule."""

from __future__ import annotations

import numpy as np
import pytest

from i2i.metrics.kid import kernel_inception_distance, mmd2_unbiased


def _direct_mmd2(x, y):
    d = x.shape[1]

    def k(a, b):
        return (float(a @ b) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_unbiased_mmd2_matches_a_direct_double_loop():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((12, 5)), rng.standard_normal((9, 5)) + 0.5
    assert mmd2_unbiased(x, y) == pytest.approx(_direct_mmd2(x, y), rel=1e-10)


def test_kid_with_full_subsets_is_the_mmd2_of_the_whole_sets():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 4)) * 2
    mean, std, size = kernel_inception_distance(x, y, subsets=3, subset_size=10)
    assert size == 10
    assert mean == pytest.approx(_direct_mmd2(x, y), rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-12)  # every subset is the whole set


def test_kid_subset_size_is_lowered_to_the_smaller_set():
    rng = np.random.default_rng(2)
    _, _, size = kernel_inception_distance(rng.standard_normal((30, 4)),
                                           rng.standard_normal((12, 4)), subsets=2)
    assert size == 12


def test_kid_grows_with_the_distance_between_distributions():
    rng = np.random.default_rng(3)
    real = rng.standard_normal((200, 8))
    near = rng.standard_normal((200, 8)) + 0.1
    far = rng.standard_normal((200, 8)) + 1.0
    kid_near = kernel_inception_distance(real, near, subsets=10, subset_size=100)[0]
    kid_far = kernel_inception_distance(real, far, subsets=10, subset_size=100)[0]
    assert kid_far > kid_near


def test_kid_is_reproducible_with_a_seed():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((50, 4)), rng.standard_normal((50, 4))
    a = kernel_inception_distance(x, y, subsets=5, subset_size=20, seed=7)
    b = kernel_inception_distance(x, y, subsets=5, subset_size=20, seed=7)
    assert a == b
