"""The run's ``index.html``: samples by iteration and the loss plot, openable from disk."""

from __future__ import annotations

import html
from pathlib import Path

STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} h2{font-size:16px;margin-top:28px} img{max-width:100%;
image-rendering:pixelated;border:1px solid #ddd} table{border-collapse:collapse}
td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left;font-size:13px}"""


def run_page(run_dir: Path, title: str, summary: dict[str, str], samples: list[Path],
             plots: list[Path], metrics_rows: list[dict] | None = None) -> str:
    """HTML with relative links only, so the page works straight from the file system."""
    esc = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{esc(title)}</title>",
             f"<style>{STYLE}</style><h1>{esc(title)}</h1><table>"]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in summary.items()]
    parts.append("</table>")
    for plot in plots:
        rel = plot.relative_to(run_dir).as_posix()
        parts.append(f"<h2>{esc(plot.stem.replace('_', ' '))}</h2><img src='{esc(rel)}'>")
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
        rel = sample.relative_to(run_dir).as_posix()
        parts.append(f"<h3>{esc(sample.stem.replace('_', ' '))}</h3><img src='{esc(rel)}'>")
    return "\n".join(parts) + "\n"
