"""Image encoders of multimodal methods, one file each.

An encoder maps an image to a diagonal Gaussian over latent codes, ``(mu, logvar)``, each
(N, latent_size). To add one: write ``<name>.py`` with a factory
``fn(input_nc, latent_size, **params) -> nn.Module`` and add it to ``register_encoders`` in
``i2i/nets/builtin.py`` (or register it from a plugin); ``encoder.name`` then picks it.
"""
