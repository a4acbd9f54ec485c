"""Evaluation results as a rich table, JSON, CSV and a PNG bar chart (or a curve per epoch).

Rows are dicts with ``name``, the counts of images the scores used (``n_real``,
``n_fake``, and ``n_pairs`` when paired and set metrics ran together) plus one key per
metric column; non-finite values (PSNR of identical images) are written as the strings
``"inf"``/``"nan"`` so the JSON stays valid. JSON for stdout is plain text: it never goes
through rich, which would wrap long values inside their strings.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from rich.table import Table

from i2i.images import save_image_atomic, write_bytes_atomic
from i2i.metrics.evaluate import EvalResult
from i2i.metrics.features import PROTOCOL
from i2i.viz.charts import bar_chart, line_chart, stack_panels


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def table(result: EvalResult, title: str = "i2i evaluate") -> Table:
    """Rich table, one row per fake set, best value per column in bold green."""
    t = Table(title=title)
    ids = [c for c in ("name", "epoch", "step") if any(c in r for r in result.rows)]
    ids += ["n_real", "n_fake"] + (["n_pairs"] if any("n_pairs" in r for r in result.rows)
                                   else [])
    for col in ids:
        t.add_column(col, justify="left" if col == "name" else "right")
    for col in result.columns:
        arrow = "↓" if result.lower_is_better.get(col, True) else "↑"
        t.add_column(col if col.endswith("_std") else f"{col} {arrow}", justify="right")
    best = _best(result)
    for row in result.rows:
        cells = [_cell(row.get(c, "")) for c in ids]
        for col in result.columns:
            text = _cell(row.get(col, ""))
            if len(result.rows) > 1 and row is best.get(col):
                text = f"[bold green]{text}[/]"
            cells.append(text)
        t.add_row(*cells)
    return t


def summary_lines(result: EvalResult) -> list[str]:
    """"run: best fid 41.2 (epoch_0150.pt), last 43.0 (epoch_0200.pt)" per run and metric."""
    lines = []
    for run, metrics in result.summary.items():
        for col, s in metrics.items():
            lines.append(f"{Path(run).name}: best {col} {_cell(s['best'])} "
                         f"({s['best_checkpoint']}), last {_cell(s['last'])} "
                         f"({s['last_checkpoint']})")
    return lines


def _best(result: EvalResult) -> dict:
    best = {}
    for col in result.columns:
        if col.endswith("_std"):
            continue
        rows = [r for r in result.rows if isinstance(r.get(col), float) and math.isfinite(r[col])]
        if rows:
            pick = min if result.lower_is_better.get(col, True) else max
            best[col] = pick(rows, key=lambda r: r[col])
    return best


def to_json(result: EvalResult) -> str:
    doc = {"protocol": PROTOCOL,
           "rows": [{k: _plain(v) for k, v in row.items()} for row in result.rows],
           "skipped": [{"file": f, "reason": why} for f, why in result.bad]}
    if result.summary:
        doc["summary"] = result.summary
    if result.failed:
        doc["failed"] = [{"name": n, "metric": m, "reason": why} for n, m, why in result.failed]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_json(result: EvalResult, dest: Path) -> None:
    write_bytes_atomic(to_json(result).encode(), Path(dest))


def write_csv(result: EvalResult, dest: Path) -> None:
    fields = ["name", "n_real", "n_fake", *result.columns, "real", "fake"]
    extra = sorted({k for row in result.rows for k in row} - set(fields))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields + extra, extrasaction="ignore")
    writer.writeheader()
    for row in result.rows:
        writer.writerow({k: _plain(v) for k, v in row.items()})
    write_bytes_atomic(buf.getvalue().encode(), Path(dest))


def plot(result: EvalResult, dest: Path, x_key: str | None = None) -> None:
    """Bar chart per metric (one bar per row), or, with ``x_key`` (e.g. ``epoch``), one
    curve per metric against that key."""
    panels = []
    for col in result.columns:
        if col.endswith("_std"):
            continue
        values = [float(r.get(col, float("nan"))) for r in result.rows]
        arrow = "lower is better" if result.lower_is_better.get(col, True) else "higher is better"
        if x_key:
            series: dict[str, list[tuple[float, float]]] = {}
            for r, v in zip(result.rows, values, strict=True):
                if x_key in r:
                    label = Path(str(r.get("run", col))).name
                    series.setdefault(label, []).append((float(r[x_key]), v))
            panels.append(line_chart(series, title=f"{col} ({arrow})", x_label=x_key))
        else:
            std = [float(r.get(f"{col}_std", 0.0)) for r in result.rows]
            panels.append(bar_chart([str(r["name"]) for r in result.rows], values,
                                    title=f"{col} ({arrow})",
                                    errors=std if any(std) else None))
    save_image_atomic(stack_panels(panels), Path(dest))
