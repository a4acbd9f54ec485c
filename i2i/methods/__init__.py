"""Training methods, one file each (cyclegan.py, pix2pix.py, ...).

To add a method: subclass ``base.Method`` in ``<name>.py``; build nets and optimisers in
``__init__`` from the config, implement ``training_step`` and ``translate``, give it
``default_config()`` (usually a preset YAML in ``i2i/configs``) and register the class in
``builtin.py`` or from a plugin with ``register_methods``. The training loop does the rest.
"""
