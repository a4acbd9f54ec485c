"""``i2i export``: a trained run's generator written for another runtime, then checked.

:mod:`i2i.export.exporter` resolves the run (as ``i2i translate`` does), takes the method's
:meth:`~i2i.methods.base.Method.export_net` for the direction, writes it to a temp file in
the chosen format, runs the written file on test images (:mod:`i2i.export.verify`) and
renames it into place only when it matches PyTorch within the tolerance.

To add one more format, write its ``write`` and ``run`` functions in
:mod:`i2i.export.formats` and add a :class:`~i2i.export.formats.Format` to ``FORMATS``;
the CLI, the checks and the verification pick it up from there.
"""
