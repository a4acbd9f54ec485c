"""Bar and line charts as PIL images (no matplotlib), for metric tables and curves.

``bar_chart`` draws one panel of labelled bars; ``line_chart`` draws named series of (x, y)
points on shared axes; ``stack_panels`` puts panels in a grid. Save the result with
``i2i.images.save_image_atomic``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
GRID, AXIS, TEXT, MUTED = (232, 232, 232), (150, 150, 150), (20, 20, 20), (90, 90, 90)


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "inf" if value > 0 else ("-inf" if value < 0 else "nan")
    return f"{value:.4g}"


def _nice_range(values: Sequence[float], include_zero: bool) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    lo, hi = min(finite), max(finite)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.08
    return (lo if include_zero and lo == 0 else lo - pad), hi + pad


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str = "",
              errors: Sequence[float] | None = None, width: int = 480, height: int = 300,
              colour: tuple[int, int, int] | None = None) -> Image.Image:
    """One bar per label with its value printed on top; optional ± error whiskers."""
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = 56, 30, width - 12, height - 58
    draw.text((left, 8), title, fill=TEXT, font=_font(14))
    tops = [v + (errors[i] if errors else 0.0) for i, v in enumerate(values)]
    lo, hi = _nice_range(list(values) + tops, include_zero=True)

    def y_px(v: float) -> float:
        v = min(max(v, lo), hi)
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        v = lo + frac * (hi - lo)
        draw.line((left, y_px(v), right, y_px(v)), fill=GRID)
        draw.text((4, y_px(v) - 6), _fmt(v), fill=MUTED, font=_font(10))
    draw.line((left, y_px(0.0), right, y_px(0.0)), fill=AXIS)
    n = max(len(values), 1)
    slot = (right - left) / n
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        x0, x1 = left + i * slot + slot * 0.15, left + (i + 1) * slot - slot * 0.15
        fill = colour or PALETTE[i % len(PALETTE)]
        if math.isfinite(value):
            draw.rectangle((x0, min(y_px(value), y_px(0.0)), x1, max(y_px(value), y_px(0.0))),
                           fill=fill)
        if errors and math.isfinite(errors[i]) and math.isfinite(value):
            cx = (x0 + x1) / 2
            draw.line((cx, y_px(value - errors[i]), cx, y_px(value + errors[i])), fill=TEXT)
        if not math.isfinite(value):
            text_y = top
        else:  # above a positive bar, below a negative one
            text_y = y_px(value) - 14 if value >= 0 else y_px(value) + 2
        draw.text(((x0 + x1) / 2, text_y), _fmt(value), fill=TEXT, font=_font(11), anchor="mt")
        draw.text(((x0 + x1) / 2, bottom + 6), _shorten(label, slot), fill=TEXT,
                  font=_font(11), anchor="mt")
    return img


def line_chart(series: dict[str, Sequence[tuple[float, float]]], title: str = "",
               x_label: str = "", width: int = 560, height: int = 320) -> Image.Image:
    """Each named series as a line with dots; a legend in the top right."""
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = 56, 30, width - 12, height - 40
    draw.text((left, 8), title, fill=TEXT, font=_font(14))
    points = [p for pts in series.values() for p in pts
              if math.isfinite(p[0]) and math.isfinite(p[1])]
    if not points:
        draw.text((left + 8, top + 8), "no data", fill=MUTED, font=_font(12))
        return img
    xs = sorted({p[0] for p in points})
    x_lo, x_hi = (xs[0], xs[-1]) if xs[-1] > xs[0] else (xs[0] - 1, xs[0] + 1)
    pad_x = (x_hi - x_lo) * 0.04
    x_lo, x_hi = x_lo - pad_x, x_hi + pad_x
    y_lo, y_hi = _nice_range([p[1] for p in points], include_zero=False)
    # ticks at the data's own x values (epochs) when few, else five even ones
    x_ticks = xs if len(xs) <= 8 else [xs[0] + f * (xs[-1] - xs[0]) for f in
                                       (0, 0.25, 0.5, 0.75, 1)]

    def px(x: float, y: float) -> tuple[float, float]:
        return (left + (x - x_lo) / (x_hi - x_lo) * (right - left),
                bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top))

    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y_lo + frac * (y_hi - y_lo)
        draw.line((left, px(x_lo, y)[1], right, px(x_lo, y)[1]), fill=GRID)
        draw.text((4, px(x_lo, y)[1] - 6), _fmt(y), fill=MUTED, font=_font(10))
    for x in x_ticks:
        draw.text((px(x, y_lo)[0], bottom + 4), _fmt(x), fill=MUTED, font=_font(10),
                  anchor="mt")
    draw.rectangle((left, top, right, bottom), outline=AXIS)
    draw.text((right, height - 6), x_label, fill=TEXT, font=_font(11), anchor="rb")
    for i, (name, pts) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        xy = [px(x, y) for x, y in sorted(pts) if math.isfinite(x) and math.isfinite(y)]
        if len(xy) > 1:
            draw.line(xy, fill=colour, width=2)
        for cx, cy in xy:
            draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=colour)
        draw.text((right - 6, top + 6 + 14 * i), name, fill=colour, font=_font(11), anchor="rt")
    return img


def stack_panels(panels: Sequence[Image.Image], per_row: int = 2) -> Image.Image:
    """Panels (any sizes) in a grid, row-major, on white."""
    if not panels:
        return Image.new("RGB", (1, 1), "white")
    per_row = max(1, min(per_row, len(panels)))
    w = max(p.width for p in panels)
    h = max(p.height for p in panels)
    rows = math.ceil(len(panels) / per_row)
    canvas = Image.new("RGB", (per_row * w, rows * h), "white")
    for i, panel in enumerate(panels):
        canvas.paste(panel, ((i % per_row) * w, (i // per_row) * h))
    return canvas


def _shorten(label: str, room: float) -> str:
    limit = max(4, int(room / 6.5))
    return label if len(label) <= limit else label[: limit - 1] + "…"
