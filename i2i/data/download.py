"""Streaming downloads: resume with HTTP Range, retries, checksum, atomic rename.

``download_file`` is the one place i2i fetches a URL (datasets and pretrained weights). Bytes
go to ``DEST.part``; a dropped connection is retried with backoff and resumed from where the
part file ends (a server that ignores Range is detected by its 200 answer and the file is
started again, as it is when a 206 reply starts at another byte than the one asked for);
only a file that passes its size and sha256 checks is renamed to ``DEST``.
A mismatch deletes the part file (ours) and never touches ``DEST`` (maybe the user's).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from i2i.errors import DownloadError
from i2i.outputs import human_bytes, is_disk_full

CHUNK = 1 << 16
TIMEOUT_S = 30
RETRIES = 4  # extra attempts after the first
BACKOFF_S = 1.0  # first wait; doubles each retry (tests set it to 0)
PERMANENT_HTTP = (400, 401, 403, 404, 410)


class _Transient(Exception):
    """A failure worth retrying (network, timeout, short read, 5xx)."""


class NoNetwork(DownloadError):
    """The server's name cannot be looked up: no network, or no DNS. Retrying in seconds
    does not help, so it is not retried; callers add what the user can do offline."""

    def __init__(self, host: str, reason: str):
        super().__init__(f"cannot look up {host} ({reason}): this machine has no network "
                         "or no DNS")
        self.host = host


def download_file(
    url: str,
    dest: Path,
    sha256: str | None = None,
    expected_size: int | None = None,
    progress: bool = True,
    retries: int | None = None,
) -> Path:
    """Fetch ``url`` into ``dest`` atomically, resuming ``dest.part``; verify size/sha256."""
    dest = Path(dest)
    made = not dest.parent.exists()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        _fetch_with_retries(url, part, expected_size, progress, retries)
        _verify(url, part, sha256, expected_size)
    except BaseException:
        if made:  # a folder this call made and left empty is no use to anyone
            _remove_if_empty(dest.parent)
        raise
    os.replace(part, dest)
    return dest


def _fetch_with_retries(url: str, part: Path, expected_size: int | None, progress: bool,
                        retries: int | None) -> None:
    attempts = (RETRIES if retries is None else retries) + 1
    last: Exception | None = None
    with _Progress(progress, part.name[:-len(".part")], expected_size) as bar:
        for attempt in range(attempts):
            try:
                _fetch_into(url, part, bar)
                return
            except _Transient as err:
                last = err
                if attempt + 1 < attempts:
                    time.sleep(BACKOFF_S * (2**attempt))
    resume = (f": it resumes from {part.name}" if part.is_file() and part.stat().st_size
              else "")
    raise DownloadError(f"download of {url} failed after {attempts} tries ({last}); check "
                        f"the network and rerun{resume}")


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (a .part to resume from), or not ours to judge


def _fetch_into(url: str, part: Path, bar: _Progress) -> None:
    """One attempt: append to ``part`` from its current length (or restart on a 200)."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "i2i-download"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        resp = urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                      timeout=TIMEOUT_S)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:
            match = re.search(r"/(\d+)\s*$", err.headers.get("Content-Range") or "")
            if match and int(match.group(1)) == have:
                return  # nothing left to fetch: the part is complete
            part.unlink(missing_ok=True)  # a stale part longer than the file: start again
            raise _Transient("partial file longer than the remote file") from err
        if err.code in PERMANENT_HTTP:
            raise DownloadError(
                f"{url} answered HTTP {err.code}; check the name or use --mirror"
            ) from err
        raise _Transient(f"HTTP {err.code}") from err
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        if isinstance(getattr(err, "reason", err), socket.gaierror):
            raise NoNetwork(urllib.parse.urlparse(url).hostname or url, _reason(err)) from err
        raise _Transient(_reason(err)) from err
    with resp:
        if resp.status == 206 and _range_start(resp) != have:
            # bytes from elsewhere in the file would be glued on at the wrong offset
            part.unlink(missing_ok=True)
            raise _Transient(f"asked to resume at byte {have}, the server answered with "
                             f"Content-Range {resp.headers.get('Content-Range')!r}; "
                             "starting again from zero")
        resumed = have > 0 and resp.status == 206
        if not resumed:
            have = 0  # a 200 to a Range request: the server sent the whole file again
        total = _total_size(resp, have)
        bar.reset(total, have)
        got = 0
        try:
            fh = open(part, "ab" if resumed else "wb")
        except OSError as err:
            raise DownloadError(f"cannot write {part}: {err.strerror or err}; choose a "
                                "writable folder") from err
        with fh:
            while True:
                try:
                    block = resp.read(CHUNK)
                except (OSError, http.client.HTTPException) as err:
                    raise _Transient(f"connection lost after {have + got} bytes") from err
                if not block:
                    break
                _write(fh, block, part, None if total is None else total - have - got)
                got += len(block)
                bar.advance(len(block))
    if total is not None and have + got < total:
        raise _Transient(f"connection closed after {have + got} of {total} bytes")


def _write(fh, block: bytes, part: Path, remaining: int | None) -> None:
    try:
        fh.write(block)
    except OSError as err:
        if is_disk_full(err):
            needs = f"{human_bytes(remaining)} more" if remaining else "more space"
            raise DownloadError(
                f"disk full while writing {part}: it needs {needs}; free some space and "
                "rerun (it resumes)"
            ) from err
        raise DownloadError(f"cannot write {part}: {err.strerror or err}") from err


def _range_start(resp) -> int | None:
    """The first byte a 206 reply says it holds (``Content-Range: bytes START-END/TOTAL``)."""
    match = re.match(r"\s*bytes\s+(\d+)-", resp.headers.get("Content-Range") or "")
    return int(match.group(1)) if match else None


def _total_size(resp, have: int) -> int | None:
    match = re.search(r"/(\d+)\s*$", resp.headers.get("Content-Range") or "")
    if match:
        return int(match.group(1))
    length = resp.headers.get("Content-Length")
    return have + int(length) if length and length.isdigit() else None


def _verify(url: str, part: Path, sha256: str | None, expected_size: int | None) -> None:
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{url} gave {size} bytes, expected {expected_size}; the partial file was deleted, "
            "retry later or use --mirror"
        )
    if sha256 is not None:
        got = sha256_file(part)
        if got != sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"{url} fails its sha256 check (got {got[:12]}..., expected {sha256[:12]}...); "
                "nothing of yours was changed: retry, or use --mirror"
            )


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _reason(err: BaseException) -> str:
    reason = getattr(err, "reason", None) or err
    return str(reason).strip() or type(err).__name__


class _Progress:
    """A rich byte progress bar (bytes, rate, ETA), or nothing when disabled."""

    def __init__(self, enabled: bool, label: str, total: int | None):
        self.enabled, self.label, self.total = enabled, label, total
        self._bar = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            from i2i.console import console

            self._bar = Progress(
                "[bold]{task.description}", BarColumn(), DownloadColumn(),
                TransferSpeedColumn(), TimeRemainingColumn(), console=console,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def reset(self, total: int | None, completed: int) -> None:
        if self._bar is not None:
            self._bar.reset(self._task, total=total or self.total, completed=completed)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc) -> bool:
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False
