"""Output paths: checked before the work starts, temp files of killed saves swept, disk full.

An output file never replaces an input, nor any other existing file without
``--overwrite`` (:func:`refuse_existing`, run by :func:`check_output_file`).

Every atomic write goes to a temp file named ``.<name>.i2i<pid>.<random>.tmp`` beside its
destination (:func:`temp_prefix`), so a later run can tell the temp files of a killed
process (its pid is gone) from those of a save still in progress, and removes only the
former (:func:`remove_stale_temps`); nothing else of the user's is ever touched.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from i2i.errors import OutputError

_TEMP_NAME = re.compile(r"^\..+\.i2i(\d+)\.[A-Za-z0-9_]+\.tmp$")
DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def temp_prefix(dest: Path) -> str:
    """The ``mkstemp`` prefix of a temp file for ``dest`` (use with ``suffix=".tmp"``)."""
    return f".{Path(dest).name}.i2i{os.getpid()}."


def staging_dir(parent: Path, prefix: str, suffix: str = "") -> Path:
    """A new empty folder in ``parent`` to assemble output in before renaming it into
    place, with the permissions a plain ``mkdir`` would give (``mkdtemp``'s are 0700,
    which would make a run or dataset private to its maker once renamed)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    return folder


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temps(folder: Path) -> int:
    """Delete the temp files left under ``folder`` by killed saves; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.rglob(".*.tmp"):
        match = _TEMP_NAME.match(path.name)
        if match and path.is_file() and not _alive(int(match[1])):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(Path(path).expanduser()))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path, option: str, target: Path) -> None:
    """Create and delete a temp file in ``folder``: the only check root and read-only
    mounts cannot fool (``os.access`` says yes to root everywhere)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".i2i-probe.", dir=folder)
    except OSError as err:
        raise OutputError(f"{option} {target}: cannot write in {folder} "
                          f"({err.strerror or err}); choose a writable place") from None
    os.close(fd)
    os.unlink(probe)


def check_output_dir(path: Path, option: str = "--out", shown: Path | None = None) -> None:
    """``path`` is a folder, or can be made one, in a writable place (nothing is created).

    ``shown``: the path the user typed, when ``path`` is the folder of an output file.
    """
    path = Path(path).expanduser()
    shown = path if shown is None else shown
    base = _nearest_existing(path)
    if not base.is_dir():
        same = shown == path and Path(os.path.abspath(path)) == base
        where = f"{option} {path}" if same else f"{option} {shown}: {base}"
        raise OutputError(f"{where} is a file, not a folder; give a folder path")
    _probe(base, option, shown)


def _input_holding(path: Path, inputs: Iterable[Path]) -> Path | None:
    """The input that ``path`` (an existing file) is, or lies inside; None if none."""
    resolved = path.resolve()
    for item in inputs:
        item = Path(item).expanduser()
        if not item.exists():
            continue  # a name (builtin:, a catalog model), not a path of the user's
        if item.is_dir():
            if item.resolve() in resolved.parents:
                return item
        elif os.path.samefile(path, item):  # symlinks and hard links too
            return item
    return None


def refuse_existing(path: Path, option: str, inputs: Iterable[Path] = (),
                    overwrite: bool = False) -> None:
    """Nothing of the user's is replaced by an output at ``path``: an input (a file given
    as one, or any file inside an input folder) never, another existing file only with
    ``overwrite``. A path that does not exist yet passes."""
    path = Path(path).expanduser()
    if not path.exists():
        return
    source = _input_holding(path, inputs)
    if source is not None:
        what = "an input" if source.is_file() else f"in the input folder {source}"
        raise OutputError(f"{option} {path} is {what}; inputs are never replaced, choose "
                          "another path")
    if not overwrite:
        raise OutputError(f"{option} {path} already exists; pass --overwrite to replace it "
                          "or choose another path")


def check_output_file(path: Path, option: str, inputs: Iterable[Path] = (),
                      overwrite: bool = False) -> None:
    """``path`` can be written as a file: its folder exists and is writable, it is not
    itself a folder (the folder is not created: a typo must not make folders), and it
    replaces nothing of the user's (:func:`refuse_existing`)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{option} {path}: folder {parent} does not exist; create it or "
                          "choose another path")
    if not parent.is_dir():
        raise OutputError(f"{option} {path}: {_nearest_existing(parent)} is a file, not a folder")
    _probe(parent, option, path)
    refuse_existing(path, option, inputs, overwrite)


def swap_into_place(new: Path, target: Path) -> None:
    """Rename folder ``new`` to ``target`` (i2i's own: a model, kept translations); an old
    ``target`` goes only once the new one is in place, so a failure leaves one of them."""
    if not target.exists():
        os.replace(new, target)
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced.", dir=target.parent))
    os.replace(target, trash / target.name)
    os.replace(new, target)
    shutil.rmtree(trash, ignore_errors=True)


def available_ram() -> int:
    """Bytes of host memory available now (0 when unknown); torch-free, for the checks of
    prepare and of :mod:`i2i.memory` alike."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def is_disk_full(err: BaseException) -> bool:
    return isinstance(err, OSError) and err.errno in DISK_FULL


def disk_full(dest: Path, needed: int, hint: str = "", up_to: bool = False) -> OutputError:
    """The one line for a full disk: the path, the space still needed, the space free."""
    try:
        free = shutil.disk_usage(_nearest_existing(Path(dest).parent)).free
    except OSError:
        free = 0
    amount = f"{'up to' if up_to else 'about'} {human_bytes(needed)}"
    return OutputError(f"disk full writing {dest}: {amount} more needed "
                       f"({human_bytes(free)} free); free some space and rerun{hint}")
