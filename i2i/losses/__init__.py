"""Losses: pure functions (or tiny stateless classes) returning scalar tensors.

To add a GAN loss, subclass ``gan.GANLoss`` and register it as ``gan.<name>``; to add a
reconstruction loss, write ``fn(pred, target) -> tensor`` and register it as
``recon.<name>`` (built-ins in ``builtin.py``, plugins through ``register_losses``).
"""
