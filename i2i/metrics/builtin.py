"""Built-in metrics and the pretrained networks they run on, registered through the hooks."""

from __future__ import annotations

from i2i import hookimpl


@hookimpl
def register_metrics() -> dict:
    from i2i.metrics.fid import FID
    from i2i.metrics.inception_score import InceptionScore
    from i2i.metrics.kid import KID
    from i2i.metrics.lpips import LPIPSMetric
    from i2i.metrics.lpips_diversity import LPIPSDiversity
    from i2i.metrics.precision_recall import PrecisionRecall
    from i2i.metrics.psnr import PSNR
    from i2i.metrics.ssim import SSIM

    return {m.name: m for m in (FID(), KID(), InceptionScore(), PrecisionRecall(),
                                LPIPSMetric(), PSNR(), SSIM(), LPIPSDiversity())}


@hookimpl
def register_weights() -> dict:
    from i2i.metrics.networks import WEIGHTS

    return dict(WEIGHTS)
