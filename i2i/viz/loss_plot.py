"""Loss curves as a PNG: one small panel per loss, shared step axis."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from i2i.viz.grid import font

PANEL_W, PANEL_H, MARGIN = 320, 170, 42
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def loss_plot(history: list[dict], keys: list[str] | None = None, per_row: int = 3
              ) -> Image.Image:
    """Plot ``history`` (dicts with ``step`` and loss values) as a grid of line panels."""
    if keys is None:
        keys = sorted({k for row in history for k, v in row.items()
                       if k not in ("step", "epoch", "time", "lr") and isinstance(v, float)})
    keys = keys or ["(no losses yet)"]
    rows = math.ceil(len(keys) / per_row)
    canvas = Image.new("RGB", (per_row * PANEL_W, rows * PANEL_H), "white")
    for i, key in enumerate(keys):
        points = [(row["step"], row[key]) for row in history if isinstance(row.get(key), float)]
        panel = _panel(key, points, COLOURS[i % len(COLOURS)])
        canvas.paste(panel, ((i % per_row) * PANEL_W, (i // per_row) * PANEL_H))
    return canvas


def _panel(title: str, points: list[tuple[float, float]], colour) -> Image.Image:
    img = Image.new("RGB", (PANEL_W, PANEL_H), "white")
    draw = ImageDraw.Draw(img)
    draw.text((MARGIN, 4), title, fill="black", font=font(12))
    x0, y0, x1, y1 = MARGIN, 22, PANEL_W - 10, PANEL_H - 22
    draw.rectangle((x0, y0, x1, y1), outline=(160, 160, 160))
    finite = [(x, y) for x, y in points if math.isfinite(y)]
    if not finite:
        draw.text((x0 + 8, y0 + 8), "no data", fill=(120, 120, 120), font=font(11))
        return img
    xs, ys = [p[0] for p in finite], [p[1] for p in finite]
    lo_x, hi_x = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    lo_y, hi_y = min(ys), max(ys)
    if hi_y - lo_y < 1e-12:
        lo_y, hi_y = lo_y - 0.5, hi_y + 0.5

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (x0 + (x - lo_x) / (hi_x - lo_x) * (x1 - x0),
                y1 - (y - lo_y) / (hi_y - lo_y) * (y1 - y0))

    for frac in (0.0, 0.5, 1.0):
        value = lo_y + frac * (hi_y - lo_y)
        _, py = to_px(lo_x, value)
        draw.line((x0, py, x1, py), fill=(230, 230, 230))
        draw.text((2, py - 6), f"{value:.3g}", fill=(90, 90, 90), font=font(10))
    draw.text((x0, y1 + 4), f"{lo_x:g}", fill=(90, 90, 90), font=font(10))
    draw.text((x1 - 40, y1 + 4), f"step {hi_x:g}", fill=(90, 90, 90), font=font(10))
    if len(finite) == 1:
        px, py = to_px(*finite[0])
        draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=colour)
    else:
        draw.line([to_px(x, y) for x, y in finite], fill=colour, width=2)
    return img
