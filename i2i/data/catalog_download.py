"""Fetch a catalog dataset: download, verify, extract safely, check layout, record manifest.

The order makes every failure harmless: the archive is fetched to ``DIR/.downloads/``
(resumable ``.part``), extracted into a hidden temp folder beside the target, checked, given
its manifest and only then renamed to ``DIR/NAME``. A dataset folder therefore either has
a manifest that matches its files, or is not there.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from i2i.data.catalog import DatasetEntry
from i2i.data.download import download_file, sha256_file
from i2i.data.extract import check_layout, find_layout_root, safe_extract
from i2i.errors import DataError, DownloadError

MANIFEST = ".i2i-dataset.json"
MIRROR_ENV = "I2I_DATASET_MIRROR"
DOWNLOADS = ".downloads"


@dataclass(frozen=True)
class FetchResult:
    name: str
    path: Path
    status: str  # "downloaded" or "already there"
    archive_sha256: str = ""


def mirror_url(url: str, mirror: str | None) -> str:
    """``url`` fetched from ``mirror`` instead: the mirror keeps the original path."""
    if not mirror:
        return url
    return mirror.rstrip("/") + urlparse(url).path


def resolve_mirror(mirror: str | None) -> str | None:
    return mirror or os.environ.get(MIRROR_ENV) or None


def fetch_dataset(entry: DatasetEntry, root: Path, mirror: str | None = None,
                  force: bool = False, progress: bool = True,
                  keep_archive: bool = False) -> FetchResult:
    """Make ``root/entry.name`` a verified copy of the dataset (see module docstring)."""
    root = Path(root).expanduser()
    target = root / entry.name
    if not entry.downloadable:
        raise DataError(f"'{entry.name}' has no public download: {entry.manual}")
    if target.exists() and not force:
        problem = manifest_problem(target)
        if problem is None:
            return FetchResult(entry.name, target, "already there")
        raise DataError(f"{target} {problem}; rerun with --force to fetch it again "
                        "(it is replaced only once the new copy is complete)")
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(f".{entry.name}.extracting.*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    archive = root / DOWNLOADS / entry.archive_name()
    if force:
        archive.unlink(missing_ok=True)
    mirror = resolve_mirror(mirror)
    url = _download_first(entry, archive, mirror, progress)
    digest = sha256_file(archive)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.extracting.", dir=root))
    try:
        try:
            safe_extract(archive, staging)
        except DownloadError:
            archive.unlink(missing_ok=True)  # ours, and useless: the next run refetches
            raise
        ready = find_layout_root(staging, entry.layout)
        check_layout(ready, entry.layout, f"{entry.name} ({archive.name})")
        write_manifest(ready, entry, url, digest, archive.stat().st_size)
        _replace_dir(ready, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not keep_archive:
        archive.unlink(missing_ok=True)
    return FetchResult(entry.name, target, "downloaded", digest)


def _download_first(entry: DatasetEntry, archive: Path, mirror: str | None,
                    progress: bool) -> str:
    errors = []
    for url in entry.urls:
        url = mirror_url(url, mirror)
        try:
            download_file(url, archive, sha256=entry.sha256, expected_size=entry.size,
                          progress=progress)
            return url
        except DownloadError as err:
            errors.append(err)
    raise errors[-1]


def _replace_dir(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; an old ``target`` (--force) goes only after that."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_manifest(folder: Path, entry: DatasetEntry, url: str, digest: str, size: int) -> None:
    files = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
    }
    data = {
        "name": entry.name,
        "url": url,
        "archive_sha256": digest,
        "archive_bytes": size,
        "catalog_sha256": entry.sha256,
        "layout": entry.layout,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(data, indent=1))


def manifest_problem(folder: Path) -> str | None:
    """None when every file the manifest lists is there with its recorded size."""
    try:
        data = json.loads((folder / MANIFEST).read_text())
        files = data["files"]
    except (OSError, ValueError, KeyError):
        return "exists but has no i2i download manifest (not made by `i2i download`)"
    for rel, size in files.items():
        path = folder / rel
        try:
            if path.stat().st_size != size:
                return f"is corrupt: {rel} changed size since it was downloaded"
        except OSError:
            return f"is incomplete: {rel} is missing"
    return None


def fetch_many(names: list[str], root: Path, mirror: str | None = None, force: bool = False,
               progress: bool = True, on_done=None) -> list[FetchResult]:
    """Fetch several datasets; one that fails is reported and the rest go on.

    ``on_done(result_or_error)`` is called after each (the CLI prints a line). A single
    failure re-raises its own error; several end in PartialFailure naming them.
    """
    from i2i.data.catalog import get_entry
    from i2i.errors import I2IError, PartialFailure

    entries = [get_entry(name) for name in names]  # unknown names fail before any download
    results, failed = [], []
    for entry in entries:
        try:
            result = fetch_dataset(entry, root, mirror, force, progress)
        except I2IError as err:
            failed.append((entry.name, err))
            if on_done:
                on_done(err)
            continue
        results.append(result)
        if on_done:
            on_done(result)
    if len(failed) == 1 and len(entries) == 1:
        raise failed[0][1]
    if failed:
        raise PartialFailure(f"{len(failed)} of {len(entries)} datasets failed: "
                             f"{', '.join(n for n, _ in failed)} (reasons above); rerun to "
                             "resume")
    return results
