"""One training per run folder: an exclusive lock file holding the owner's pid.

The lock is an ``flock`` on ``RUN/.train.lock``, so it is released by the kernel when its
owner dies however it dies (``kill -9`` included): a lock file left behind by a dead
process is stale and is simply taken over. ``--gpus N`` takes the lock in the launching
process and hands it to its torchrun workers through ``I2I_RUN_LOCK_OWNER``.
"""

from __future__ import annotations

import os
from pathlib import Path

from i2i.errors import ConfigError

LOCK_NAME = ".train.lock"
OWNER_ENV = "I2I_RUN_LOCK_OWNER"

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock degrades to a pid file without exclusion
    fcntl = None


class RunLock:
    """``with RunLock(run_dir):`` — refuses (one line) while another process trains there.

    Folders the lock had to create are removed again on exit when nothing else was put in
    it, so a start that fails leaves no empty run folder behind.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / LOCK_NAME
        self._fd: int | None = None
        self._created: list[Path] = []  # folders the lock made, innermost first

    def __enter__(self) -> RunLock:
        if _held_by_ancestor(self.path):
            return self  # a torchrun worker of the process that holds the lock
        self._created = [d for d in (self.run_dir, *self.run_dir.parents) if not d.exists()]
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fd = self._open_locked()
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        os.environ[OWNER_ENV] = str(os.getpid())
        return self

    def _open_locked(self) -> int:
        """An fd holding the flock on the file that is at ``self.path`` right now.

        A releasing owner unlinks the file; a process that opened it just before may then
        lock a file no longer in the folder, so the lock is only taken as held once the
        locked file is still the one at the path (else it tries again).
        """
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if fcntl is None:
                return fd
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 32).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise ConfigError(
                    f"{self.run_dir} is being trained by process {owner}; wait for it to "
                    "finish or stop it, or train into another --name") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)

    def __exit__(self, *exc) -> None:
        if self._fd is None:
            return
        os.environ.pop(OWNER_ENV, None)
        self.path.unlink(missing_ok=True)
        os.close(self._fd)  # closing releases the flock
        self._fd = None
        for folder in self._created:  # only empty ones: a failed start leaves nothing
            try:
                folder.rmdir()
            except OSError:
                break


def _held_by_ancestor(path: Path) -> bool:
    """True under torchrun when the lock's pid is an ancestor of this process."""
    owner = os.environ.get(OWNER_ENV)
    if not owner or not path.is_file():
        return False
    try:
        return path.read_text().strip() == owner
    except OSError:
        return False
