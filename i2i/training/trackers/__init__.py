"""Experiment trackers: training callbacks that a run selects by name with ``--log``.

``tensorboard`` (event files in ``RUN/tensorboard/``) and ``wandb`` (a W&B run under
``RUN/wandb/``) are built in; the run page, ``log.jsonl``, samples and ``loss.png`` are
always written besides. Each is registered in ``builtin.py`` through the
``register_callbacks`` hook, the same hook a third-party logger uses.

To add one more: subclass :class:`i2i.training.trackers.base.Tracker` (it decides what
is new at each event and hands it over as scalars, pictures and the config), give it a
``check`` that names the missing extra, and add it to ``builtin.py``. A plugin may
subclass plain ``i2i.Callback`` instead and read ``ctx`` itself.
"""
