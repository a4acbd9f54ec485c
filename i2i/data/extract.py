"""Safe extraction of zip and tar(.gz/.bz2/.xz) archives, and dataset layout checks.

Every member is checked before anything is written: no absolute path, no ``..``, no link
that points outside the target, no device or fifo; the member count and the total
uncompressed size are bounded (compression bombs). Callers extract into a temporary
folder and rename it into place only after :func:`check_layout` passes, so a half-extracted
dataset never looks complete.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from i2i.errors import DownloadError
from i2i.images import is_image_file

MAX_MEMBERS = 2_000_000
MAX_TOTAL_BYTES = 64 * 1024**3  # the largest catalog set (edges2handbags) is ~9 GB packed
COPY_CHUNK = 1 << 20


def safe_extract(archive: Path, target: Path, max_members: int = MAX_MEMBERS,
                 max_bytes: int = MAX_TOTAL_BYTES) -> list[str]:
    """Extract ``archive`` into the folder ``target``; returns the member names written.

    Raises DownloadError naming the bad member (unsafe path, link out, bomb) or saying the
    archive is truncated/corrupt.
    """
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive):
            return _extract_zip(archive, target, max_members, max_bytes)
        if tarfile.is_tarfile(archive):
            return _extract_tar(archive, target, max_members, max_bytes)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zipfile.LargeZipFile,
            zlib.error) as err:
        raise DownloadError(
            f"archive {archive.name} is truncated or corrupt ({err}); delete it and fetch it again"
        ) from err
    except OSError as err:
        raise DownloadError(f"extracting {archive.name} into {target} failed: "
                            f"{err.strerror or err}; free space and rerun") from err
    raise DownloadError(
        f"{archive.name} is neither a zip nor a tar archive (or it is truncated); "
        "delete it and fetch it again"
    )


def _safe_name(archive: Path, name: str) -> PurePosixPath:
    """The member's path relative to the target, or DownloadError if it would escape."""
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if path.is_absolute() or (len(clean) > 1 and clean[1] == ":"):
        raise DownloadError(f"archive {archive.name} holds absolute path '{name}'; refused")
    if ".." in path.parts:
        raise DownloadError(f"archive {archive.name} holds path '{name}' leaving its folder; "
                            "refused")
    return PurePosixPath(*[p for p in path.parts if p not in ("", ".")])


def _check_budget(archive: Path, count: int, total: int, max_members: int,
                  max_bytes: int) -> None:
    if count > max_members:
        raise DownloadError(f"archive {archive.name} has more than {max_members} members; "
                            "refused as a possible compression bomb")
    if total > max_bytes:
        raise DownloadError(f"archive {archive.name} unpacks to more than {max_bytes} bytes; "
                            "refused as a possible compression bomb")


def _extract_zip(archive: Path, target: Path, max_members: int, max_bytes: int) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        total = 0
        for i, info in enumerate(infos):
            _safe_name(archive, info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise DownloadError(f"archive {archive.name} holds link '{info.filename}'; "
                                    "links are refused in zip archives")
            total += info.file_size
            _check_budget(archive, i + 1, total, max_members, max_bytes)
        written = 0
        names = []
        for info in infos:
            rel = _safe_name(archive, info.filename)
            dest = target.joinpath(*rel.parts)
            if info.is_dir() or not rel.parts:
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                # the header's file_size may lie: count what really comes out
                while block := src.read(COPY_CHUNK):
                    written += len(block)
                    _check_budget(archive, 0, written, max_members, max_bytes)
                    out.write(block)
            names.append(str(rel))
    return names


def _extract_tar(archive: Path, target: Path, max_members: int, max_bytes: int) -> list[str]:
    root = target.resolve()
    with tarfile.open(archive) as tf:
        members = []
        total = 0
        for member in tf:  # streams; a truncated archive raises here, before any write
            rel = _safe_name(archive, member.name)
            if member.issym() or member.islnk():
                _check_link(archive, root, rel, member)
            elif not (member.isfile() or member.isdir()):
                raise DownloadError(f"archive {archive.name} holds special file "
                                    f"'{member.name}'; refused")
            total += max(member.size, 0)
            members.append(member)
            _check_budget(archive, len(members), total, max_members, max_bytes)
        names = []
        for member in members:
            rel = _safe_name(archive, member.name)
            if not rel.parts:
                continue
            member.name = str(rel)
            member.mode = (member.mode or 0o644) & 0o755  # no setuid/world-writable bits
            tf.extract(member, target, set_attrs=False, **_filter_kw())
            if member.isfile():
                names.append(str(rel))
    return names


def _check_link(archive: Path, root: Path, rel: PurePosixPath, member: tarfile.TarInfo) -> None:
    link = member.linkname.replace("\\", "/")
    if os.path.isabs(link):
        raise DownloadError(f"archive {archive.name} holds link '{member.name}' -> '{link}' "
                            "pointing outside its folder; refused")
    # symlinks resolve from the member's folder, hard links from the archive root
    base = root.joinpath(*rel.parts[:-1]) if member.issym() else root
    resolved = Path(os.path.normpath(base / link))
    if resolved != root and root not in resolved.parents:
        raise DownloadError(f"archive {archive.name} holds link '{member.name}' -> '{link}' "
                            "pointing outside its folder; refused")


def _filter_kw() -> dict:
    # Python >= 3.12 (and patched 3.8+) can re-check every member itself: belt and braces.
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
