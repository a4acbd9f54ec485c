"""Where an archive member would really land: path checks that do not rely on tarfile.

``tarfile``'s extraction filters exist only from Python 3.10.12 / 3.11.4; before that a
chain of links (``a -> .``, ``a/b -> ..``, ``a/b/c -> ..``, then the file ``a/b/c/evil``)
walks out of the target although every link looks harmless on its own. So i2i resolves
each member's path itself, through the links the archive has made before it
(:class:`LinkTree`, before anything is written), and checks it again against the links
really on disk just before writing it (:func:`check_on_disk`).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from i2i.errors import DownloadError

MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit: a longer chain is a loop or an attack


class ArchiveError(DownloadError):
    """The archive itself is bad (unsafe member, bomb, truncated, not an archive).

    ``problem`` says what is wrong without advice, so a caller that knows more (the
    download deletes its own copy) can add the right next step.
    """

    def __init__(self, problem: str, advice: str = "refused"):
        super().__init__(f"{problem}; {advice}")
        self.problem = problem


def safe_name(archive: Path, name: str) -> PurePosixPath:
    """The member's path relative to the target, or ArchiveError if it would escape."""
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if path.is_absolute() or (len(clean) > 1 and clean[1] == ":"):
        raise ArchiveError(f"archive {archive.name} holds absolute path '{name}'")
    if ".." in path.parts:
        raise ArchiveError(f"archive {archive.name} holds path '{name}' leaving its folder")
    return PurePosixPath(*[p for p in path.parts if p not in ("", ".")])


class LinkTree:
    """The symlinks an archive has made so far, to resolve member paths as the OS would."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, ...], str] = {}  # resolved location -> link text

    def resolve(self, parts: tuple[str, ...]) -> tuple[str, ...] | None:
        """``parts`` (relative to the target) with every known link followed, or None when
        the path leaves the target (or loops)."""
        done: list[str] = []
        todo = list(parts)
        hops = 0
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not done:
                    return None  # above the target
                done.pop()
                continue
            done.append(part)
            text = self.links.get(tuple(done))
            if text is not None:
                hops += 1
                if hops > MAX_LINK_HOPS or _is_absolute(text):
                    return None
                done.pop()  # a link resolves from the folder that holds it
                todo[:0] = text.replace("\\", "/").split("/")
        return tuple(done)

    def add(self, archive: Path, rel: PurePosixPath, member) -> None:
        """Check one tar member against the links so far; remember it if it is a symlink."""
        if member.issym() or member.islnk():
            parent = self._inside(archive, rel.parts[:-1], member.name)
            link = member.linkname
            # a symlink resolves from its own folder, a hard link from the archive root
            start = parent if member.issym() else ()
            steps = tuple(link.replace("\\", "/").split("/"))
            if _is_absolute(link) or self.resolve(start + steps) is None:
                raise _pointing_out(archive, member.name, link)
            if member.issym():
                self.links[parent + (rel.name,)] = link
        else:
            self._inside(archive, rel.parts, member.name)

    def check_final(self, archive: Path) -> None:
        """Every link, followed with all links in place, still ends inside the target
        (a later link can bend an earlier one: ``l -> a/b/../..`` then ``a -> .``)."""
        for location, text in self.links.items():
            if self.resolve(location) is None:
                raise _pointing_out(archive, "/".join(location), text)

    def _inside(self, archive: Path, parts: tuple[str, ...], name: str) -> tuple[str, ...]:
        resolved = self.resolve(parts)
        if resolved is None:
            raise ArchiveError(f"archive {archive.name} holds '{name}', which its own links "
                               "lead outside its folder")
        return resolved


def check_on_disk(archive: Path, root: Path, rel: PurePosixPath,
                  link: str | None = None, hard: bool = False) -> None:
    """Just before writing ``rel``: it (or, for a link, its folder and its target) resolves
    inside ``root`` through the links really on disk, including any the target held before.
    """
    real_root = os.path.realpath(root)
    dest = os.path.join(real_root, *rel.parts)
    paths = [dest]
    if link is not None:
        folder = os.path.realpath(os.path.dirname(dest))
        base = real_root if hard else folder
        paths = [folder, os.path.join(base, link)]
    for path in paths:
        real = os.path.realpath(path)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise ArchiveError(f"archive {archive.name} member '{rel}' would be written to "
                               f"{real}, outside {root}, through a link on disk")


def _is_absolute(text: str) -> bool:
    clean = text.replace("\\", "/")
    return clean.startswith("/") or (len(clean) > 1 and clean[1] == ":")


def _pointing_out(archive: Path, name: str, link: str) -> ArchiveError:
    return ArchiveError(f"archive {archive.name} holds link '{name}' -> '{link}' pointing "
                        "outside its folder")
