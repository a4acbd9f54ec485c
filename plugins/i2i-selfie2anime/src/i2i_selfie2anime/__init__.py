"""i2i plugin adding the selfie2anime dataset; see ``plugin.py`` and the README."""

__version__ = "0.1.0"
