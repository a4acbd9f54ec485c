"""Data: dataset catalog, download, prepare, dataset classes, transforms, toy domains.

To add a dataset layout, write a ``torch.utils.data.Dataset`` in its own file here that
takes a ``DataConfig`` and a split, and teach ``datasets.build_dataset`` to pick it.
To add a downloadable dataset, register a catalog entry through ``register_datasets``.
"""
