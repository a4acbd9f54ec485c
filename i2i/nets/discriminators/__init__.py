"""Discriminator architectures, one file each; see ``i2i.nets`` for how to add one."""
