"""The registered GAN criteria and reconstruction distances, by name (``gan.<name>``,
``recon.<name>``), with a one-line error that lists the valid names."""

from __future__ import annotations


def gan_loss(name: str):
    """An instance of the GAN loss registered as ``gan.<name>``."""
    return _lookup("gan", name)()


def recon_loss(name: str):
    """The reconstruction function registered as ``recon.<name>``."""
    return _lookup("recon", name)


def _lookup(prefix: str, name: str):
    from i2i.plugins import UnknownNameError, get_registry

    registry = get_registry("losses")
    key = f"{prefix}.{name}"
    if key not in registry:
        valid = sorted(k.split(".", 1)[1] for k in registry if k.startswith(prefix + "."))
        raise UnknownNameError(f"unknown {prefix} loss '{name}'; choose one of: {', '.join(valid)}")
    return registry[key]
