"""Interoperability with other code bases: checkpoints of the reference implementations.

``reference_names`` reads a reference generator's state dict (architecture and the i2i
names of its tensors), ``reference_options`` reads its ``train_opt.txt``, and
``reference_import`` turns both into an ordinary i2i run folder (``i2i import``).

To import from one more reference code base: add its name to ``SOURCES`` in
``reference_import.py`` with the method its generators belong to, and, if its generator
is laid out differently, a reader in ``reference_names.py`` next to the ResNet and U-Net
ones that returns a :class:`~i2i.interop.reference_names.Generator`.
"""
