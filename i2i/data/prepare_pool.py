"""Process pool and progress bar of ``i2i prepare`` (kept apart from the job logic).

Workers exit when their parent dies (``kill -9`` included): on Linux the kernel sends them
SIGKILL (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread notices that the parent
pid changed. Without that a killed prepare left its workers blocked on the task queue
forever. An error stops the batch at once: tasks not started yet are cancelled, not run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Worker initializer: exit as soon as ``parent`` is gone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the watchdog alone does it
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="i2i-parent-watch", daemon=True).start()


class _Pool:
    """A ProcessPoolExecutor whose workers die with the parent, and which cancels the
    queued tasks when the block ends in an error (a full disk, Ctrl-C)."""

    def __init__(self, workers: int):
        self.executor = ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent,
                                            initargs=(os.getpid(),))

    def __enter__(self) -> ProcessPoolExecutor:
        return self.executor

    def __exit__(self, exc_type, *exc) -> bool:
        self.executor.shutdown(wait=True, cancel_futures=exc_type is not None)
        return False


def worker_pool(workers: int):
    return _Pool(workers) if workers > 1 else _NoPool()


class _NoPool:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> bool:
        return False


class ImageBar:
    """A rich progress bar over images, or nothing."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self._bar = enabled, total, None

    def __enter__(self) -> ImageBar:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeRemainingColumn,
            )

            from i2i.console import console

            self._bar = Progress("[bold]preparing", BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=console)
            self._bar.__enter__()
            self._task = self._bar.add_task("images", total=self.total)
        return self

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc) -> bool:
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False
