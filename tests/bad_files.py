"""Files users meet that break naive code: decompression bombs, garbage, truncated images,
and a folder even root cannot write in. Shared by the CLI tests of every command."""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

import pytest


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(path: Path, width: int = 40000, height: int = 40000) -> Path:
    """A ~70-byte PNG whose header claims ``width`` x ``height`` (PIL refuses it with
    DecompressionBombError above 2 x 89.5 Mpx)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                     + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))
    return path


BOMBS = [(40000, 40000), (20000, 20000), (1, 200_000_000), (200_000_000, 1)]


def garbage(path: Path, kind: str) -> Path:
    """Unreadable files of a few kinds: text, empty, a truncated PNG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "text":
        path.write_text("not an image")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        from PIL import Image

        Image.new("RGB", (64, 64), (10, 200, 30)).save(path, format="PNG")
        path.write_bytes(path.read_bytes()[:60])
    return path


GARBAGE = ["text", "empty", "truncated"]


def unwritable_dir(tmp_path: Path) -> Path:
    """A folder where creating a file fails: chmod 555 for a normal user, /sys for root
    (root ignores permissions); skips where neither works."""
    if os.geteuid() != 0:
        folder = tmp_path / "readonly"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for candidate in (Path("/sys/fs"), Path("/sys"), Path("/proc")):
        try:
            fd, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return candidate
        os.close(fd)
        os.unlink(probe)
    pytest.skip("no unwritable folder on this machine")


def dead_pid() -> int:
    """The pid of a process that has exited."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
