"""What a metric is: an object with a name, its output columns and one compute step.

Two kinds. A :class:`SetMetric` compares two *sets* of images through their features
(FID, KID, IS, precision/recall) and reads them from the :class:`~i2i.metrics.job.EvalJob`
it is handed. A :class:`PairedMetric` scores each (real, fake) pair of images matched by
file name (LPIPS, PSNR, SSIM) and the job averages it. A set metric that reads the fake
set alone (IS, LPIPS diversity) says ``needs_real = False``, so ``--real`` may be left
out. To add a metric, subclass one of them and return ``{"name": instance}`` from a
``register_metrics`` hookimpl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from i2i.metrics.job import EvalJob


class Metric:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: result keys it fills, the first is the headline number
    columns: ClassVar[tuple[str, ...]] = ()
    lower_is_better: ClassVar[bool] = True
    paired: ClassVar[bool] = False
    #: reads the --real set (False: the fake set alone; ``job.real`` may then be None)
    needs_real: ClassVar[bool] = True


class SetMetric(Metric):
    #: needs the 1008-class logits (Inception Score)
    needs_logits: ClassVar[bool] = False

    def compute(self, job: EvalJob) -> dict[str, float]:
        raise NotImplementedError


class PairedMetric(Metric):
    paired = True

    def prepare(self, job: EvalJob) -> None:
        """Load networks once before the pairs come (LPIPS)."""

    def score_pair(self, real: np.ndarray, fake: np.ndarray) -> float:
        """Score one pair of HxWx3 uint8 arrays of equal size."""
        raise NotImplementedError
