"""Safe extraction of zip and tar(.gz/.bz2/.xz) archives, and dataset layout checks.

Every member is checked before anything is written: no absolute path, no ``..``, no device
or fifo, no link in a zip, and no tar member or link that resolves outside the target
through the links before it (see :mod:`i2i.data.archive_paths`; this does not rely on
tarfile's extraction filters, which Pythons before 3.10.12 / 3.11.4 lack). Just before each
write the path is checked again against the links really on disk. The member count and the
unpacked total are bounded (a fixed cap, a compression ratio, the free disk space), so a
bomb is refused before it fills the disk. Callers extract into a temporary folder and
rename it into place only after :func:`check_layout` passes, so a half-extracted dataset
never looks complete.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path

from i2i.data.archive_paths import ArchiveError, LinkTree, check_on_disk, safe_name
from i2i.errors import DownloadError
from i2i.images import is_image_file
from i2i.outputs import human_bytes, is_disk_full

MAX_MEMBERS = 2_000_000
MAX_TOTAL_BYTES = 64 * 1024**3  # the largest catalog set (edges2handbags) is ~9 GB packed
# Image datasets barely compress (jpg/png inside): ~1x. 100x is generous for text besides,
# and far below what a bomb needs; archives unpacking to under RATIO_FLOOR are never bombs.
MAX_RATIO = 100
RATIO_FLOOR = 8 * 1024**2
COPY_CHUNK = 1 << 20


class ExtractSpaceError(DownloadError):
    """Writing the extracted files failed (disk full, no permission): the archive is fine,
    so a caller keeps it for the rerun."""


def safe_extract(archive: Path, target: Path, max_members: int = MAX_MEMBERS,
                 max_bytes: int = MAX_TOTAL_BYTES, max_ratio: float = MAX_RATIO) -> list[str]:
    """Extract ``archive`` into the folder ``target``; returns the member names written.

    Raises ArchiveError naming the bad member (unsafe path, link out, bomb) or saying the
    archive is truncated/corrupt, and ExtractSpaceError when the files cannot be written
    (not enough free space: it names the folder and the space needed).
    """
    archive, target = Path(archive), Path(target)
    _writing(archive, target, None, lambda *_: target.mkdir(parents=True, exist_ok=True))
    try:
        limit = _Limit(archive, max_members, max_bytes, max_ratio)
        kind = archive_kind(archive)
        if kind == "zip":
            with zipfile.ZipFile(archive) as zf:
                infos = _plan_zip(archive, zf, limit)
                _check_space(archive, target, limit.total)
                return _writing(archive, target, limit, _write_zip, zf, infos)
        if kind == "tar":
            with tarfile.open(archive) as tf:
                members = _plan_tar(archive, tf, limit)
                _check_space(archive, target, limit.total)
                return _writing(archive, target, limit, _write_tar, tf, members)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zipfile.LargeZipFile,
            zlib.error) as err:
        raise ArchiveError(f"archive {archive.name} is truncated or corrupt ({err})",
                           "fetch it again") from err
    except OSError as err:
        raise DownloadError(f"cannot read {archive}: {err.strerror or err}") from err
    raise ArchiveError(f"{archive.name} is neither a zip nor a tar archive (or it is "
                       "truncated)", "fetch it again")


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # first member, or an empty zip's end record


def archive_kind(archive: Path) -> str | None:
    """"zip", "tar" or None, decided by the file's start before its end: a plain tar whose
    last member is itself a zip (a ``.pth`` from ``torch.save``) ends in that member's
    central directory, so ``zipfile.is_zipfile`` alone would take the tar for a zip."""
    with Path(archive).open("rb") as fh:
        head = fh.read(4)
    if head in ZIP_MAGIC:
        return "zip"
    if tarfile.is_tarfile(archive):
        return "tar"
    if zipfile.is_zipfile(archive):  # a zip behind a prefix (self-extracting)
        return "zip"
    return None


class _Limit:
    """The member-count and unpacked-size budget of one archive (compression bombs)."""

    def __init__(self, archive: Path, max_members: int, max_bytes: int, max_ratio: float):
        self.archive, self.max_members = archive, max_members
        by_ratio = max(max_ratio * archive.stat().st_size, RATIO_FLOOR)
        self.max_bytes = int(min(max_bytes, by_ratio))
        self.count = self.total = 0

    def add(self, size: int) -> None:
        self.count += 1
        self.total += max(size, 0)
        if self.count > self.max_members:
            raise ArchiveError(f"archive {self.archive.name} has more than "
                               f"{self.max_members} members; a possible compression bomb")
        self.check(self.total)

    def check(self, total: int) -> None:
        if total > self.max_bytes:
            raise ArchiveError(f"archive {self.archive.name} unpacks to more than "
                               f"{self.max_bytes} bytes; a possible compression bomb")


def _check_space(archive: Path, target: Path, total: int) -> None:
    free = shutil.disk_usage(target).free
    if total > free:
        raise ExtractSpaceError(
            f"not enough space to extract {archive.name} into {target}: it needs "
            f"{human_bytes(total)}, {human_bytes(free)} are free; free "
            f"{human_bytes(total - free)} and rerun")


def _writing(archive: Path, target: Path, limit: _Limit | None, write, *args):
    """Run ``write``; a failed write (disk full, permissions) becomes one clear line."""
    try:
        return write(archive, target, limit, *args)
    except OSError as err:
        if is_disk_full(err):
            needs = f"{human_bytes(limit.total)} free" if limit else "more space"
            raise ExtractSpaceError(
                f"disk full while extracting {archive.name} into {target}: it needs "
                f"{needs}; free space and rerun") from err
        raise ExtractSpaceError(f"extracting {archive.name} into {target} failed: "
                                f"{err.strerror or err}; fix the folder and rerun") from err


def _plan_zip(archive: Path, zf: zipfile.ZipFile, limit: _Limit) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    for info in infos:
        safe_name(archive, info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"archive {archive.name} holds link '{info.filename}'; "
                               "links are refused in zip archives")
        limit.add(info.file_size)
    return infos


def _write_zip(archive: Path, target: Path, limit: _Limit, zf: zipfile.ZipFile,
               infos: list[zipfile.ZipInfo]) -> list[str]:
    written = 0
    names = []
    for info in infos:
        rel = safe_name(archive, info.filename)
        if not rel.parts:
            continue
        check_on_disk(archive, target, rel)
        dest = target.joinpath(*rel.parts)
        if info.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(dest, "wb") as out:
            # count what really comes out, not what the header claims
            while block := src.read(COPY_CHUNK):
                written += len(block)
                limit.check(written)
                out.write(block)
        names.append(str(rel))
    return names


def _plan_tar(archive: Path, tf: tarfile.TarFile, limit: _Limit) -> list[tarfile.TarInfo]:
    members = []
    tree = LinkTree()
    for member in tf:  # streams; a truncated archive raises here, before any write
        rel = safe_name(archive, member.name)
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise ArchiveError(f"archive {archive.name} holds special file "
                               f"'{member.name}'")
        if rel.parts:
            tree.add(archive, rel, member)
        limit.add(member.size if member.isfile() else 0)
        members.append(member)
    tree.check_final(archive)
    return members


def _write_tar(archive: Path, target: Path, limit: _Limit, tf: tarfile.TarFile,
               members: list[tarfile.TarInfo]) -> list[str]:
    names = []
    for member in members:
        rel = safe_name(archive, member.name)
        if not rel.parts:
            continue
        link = member.linkname if member.issym() or member.islnk() else None
        check_on_disk(archive, target, rel, link, hard=member.islnk())
        member.name = str(rel)
        member.mode = (member.mode or 0o644) & 0o755  # no setuid/world-writable bits
        tf.extract(member, target, set_attrs=False, **_filter_kw())
        if member.isfile():
            names.append(str(rel))
    return names


def _filter_kw() -> dict:
    # Python >= 3.12 (and 3.10.12+, 3.11.4+) re-checks every member itself: belt and braces.
    # i2i's own checks above are the ones that must hold where this filter is missing.
    return {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def find_layout_root(folder: Path, layout: str) -> Path:
    """``folder`` or the one folder inside it that holds the layout (archives usually wrap
    their content in ``NAME/``)."""
    if layout_problem(folder, layout) is None:
        return folder
    children = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("__", "."))]
    if len(children) == 1 and layout_problem(children[0], layout) is None:
        return children[0]
    return folder


def layout_problem(folder: Path, layout: str) -> str | None:
    """What is wrong with ``folder`` as a dataset of ``layout``, or None if it is fine."""
    if layout == "unaligned":
        for sub in ("trainA", "trainB"):
            if not _has_images(folder / sub):
                return f"missing or empty {sub}/ (expected trainA/ trainB/ testA/ testB/)"
        return None
    if layout == "aligned":
        if not _has_images(folder / "train"):
            return "missing or empty train/ (expected train/ val/ test/ of A|B images)"
        return None
    if layout == "images":
        return None if _has_images(folder) else "no images found"
    raise ValueError(f"unknown layout {layout!r}")


def check_layout(folder: Path, layout: str, what: str) -> None:
    problem = layout_problem(folder, layout)
    if problem is not None:
        raise DownloadError(f"{what} does not have the expected layout: {problem}; "
                            "the archive may be the wrong file")


def _has_images(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(p.is_file() and is_image_file(p) for p in folder.rglob("*"))
