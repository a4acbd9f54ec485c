"""Fetch a catalog dataset: download, verify, extract safely, check layout, record manifest.

The order makes every failure harmless: the folder and the mirror are checked before any
work; the archive is fetched to ``DIR/.downloads/`` (resumable ``.part``), extracted into a
hidden temp folder beside the target, checked, given its manifest and only then renamed
to ``DIR/NAME``. A dataset folder therefore either has a manifest that matches its files,
or is not there. An archive that extracted badly for want of space stays in
``.downloads/`` so the rerun does not fetch it again.

``--force`` replaces an old ``DIR/NAME`` once the new copy is complete. The old folder is
deleted only when it holds nothing but the files its manifest lists, at their recorded
sizes; anything else (files the user added or changed, a folder i2i did not make) is moved
aside whole to ``DIR/NAME.old`` (``.old-2``, ...) and the result says where.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from i2i.data.archive_paths import ArchiveError
from i2i.data.catalog import DatasetEntry
from i2i.data.download import NoNetwork, download_file, sha256_file
from i2i.data.extract import ExtractSpaceError, check_layout, find_layout_root, safe_extract
from i2i.errors import ConfigError, DataError, DownloadError, OutputError
from i2i.outputs import staging_dir

MANIFEST = ".i2i-dataset.json"
MIRROR_ENV = "I2I_DATASET_MIRROR"
DOWNLOADS = ".downloads"


@dataclass(frozen=True)
class FetchResult:
    name: str
    path: Path
    status: str  # "downloaded" or "already there"
    archive_sha256: str = ""
    moved_aside: Path | None = None  # where --force put an old folder holding the user's files


def mirror_url(url: str, mirror: str | None) -> str:
    """``url`` fetched from ``mirror`` instead: the mirror keeps the original path."""
    if not mirror:
        return url
    return mirror.rstrip("/") + urlparse(url).path


def resolve_mirror(mirror: str | None) -> str | None:
    """``mirror``, else ``$I2I_DATASET_MIRROR``; ConfigError if it is not an http(s) URL."""
    mirror = mirror or os.environ.get(MIRROR_ENV) or None
    if mirror is not None:
        parts = urlparse(mirror)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--mirror (or {MIRROR_ENV}) {mirror!r} is not a URL; give a "
                              "base URL like https://mirror.example.org/efros")
    return mirror


def check_output_dir(root: Path) -> None:
    """``root`` is (or can be made) a folder that takes new files; OutputError (exit 1, as
    for every output that cannot be written) otherwise.

    Checked by writing a probe file rather than with ``os.access``, which says yes to root
    on a read-only mount.
    """
    folders = [root] + ([root / DOWNLOADS] if (root / DOWNLOADS).is_dir() else [])
    try:
        root.mkdir(parents=True, exist_ok=True)
        for folder in folders:
            fd, probe = tempfile.mkstemp(prefix=".i2i-write-test.", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except FileExistsError as err:
        raise OutputError(f"--dir {root} is a file, not a folder; choose another --dir") from err
    except OSError as err:
        raise OutputError(f"cannot write into --dir {err.filename or root}: "
                        f"{err.strerror or err}; choose a writable folder with --dir") from err


def fetch_dataset(entry: DatasetEntry, root: Path, mirror: str | None = None,
                  force: bool = False, progress: bool = True,
                  keep_archive: bool = False) -> FetchResult:
    """Make ``root/entry.name`` a verified copy of the dataset (see module docstring)."""
    root = Path(root).expanduser()
    target = root / entry.name
    if not entry.downloadable:
        raise DataError(f"'{entry.name}' has no public download: {entry.manual}")
    mirror = resolve_mirror(mirror)
    if target.exists() and not force:
        problem = manifest_problem(target)
        if problem is None:
            return FetchResult(entry.name, target, "already there")
        raise DataError(f"{target} {problem}; rerun with --force to fetch it again (the old "
                        "folder goes once the new copy is complete; if it holds files the "
                        "manifest does not list, it is moved aside, not deleted)")
    check_output_dir(root)
    for stale in [*root.glob(f".{entry.name}.extracting.*"),  # left by a killed run
                  *root.glob(f".{entry.name}.replaced.*")]:
        shutil.rmtree(stale, ignore_errors=True)
    archive = root / DOWNLOADS / entry.archive_name()
    if force or not reusable_download(archive, entry):
        archive.unlink(missing_ok=True)  # ours: .downloads/ is i2i's folder
    try:
        url = (mirror_url(entry.urls[0], mirror) if archive.is_file()
               else download_first(entry, archive, mirror, progress))
    except NoNetwork as err:
        raise DownloadError(f"{err}; without this network: give --mirror URL of a mirror you "
                            f"can reach, or fetch {entry.urls[0]} elsewhere and put it at "
                            f"{archive} and rerun") from err
    digest = sha256_file(archive)
    staging = staging_dir(root, f".{entry.name}.extracting.")
    try:
        _extract(archive, staging)
        ready = find_layout_root(staging, entry.layout)
        check_layout(ready, entry.layout, f"{entry.name} ({archive.name})")
        write_manifest(ready, entry, url, digest, archive.stat().st_size)
        aside = _replace_dir(ready, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not keep_archive:
        archive.unlink(missing_ok=True)
    return FetchResult(entry.name, target, "downloaded", digest, aside)


def reusable_download(archive: Path, entry) -> bool:
    """A download a previous run fetched completely (it was renamed from ``.part`` only
    after its checks) and then could not extract, e.g. for want of space; or one the user
    put there by hand, offline. It must match ``entry``'s size and sha256 where known."""
    if not archive.is_file():
        return False
    if entry.size is not None and archive.stat().st_size != entry.size:
        return False
    return entry.sha256 is None or sha256_file(archive) == entry.sha256.lower()


