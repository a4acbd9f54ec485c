"""Training: one loop (``loop.py``) for every method, plus what it owns.

``loop.train`` handles devices, precision, DDP, schedules, checkpoints and resume; what a
run shows and leaves (progress, logs, samples, plots, the HTML page) are callbacks in
``callbacks.py``. To add a callback, subclass ``callbacks.Callback`` and pass it to
``train(..., callbacks=[...])``.
"""
