"""Build small zip and tar.gz archives (good and malicious) for download/extract tests."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile

import numpy as np
from PIL import Image


def png_bytes(seed: int, size: tuple[int, int] = (40, 36)) -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, format="PNG")
    return buf.getvalue()


def make_zip(members: dict[str, bytes], symlinks: dict[str, str] = ()) -> bytes:
    """``symlinks``: name -> target, stored as unix symlinks (mode in external_attr)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in dict(symlinks).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def make_tar_entries(entries: list[tuple[str, bytes | str]]) -> bytes:
    """A tar.gz from (name, bytes) files and (name, str) symlinks, in this order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, body in entries:
            info = tarfile.TarInfo(name)
            if isinstance(body, str):
                info.type, info.linkname = tarfile.SYMTYPE, body
                tf.addfile(info)
            else:
                info.size = len(body)
                tf.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def make_targz(members: dict[str, bytes], links: dict[str, tuple[str, bytes]] = ()) -> bytes:
    """``links``: name -> (target, tarfile.SYMTYPE or LNKTYPE)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, (target, kind) in dict(links).items():
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = target
            tf.addfile(info)
    return buf.getvalue()


def cyclegan_zip(name: str, per_split: int = 2) -> bytes:
    members = {}
    for i, split in enumerate(("trainA", "trainB", "testA", "testB")):
        for j in range(per_split):
            members[f"{name}/{split}/{j}.png"] = png_bytes(10 * i + j)
    return make_zip(members)


def pix2pix_targz(name: str) -> bytes:
    members = {f"{name}/{split}/{j}.png": png_bytes(j, (64, 32))
               for split in ("train", "val") for j in range(2)}
    return make_targz(members)
