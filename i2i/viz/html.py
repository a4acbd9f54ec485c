"""The run's ``index.html``: samples by iteration and the loss plot, openable from disk."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} h2{font-size:16px;margin-top:28px} img{max-width:100%;
image-rendering:pixelated;border:1px solid #ddd} table{border-collapse:collapse}
td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left;font-size:13px}"""


def run_page(run_dir: Path, title: str, summary: dict[str, str], samples: list[Path],
             plots: list[Path], metrics_rows: list[dict] | None = None,
             links: dict[str, Path] | None = None) -> str:
    """HTML with relative links only, so the page works straight from the file system
    (and from a copy of the folder). ``links`` are files or folders of the run to link to,
    by label; paths outside ``run_dir`` are refused (ValueError)."""
    esc = html.escape
    parts = ["<!doctype html><html lang='en'><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{esc(title)}</title><style>{STYLE}</style><h1>{esc(title)}</h1><table>"]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in summary.items()]
    for label, path in (links or {}).items():
        parts.append(f"<tr><th>{esc(label)}</th><td><a href='{_url(run_dir, path)}'>"
                     f"{esc(_rel(run_dir, path))}</a></td></tr>")
    parts.append("</table>")
    for plot in plots:
        name = plot.stem.replace("_", " ")
        parts.append(f"<h2>{esc(name)}</h2><img src='{_url(run_dir, plot)}' alt='{esc(name)}'>")
    if metrics_rows:
        keys = list(metrics_rows[0])
        parts.append("<h2>evaluation</h2><table><tr>")
        parts += [f"<th>{esc(k)}</th>" for k in keys]
        parts.append("</tr>")
        for row in metrics_rows:
            parts.append("<tr>" + "".join(f"<td>{esc(str(row.get(k, '')))}</td>" for k in keys)
                         + "</tr>")
        parts.append("</table>")
    parts.append("<h2>samples (newest first)</h2>")
    for sample in sorted(samples, reverse=True):
        name = sample.stem.replace("_", " ")
        parts.append(f"<h3>{esc(name)}</h3><img src='{_url(run_dir, sample)}' "
                     f"alt='sample {esc(name)}'>")
    return "\n".join(parts) + "\n"


def _rel(run_dir: Path, path: Path) -> str:
    return path.relative_to(run_dir).as_posix()  # ValueError for a path outside the run


def _url(run_dir: Path, path: Path) -> str:
    # percent-encoded: a '#', '?' or '%' in a file name would otherwise end or garble the URL
    return html.escape(quote(_rel(run_dir, path)) + ("/" if path.is_dir() else ""))
