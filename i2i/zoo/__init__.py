"""The zoo: pretrained models from the reference projects, usable wherever a run is.

- :mod:`~i2i.zoo.catalog`: what exists (name, method, network, URL); plugins add entries
  through the ``register_models`` hook.
- :mod:`~i2i.zoo.download`: fetching one into the cache (checksum recorded at first
  download and checked at every use).
- :mod:`~i2i.zoo.model_runs`: a downloaded model's name resolved to a run folder (imported
  once through :mod:`i2i.interop`), so ``i2i translate horse2zebra ...`` works like a run.

To add one more model: return ``{"name": ModelEntry(...)}`` from a plugin's
``register_models`` hook (built-ins do the same in :mod:`~i2i.zoo.catalog`); download,
listing and translation by name then need nothing else. Callers outside the zoo ask
:func:`~i2i.zoo.model_runs.run_for` for a run and get one back.
"""
