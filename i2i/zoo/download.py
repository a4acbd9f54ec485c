"""Fetch catalog models into the weights cache, and find a downloaded one.

A model lives in ``<cache>/models/<name>/`` (``<cache>`` is :func:`i2i.weights.cache_dir`,
so ``I2I_HOME`` moves it): the generator as ``latest_net_G.pth`` and a manifest
``.i2i-model.json`` with the URL it came from, its size and the sha256 recorded at the
first download (the projects publish none; an entry's own sha256 or size, where it has
one, is checked by the downloader). :func:`model_file` checks the file against that record
on every use (hashing a file once, as the weights registry does), so a damaged copy is
caught instead of being loaded.

The guarantees are the dataset downloader's: bytes go through
:func:`i2i.data.download.download_file` into ``<cache>/models/.downloads/`` (resume of
``.part`` files, retries, checksum, atomic rename); ``--mirror`` / ``I2I_DATASET_MIRROR``
keeps the original paths; an archive (CUT's ``pretrained_models.tar``) is extracted with
:func:`i2i.data.extract.safe_extract` into a temp folder and only the generator is kept.
The model folder is assembled under a temp name and renamed into place, so it either
holds a manifest that matches its file or is not there. ``models/`` belongs to i2i: with
``--force`` the old folder is replaced once the new one is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from i2i.data.archive_paths import ArchiveError
from i2i.data.catalog_download import (
    download_first,
    fetch_each,
    mirror_url,
    resolve_mirror,
    reusable_download,
)
from i2i.data.download import NoNetwork, sha256_file
from i2i.data.extract import ExtractSpaceError, safe_extract
from i2i.errors import DownloadError, WeightsError
from i2i.outputs import check_output_dir, staging_dir, swap_into_place
from i2i.weights import cache_dir, is_offline, is_verified
from i2i.zoo.catalog import ModelEntry, get_entry

MANIFEST = ".i2i-model.json"
GENERATOR_FILE = "latest_net_G.pth"
DOWNLOADS = ".downloads"


@dataclass(frozen=True)
class ModelFetch:
    name: str
    path: Path  # the verified generator file
    status: str  # "downloaded" or "already there"
    sha256: str


def models_dir() -> Path:
    return cache_dir() / "models"


def model_file(name: str) -> Path:
    """The verified local generator ``.pth`` of a downloaded model; WeightsError if it is
    not downloaded or no longer matches what was downloaded."""
    get_entry(name)  # an unknown name is its own one-line error, with close matches
    problem = model_problem(name)
    if problem is None:
        return models_dir() / name / GENERATOR_FILE
    fix = "--force" if (models_dir() / name).exists() else ""
    raise WeightsError(f"model '{name}' {problem}; run `i2i download --model {name}"
                       f"{' ' + fix if fix else ''}`")


def recorded_sha256(name: str) -> str:
    """The sha256 the manifest of a downloaded model records (call after
    :func:`model_file`, which checks the manifest is there and matches)."""
    return str(json.loads((models_dir() / name / MANIFEST).read_text())["sha256"])


def model_problem(name: str) -> str | None:
    """None when ``<cache>/models/<name>`` holds the file its manifest records."""
    folder = models_dir() / name
    if not folder.exists():
        return "is not downloaded"
    try:
        record = json.loads((folder / MANIFEST).read_text())
        size, digest = int(record["bytes"]), str(record["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"in {folder} has no i2i download manifest"
    path = folder / GENERATOR_FILE
    if not path.is_file():
        return f"is incomplete: {path} is missing"
    if path.stat().st_size != size or not is_verified(path, digest):
        return f"is corrupt: {path} no longer matches the sha256 recorded at download"
    return None


def fetch_models(names: list[str], mirror: str | None = None, force: bool = False,
                 progress: bool = True, on_done=None) -> list[ModelFetch]:
    """Fetch several models; one that fails is reported (``on_done(error)``) and the rest
    go on, as :func:`i2i.data.catalog_download.fetch_many` does for datasets.

    Unknown names, a bad mirror, offline mode and an unwritable cache fail before any
    download. An archive several of the models share is fetched and extracted once.
    """
    entries = [get_entry(name) for name in dict.fromkeys(names)]
    mirror = resolve_mirror(mirror)
    needed = [e for e in entries if force or not (models_dir() / e.name).exists()]
    if needed:
        _check_can_download(needed)
    with _Archives(mirror, progress) as archives:
        return fetch_each(entries, lambda entry: _fetch_one(entry, archives, mirror, force,
                                                            progress), "models", on_done)


def _check_can_download(entries: list[ModelEntry]) -> None:
    if is_offline():
        raise WeightsError(f"I2I_OFFLINE is set, so model '{entries[0].name}' cannot be "
                           "downloaded; unset it on a connected machine and rerun")
    check_output_dir(models_dir(), option="the model cache (I2I_HOME)")


def _fetch_one(entry: ModelEntry, archives: _Archives, mirror: str | None, force: bool,
               progress: bool) -> ModelFetch:
    target = models_dir() / entry.name
    if target.exists() and not force:
        problem = model_problem(entry.name)
        if problem is None:
            record = json.loads((target / MANIFEST).read_text())
            return ModelFetch(entry.name, target / GENERATOR_FILE, "already there",
                              record["sha256"])
        raise WeightsError(f"model '{entry.name}' {problem}; rerun with --force to fetch "
                           "it again")
    if not entry.urls:
        raise WeightsError(f"model '{entry.name}' has no download URL, so it cannot be "
                           "fetched; ask the plugin that registers it for one")
    models_dir().mkdir(parents=True, exist_ok=True)
    _remove_stale(f".{entry.name}.staging.*", f".{entry.name}.replaced.*")
    staging = staging_dir(models_dir(), f".{entry.name}.staging.")
    try:
        generator = staging / GENERATOR_FILE
        record = {"name": entry.name, "file": GENERATOR_FILE,
                  "catalog_sha256": entry.sha256, "member": entry.member or None,
                  "archive_sha256": None}
        if entry.member:
            archive, url, archive_digest = archives.get(entry)
            os.replace(_member(archive, entry), generator)
            record["archive_sha256"] = archive_digest
        else:
            placed = _downloads() / f"{entry.name}.pth"
            url = (mirror_url(entry.urls[0], mirror) if reusable_download(placed, entry)
                   else _download(entry, placed, mirror, progress))
            os.replace(placed, generator)
        digest = sha256_file(generator)
        record.update(url=url, sha256=digest, bytes=generator.stat().st_size)
        (staging / MANIFEST).write_text(json.dumps(record, indent=1))
        swap_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ModelFetch(entry.name, target / GENERATOR_FILE, "downloaded", digest)


def _download(entry: ModelEntry, dest: Path, mirror: str | None, progress: bool) -> str:
    """:func:`download_first`; without a network, the line says what works offline."""
    try:
        return download_first(entry, dest, mirror, progress)
    except NoNetwork as err:
        source = entry.method if entry.source == "cut" else "junyanz"
        raise DownloadError(
            f"{err}; without this network: give --mirror URL of a mirror you can reach, or "
            f"fetch {entry.urls[0]} elsewhere and put it at {dest} and rerun, or import a "
            f"generator file you have: i2i import FILE --from {source}") from err


def _remove_stale(*patterns: str) -> None:
    """Temp folders a killed run left in models/ (ours, by their prefix)."""
    for pattern in patterns:
        for stale in models_dir().glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def _downloads() -> Path:
    return models_dir() / DOWNLOADS


def _member(extracted: Path, entry: ModelEntry) -> Path:
    """The generator inside an extracted archive: ``entry.member``, else the one file
    whose last two path parts match it (an archive that wraps it in another folder)."""
    exact = extracted / entry.member
    if exact.is_file() and not exact.is_symlink():
        return exact
    tail = PurePosixPath(entry.member).parts[-2:]
    found = [p for p in extracted.rglob(tail[-1])
             if p.parts[-len(tail):] == tail and p.is_file() and not p.is_symlink()]
    if len(found) != 1:
        raise DownloadError(f"{entry.download_name} holds no {entry.member} for model "
                            f"'{entry.name}'; the published archive may have changed: "
                            "rerun with --force, or use --mirror")
    return found[0]




class _Archives:
    """Archives of one ``fetch_models`` call, each downloaded (or reused from
    ``.downloads/``) and extracted once. At the end the extractions go, and so does each
    archive that extracted; one that could not be written out for want of space stays
    for the rerun, and a corrupt or unsafe one is deleted at once."""

    def __init__(self, mirror: str | None, progress: bool):
        self.mirror, self.progress = mirror, progress
        self._done: dict[Path, tuple[Path, str, str]] = {}

    def __enter__(self) -> _Archives:
        return self

    def get(self, entry: ModelEntry) -> tuple[Path, str, str]:
        """(extracted folder, URL, archive sha256) for an archive entry."""
        archive = _downloads() / entry.download_name
        if archive in self._done:
            return self._done[archive]
        # A complete archive in .downloads/ passed its checks (it is renamed from .part
        # only then): a rerun after a failed extraction does not fetch it again.
        url = (mirror_url(entry.urls[0], self.mirror) if archive.is_file()
               else _download(entry, archive, self.mirror, self.progress))
        _remove_stale(f".{archive.name}.extracting.*")
        folder = Path(tempfile.mkdtemp(prefix=f".{archive.name}.extracting.",
                                       dir=models_dir()))
        try:
            safe_extract(archive, folder)
        except ExtractSpaceError as err:
            shutil.rmtree(folder, ignore_errors=True)
            raise ExtractSpaceError(f"{err}; {archive} is kept, so the rerun does not "
                                    "download it again") from err
        except ArchiveError as err:
            shutil.rmtree(folder, ignore_errors=True)
            archive.unlink(missing_ok=True)  # ours, and useless
            raise DownloadError(f"{err.problem}; i2i deleted {archive.name}: rerun to "
                                "download it again, or use --mirror") from err
        self._done[archive] = (folder, url, sha256_file(archive))
        return self._done[archive]

    def __exit__(self, *exc) -> bool:
        for archive, (folder, _, _) in self._done.items():
            shutil.rmtree(folder, ignore_errors=True)
            archive.unlink(missing_ok=True)
        return False
