"""Inference: turning a trained run's generator loose on the user's files.

- :mod:`~i2i.inference.files`: inputs (files, folders, globs) to one output each, in
  batches, bad items reported, outputs written atomically and never onto an input.
- :mod:`~i2i.inference.animation`: animated GIFs, frame by frame (other
  animated formats are read as their first frame).
- :mod:`~i2i.inference.tiling`: images too large for memory, in overlapping tiles, with
  :mod:`~i2i.inference.norm_statistics` giving every tile the whole image's statistics.
- :mod:`~i2i.inference.latent_codes`: which latent codes a multimodal method translates with.

To add one more kind of input (a video container, say): a module here that turns the input
into frames and back, called from :func:`i2i.inference.files.translate_files` the way
:mod:`~i2i.inference.animation` is, so outputs keep the same naming, skipping and
protection rules. Nothing here imports the CLI; ``i2i/cli/translate.py`` stands above it.
"""
