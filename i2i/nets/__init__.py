"""Networks: shared blocks plus one file per architecture.

To add a generator: write ``generators/<name>.py`` with a factory
``fn(input_nc, output_nc, **params) -> nn.Module`` and add it to ``builtin.py`` (or register
it from a plugin with ``register_generators``). Discriminators likewise, with
``fn(input_nc, **params)``; encoders (``encoders/``, for methods with a latent code) with
``fn(input_nc, latent_size, **params)``.
"""
