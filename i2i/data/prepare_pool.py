"""Process pool and progress bar of ``i2i prepare`` (kept apart from the job logic)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


def worker_pool(workers: int):
    return ProcessPoolExecutor(max_workers=workers) if workers > 1 else _NoPool()


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