def _extract(archive: Path, staging: Path) -> None:
    """Extract, deleting the archive only when the archive itself is at fault."""
    try:
        safe_extract(archive, staging)
    except ExtractSpaceError as err:
        raise ExtractSpaceError(f"{err}; {archive} is kept, so the rerun does not download "
                                "it again") from err
    except ArchiveError as err:
        archive.unlink(missing_ok=True)  # ours, and useless
        raise DownloadError(f"{err.problem}; i2i deleted {archive.name}: rerun to download "
                            "it again, or use --mirror") from err


def download_first(entry, dest: Path, mirror: str | None, progress: bool) -> str:
    """Fetch the first of ``entry.urls`` that works (through ``mirror``) into ``dest``,
    checked against ``entry.sha256`` / ``entry.size``; returns that URL. Any catalog entry
    with those fields will do (datasets, models)."""
    errors = []
    for url in entry.urls:
        url = mirror_url(url, mirror)
        try:
            download_file(url, dest, sha256=entry.sha256, expected_size=entry.size,
                          progress=progress)
            return url
        except DownloadError as err:
            errors.append(err)
    raise errors[-1]


def _replace_dir(new: Path, target: Path) -> Path | None:
    """Rename ``new`` to ``target``; returns where an old ``target`` was moved aside, if it
    held anything its manifest does not list (else the old folder is deleted)."""
    if not target.exists():
        os.replace(new, target)
        return None
    if not only_manifest_files(target):
        aside = _free_name(target)
        os.rename(target, aside)
        os.replace(new, target)
        return aside
    # all of it is ours: swap, then delete; a fresh temp folder, so nothing else is hit
    trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced.", dir=target.parent))
    os.replace(target, trash / target.name)
    os.replace(new, target)
    shutil.rmtree(trash, ignore_errors=True)
    return None


def _free_name(target: Path) -> Path:
    """``NAME.old``, else ``NAME.old-2``, ...: a name nothing has yet."""
    candidate, n = target.with_name(f"{target.name}.old"), 1
    while os.path.lexists(candidate):
        n += 1
        candidate = target.with_name(f"{target.name}.old-{n}")
    return candidate


def only_manifest_files(folder: Path) -> bool:
    """True when every file (or link) under ``folder`` is its manifest, or listed in it
    and still of its recorded size (a file the user changed is theirs now, not ours)."""
    try:
        listed = dict(json.loads((folder / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST:
            continue
        if rel not in listed or (not path.is_symlink() and path.stat().st_size != listed[rel]):
            return False
    return True


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

    ``on_done(result_or_error)`` is called after each (the CLI prints a line), except for
    the failure of a lone dataset, which re-raises its own error; several datasets with
    failures end in PartialFailure naming them.
    """
    from i2i.data.catalog import get_entry

    entries = [get_entry(name) for name in names]  # unknown names fail before any download
    mirror = resolve_mirror(mirror)  # so do a bad mirror and an unwritable folder
    check_output_dir(Path(root).expanduser())
    return fetch_each(entries, lambda entry: fetch_dataset(entry, root, mirror, force,
                                                           progress), "datasets", on_done)


def fetch_each(entries: list, fetch_one, what: str, on_done=None) -> list:
    """``fetch_one(entry)`` for each entry; one that fails is reported through
    ``on_done(error)`` and the rest go on. The failure of a lone entry re-raises its own
    error (one line, not two); failures among several end in PartialFailure naming them."""
    from i2i.errors import I2IError, PartialFailure

    results, failed = [], []
    for entry in entries:
        try:
            result = fetch_one(entry)
        except I2IError as err:
            failed.append((entry.name, err))
            if on_done and len(entries) > 1:
                on_done(err)
            continue
        results.append(result)
        if on_done:
            on_done(result)
    if len(failed) == 1 and len(entries) == 1:
        raise failed[0][1]
    if failed:
        raise PartialFailure(f"{len(failed)} of {len(entries)} {what} failed: "
                             f"{', '.join(n for n, _ in failed)} (reasons above); rerun to "
                             "resume")
    return results
