"""Where each built-in metric's class lives, by name, without importing it.

``builtin.py`` registers instances of these classes; shell completion registers this
module instead (``i2i.plugins.COMPLETION_STANDINS``), so a Tab offers metric names without
importing torch. To add a built-in metric, add its name and ``(module, class)`` here.
"""

from __future__ import annotations

from i2i import hookimpl

BUILTIN_METRICS: dict[str, tuple[str, str]] = {
    "fid": ("i2i.metrics.fid", "FID"),
    "kid": ("i2i.metrics.kid", "KID"),
    "is": ("i2i.metrics.inception_score", "InceptionScore"),
    "pr": ("i2i.metrics.precision_recall", "PrecisionRecall"),
    "lpips": ("i2i.metrics.lpips", "LPIPSMetric"),
    "psnr": ("i2i.metrics.psnr", "PSNR"),
    "ssim": ("i2i.metrics.ssim", "SSIM"),
    "lpips-diversity": ("i2i.metrics.lpips_diversity", "LPIPSDiversity"),
}


@hookimpl
def register_metrics() -> dict:
    """The names only (no metric objects): what shell completion needs."""
    return dict.fromkeys(BUILTIN_METRICS)


@hookimpl
def register_weights() -> dict:
    """As ``builtin.py``'s: the networks' files (plain data)."""
    from i2i.metrics.weights_entries import WEIGHTS

    return dict(WEIGHTS)
