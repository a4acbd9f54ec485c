"""Image-quality metrics: FID, KID, Inception Score, precision/recall, LPIPS, PSNR, SSIM.

A metric is an object registered by name through the ``register_metrics`` hook (built-ins
in :mod:`i2i.metrics.builtin`). To add one, subclass :class:`i2i.metrics.base.SetMetric`
(compares two sets through Inception features, read from the job it is handed) or
:class:`i2i.metrics.base.PairedMetric` (scores name-matched image pairs), give it a
``name``, ``columns`` and ``lower_is_better``, and return ``{"name": instance}`` from a
``register_metrics`` hookimpl. The networks they need are ``register_weights`` entries
(:mod:`i2i.metrics.networks`). ``evaluate_folders`` is the library entry point.
"""
