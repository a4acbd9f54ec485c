"""Streaming downloads: temp file, checksum, atomic rename.

``download_file`` is the one place i2i fetches a URL (datasets and pretrained weights).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from i2i.errors import DownloadError

CHUNK = 1 << 16
TIMEOUT_S = 30


def download_file(
    url: str,
    dest: Path,
    sha256: str | None = None,
    expected_size: int | None = None,
    progress: bool = True,
) -> Path:
    """Fetch ``url`` into ``dest`` atomically; verify size and sha256 when given."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp, open(part, "wb") as fh:
            total = int(resp.headers.get("Content-Length") or 0) or expected_size
            with _progress(progress, dest.name, total) as advance:
                while block := resp.read(CHUNK):
                    fh.write(block)
                    digest.update(block)
                    advance(len(block))
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        msg = f"download of {url} failed: {err}; check the network and retry"
        raise DownloadError(msg) from err
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url} gave {size} bytes, expected {expected_size}; retry later")
    if sha256 is not None and digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{url} fails its sha256 check (got {digest.hexdigest()[:12]}..., expected "
            f"{sha256[:12]}...); the source may have changed: retry or use --mirror"
        )
    os.replace(part, dest)
    return dest


class _progress:
    """A rich byte progress bar, or nothing when disabled."""

    def __init__(self, enabled: bool, label: str, total: int | None):
        self.enabled, self.label, self.total = enabled, label, total

    def __enter__(self):
        if not self.enabled:
            return lambda n: None
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        from i2i.console import console

        self._bar = Progress(
            "[bold]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), console=console, transient=False,
        )
        self._bar.__enter__()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc):
        if self.enabled:
            self._bar.__exit__(*exc)
        return False
