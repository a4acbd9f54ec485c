"""Inception Score (Salimans et al. 2016) of the fake set, as the original TF code.

Class probabilities are the softmax over the 1008 logits of the TF graph computed as
``pool3 @ W`` without the bias (as openai/improved-gan and torch-fidelity do); the score is
exp(E_x KL(p(y|x) || p(y))) over 10 consecutive splits, mean and std. Needs the pytorch-fid
weights (the TorchScript form has no class head).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax, xlogy

from i2i.errors import DataError
from i2i.metrics.base import SetMetric


def inception_score(logits: np.ndarray, splits: int = 10) -> tuple[float, float]:
    probs = softmax(np.asarray(logits, dtype=np.float64), axis=1)
    n = len(probs)
    scores = []
    for k in range(splits):
        part = probs[k * n // splits:(k + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        kl = xlogy(part, part) - xlogy(part, marginal)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


class InceptionScore(SetMetric):
    name = "is"
    description = "Inception Score of the fake set (10 splits), higher is better"
    columns = ("is", "is_std")
    lower_is_better = False
    needs_logits = True
    needs_real = False

    def compute(self, job):
        fake = job.features("fake", logits=True)
        if len(fake) < 2:
            raise DataError(f"the Inception Score needs at least 2 images, got {len(fake)}")
        splits = min(10, len(fake))
        if splits < 10:
            job.warn_once("is-splits", f"Inception Score on {len(fake)} images: {splits} splits")
        mean, std = inception_score(fake.logits, splits)
        return {"is": mean, "is_std": std}
