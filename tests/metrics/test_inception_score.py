"""Inception Score on logits with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from i2i.metrics.inception_score import inception_score


def test_uniform_predictions_score_one():
    mean, std = inception_score(np.zeros((20, 1008)), splits=2)
    assert mean == pytest.approx(1.0)
    assert std == pytest.approx(0.0)


def test_confident_distinct_predictions_score_the_number_of_classes_per_split():
    logits = np.full((20, 1008), -100.0)
    logits[np.arange(20), np.arange(20)] = 100.0  # each image sure of its own class
    mean, _ = inception_score(logits, splits=2)
    assert mean == pytest.approx(10.0, rel=1e-6)


def test_confident_identical_predictions_score_one():
    logits = np.full((10, 1008), -100.0)
    logits[:, 3] = 100.0
    assert inception_score(logits, splits=1)[0] == pytest.approx(1.0)
