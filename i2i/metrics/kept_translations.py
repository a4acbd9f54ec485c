"""The translations a run evaluation scored, kept under the run with a page to look at.

``i2i evaluate RUN`` translates the test split and scores the results; a user who reads
FID 575 wants to see those images. As the reference code's ``test.py`` keeps an HTML page
of inputs beside outputs, each (checkpoint, direction) gets ``RUN/eval/<checkpoint>_<dir>/``
with ``fake/`` (the scored translations), ``input/`` (copies of what was translated, since
the split may be a temporary folder) and ``index.html`` (input, output and, where the
split pairs them by name, the target, one row per image, relative links only). The folder
is assembled under a temp name and renamed into place, replacing the previous evaluation
of the same checkpoint and direction, so it never mixes two evaluations. A run that cannot
be written to (a read-only copy) is scored all the same, in a temporary folder, and a
warning says the translations were not kept.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from i2i.console import warn
from i2i.images import IMAGE_EXTENSIONS, write_bytes_atomic
from i2i.outputs import staging_dir, swap_into_place

EVAL_DIR = "eval"
PAGE = "index.html"


class KeptTranslations:
    """Where one evaluation translates to (``fake_dir``), and the folder it ends up in."""

    def __init__(self, run: Path | None, name: str):
        self.final: Path | None = None
        self.staging: Path
        if run is not None:
            parent = Path(run).resolve() / EVAL_DIR  # outputs come back resolved
            try:
                parent.mkdir(exist_ok=True)
                self.staging = staging_dir(parent, f".{name}.")
                self.final = parent / name
            except OSError as err:
                warn(f"cannot keep the translations in {parent} ({err.strerror or err}); "
                     "they are scored and then deleted")
        if self.final is None:
            self.staging = Path(tempfile.mkdtemp(prefix="i2i-eval-"))
        self.fake_dir = self.staging / "fake"

    def __enter__(self) -> KeptTranslations:
        return self

    def finish(self, jobs: list[tuple[Path, Path]], source: Path, target: Path,
               title: str, summary: dict[str, str]) -> Path | None:
        """Copy the inputs beside their outputs, write the page, rename into place;
        returns the page (None when nothing is kept)."""
        if self.final is None:
            return None
        rows = []
        for src, out in jobs:
            if not out.is_file():
                continue  # failed: listed with the skipped files
            rel = src.relative_to(source)
            kept = self.staging / "input" / rel
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, kept)
            rows.append((kept, out, _partner(target, rel)))
        for _, _, partner in rows:
            if partner is not None:
                dest = self.staging / "target" / partner.relative_to(target)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(partner, dest)
        page = _page(self.staging, title, summary, [
            (k, o, None if p is None else self.staging / "target" / p.relative_to(target))
            for k, o, p in rows])
        write_bytes_atomic(page.encode(), self.staging / PAGE)
        swap_into_place(self.staging, self.final)
        return self.final / PAGE

    def __exit__(self, *exc) -> bool:
        if self.staging.exists():  # not renamed into place: an error, or nothing kept
            shutil.rmtree(self.staging, ignore_errors=True)
        return False


def _partner(target: Path, rel: Path) -> Path | None:
    """The target image of the same relative name (any image extension), if any."""
    for ext in IMAGE_EXTENSIONS:
        candidate = target / rel.with_suffix(ext)
        if candidate.is_file():
            return candidate
    return None




def _page(folder: Path, title: str, summary: dict[str, str],
          rows: list[tuple[Path, Path, Path | None]]) -> str:
    from i2i.viz.html import STYLE

    esc = html.escape

    def img(path: Path) -> str:
        url = esc(quote(path.relative_to(folder).as_posix()))
        return f"<a href='{url}'><img src='{url}' alt='{esc(path.name)}'></a>"

    paired = any(p is not None for _, _, p in rows)
    head = "<th>name</th><th>input</th><th>output</th>" + ("<th>target</th>" if paired else "")
    parts = ["<!doctype html><html lang='en'><meta charset='utf-8'>",
             f"<title>{esc(title)}</title><style>{STYLE} td img{{max-width:256px}}</style>",
             f"<h1>{esc(title)}</h1><table>"]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in summary.items()]
    parts.append(f"</table><h2>{len(rows)} translations</h2><table><tr>{head}</tr>")
    for kept, out, partner in rows:
        cells = [esc(kept.relative_to(folder / "input").as_posix()), img(kept), img(out)]
        if paired:
            cells.append(img(partner) if partner is not None else "")
        parts.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts) + "\n"
