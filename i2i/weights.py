"""Pretrained-network registry: where each network comes from and where it is kept.

A network is a :class:`WeightsEntry` with one or more accepted files (each with its own
download URLs and sha256). ``resolve(name)`` looks, in order, in ``--weights-dir`` /
``I2I_WEIGHTS_DIR``, then the cache (``$I2I_HOME/weights``, default
``~/.cache/i2i/weights``), then downloads into the cache unless offline (``I2I_OFFLINE=1``).
Every file is checked against its sha256 before use. To hash a large file only once, a
verified file is remembered in i2i's own ``$I2I_HOME/verified-weights.json`` (never in a
weights folder, which may be shared or read-only) under its identity: device, inode, size,
mtime and ctime. Whoever can write the weights folder can fake the mtime, not the ctime:
any write or rename sets it to the present, so a swapped file is hashed again.

To add a network: return ``{"name": WeightsEntry(...)}`` from a ``register_weights`` hookimpl
(built-ins live in the module that uses them, e.g. ``i2i.metrics``).
"""

from __future__ import annotations

import json
import os
import time
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


VERIFIED = "verified-weights.json"
# A file changed within the ctime clock's granularity of our stat could keep that ctime,
# so only files unchanged for this long are remembered (others are simply hashed again).
SETTLE_S = 2.0


def is_verified(path: Path, expected: str) -> bool:
    """Checksum check, remembered by file identity in i2i's own cache (module docstring)."""
    st = path.stat()  # before hashing: a change while we hash then shows as a new ctime
    stamp = [expected, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    key = str(path.resolve())
    records = _load_records()
    if records.get(key) == stamp:
        return True
    if sha256_file(path) != expected:
        return False
    if time.time_ns() - st.st_ctime_ns > SETTLE_S * 1e9:
        records[key] = stamp
        _save_records(records)
    return True


def _load_records() -> dict:
    try:
        records = json.loads((home_dir() / VERIFIED).read_text())
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def _save_records(records: dict) -> None:
    """Write the cache atomically; a read-only home just means hashing again next time."""
    from i2i.images import write_bytes_atomic

    records = {k: v for k, v in records.items() if os.path.exists(k)}
    try:
        write_bytes_atomic(json.dumps(records).encode(), home_dir() / VERIFIED)
    except OSError:
        pass


def get_entry(name: str) -> WeightsEntry:
    from i2i.plugins import lookup

    return lookup("weights", name)  # type: ignore[return-value]


def local_file(name: str, weights_dir: str | Path | None = None) -> Path | None:
    """A file of network ``name`` already on this machine (``weights_dir``,
    ``I2I_WEIGHTS_DIR`` or the cache), unverified; None if there is none. For hints only:
    :func:`resolve` is what loads."""
    entry = get_entry(name)
    explicit = weights_dir or os.environ.get("I2I_WEIGHTS_DIR")
    folders = ([Path(explicit).expanduser()] if explicit else []) + [cache_dir()]
    for folder in folders:
        for wf in entry.files:
            if (folder / wf.filename).is_file():
                return folder / wf.filename
    return None


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
                if is_verified(candidate, wf.sha256):
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
        f"put {entry.files[0].filename} in a folder named by I2I_WEIGHTS_DIR (or the "
        f"command's --weights-dir), or into {cache_dir()}"
    )
