"""Improved precision and recall (k=3) on point sets with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from i2i.errors import DataError
from i2i.metrics.precision_recall import knn_radii, precision_recall


def test_identical_sets_have_full_precision_and_recall():
    x = np.random.default_rng(0).standard_normal((40, 6))
    assert precision_recall(x, x) == (1.0, 1.0)


def test_far_apart_sets_have_zero_precision_and_recall():
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((40, 6)), rng.standard_normal((40, 6)) + 100.0
    assert precision_recall(real, fake) == (0.0, 0.0)


def test_a_collapsed_fake_set_has_precision_but_little_recall():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((200, 2)) * 5
    fake = np.repeat(real[:2], 10, axis=0) + rng.standard_normal((20, 2)) * 0.01  # 2 modes
    precision, recall = precision_recall(real, fake)
    assert precision == 1.0
    assert recall < 0.5


def test_radius_is_the_distance_to_the_third_nearest_other_point():
    x = torch.tensor([[0.0], [1.0], [3.0], [6.0], [10.0]], dtype=torch.float64)
    # from 0: others at 1, 3, 6 -> third nearest is 6
    assert knn_radii(x, 3)[0].item() == pytest.approx(6.0)


def test_too_few_images_is_a_clear_error():
    with pytest.raises(DataError, match="more than 3 images"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
