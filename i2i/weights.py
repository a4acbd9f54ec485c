"""Pretrained-network registry: where each network comes from and where it is kept.

A network is a :class:`WeightsEntry` with one or more accepted files (each with its own
download URLs and sha256). ``resolve(name)`` looks, in order, in ``--weights-dir`` /
``I2I_WEIGHTS_DIR``, then the cache (``$I2I_HOME/weights``, default
``~/.cache/i2i/weights``), then downloads into the cache unless offline (``I2I_OFFLINE=1``).
Every file is checked against its sha256 before use.

To add a network: return ``{"name": WeightsEntry(...)}`` from a ``register_weights`` hookimpl
(built-ins live in the module that uses them, e.g. ``i2i.metrics``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from i2i import hookimpl
from i2i.data.download import sha256_file
from i2i.errors import WeightsError


@dataclass(frozen=True)
class WeightsFile:
    """One accepted file form of a network."""

    filename: str
    sha256: str
    urls: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class WeightsEntry:
    """A pretrained network: accepted files in order of preference."""

    name: str
    description: str
    files: tuple[WeightsFile, ...] = field(default_factory=tuple)
    licence: str = ""


@hookimpl
def register_weights() -> dict:
    return {}


def home_dir() -> Path:
    """``$I2I_HOME``, default ``$XDG_CACHE_HOME/i2i`` or ``~/.cache/i2i``."""
    env = os.environ.get("I2I_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "i2i"


def cache_dir() -> Path:
    return home_dir() / "weights"


def is_offline() -> bool:
    return os.environ.get("I2I_OFFLINE", "") not in ("", "0")


def _verified(path: Path, expected: str) -> bool:
    """Checksum check, remembered in a sidecar so large files are hashed once."""
    marker = path.with_name(path.name + ".sha256ok")
    stamp = f"{expected} {path.stat().st_size} {path.stat().st_mtime_ns}"
    try:
        if marker.read_text() == stamp:
            return True
    except OSError:
        pass
    if sha256_file(path) != expected:
        return False
    try:
        marker.write_text(stamp)
    except OSError:
        pass  # read-only folders (like ../shared/weights) just re-hash next time
    return True


def get_entry(name: str) -> WeightsEntry:
    from i2i.plugins import lookup

    return lookup("weights", name)  # type: ignore[return-value]


def resolve(name: str, weights_dir: str | Path | None = None, progress: bool = True) -> Path:
    """Path of a verified local file for network ``name``, downloading it if allowed."""
    entry = get_entry(name)
    search = []
    explicit = weights_dir or os.environ.get("I2I_WEIGHTS_DIR")
    if explicit:
        search.append(Path(explicit).expanduser())
    search.append(cache_dir())
    for folder in search:
        for wf in entry.files:
            candidate = folder / wf.filename
            if candidate.is_file():
                if _verified(candidate, wf.sha256):
                    return candidate
                raise WeightsError(
                    f"{candidate} fails its sha256 check (expected {wf.sha256[:12]}...); "
                    f"delete it and run `i2i download --weights {name}`"
                )
    if is_offline() or not any(wf.urls for wf in entry.files):
        first = entry.files[0].filename if entry.files else name
        raise WeightsError(
            f"pretrained network '{name}' ({first}) is not available offline; run "
            f"`i2i download --weights {name}` on a connected machine or pass --weights-dir"
        )
    return fetch(entry, progress=progress)


def fetch(entry: WeightsEntry, progress: bool = True) -> Path:
    """Download the first file form of ``entry`` that has a URL into the cache."""
    from i2i.data.download import download_file
    from i2i.errors import DownloadError

    errors = []
    for wf in entry.files:
        for url in wf.urls:
            dest = cache_dir() / wf.filename
            try:
                download_file(url, dest, sha256=wf.sha256, progress=progress)
                return dest
            except DownloadError as err:
                errors.append(str(err))
    raise WeightsError(
        f"could not download '{entry.name}': {errors[-1] if errors else 'no URL'}; "
        "retry, or place the file in --weights-dir"
    )
