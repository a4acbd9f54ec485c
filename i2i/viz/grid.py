"""Sample grids: for each direction, one row per sample, one column per label."""

from __future__ import annotations

import torch
from PIL import Image, ImageDraw, ImageFont

from i2i.images import tensor_to_pil

PAD = 4
HEADER = 18


def font(size: int = 12):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def sample_grid(visuals: dict[str, list[tuple[str, torch.Tensor]]], max_rows: int = 4
                ) -> Image.Image:
    """Lay out ``{direction: [(label, NCHW batch), ...]}`` as one picture."""
    panels = [_panel(direction, rows, max_rows) for direction, rows in visuals.items()]
    width = sum(p.width for p in panels) + PAD * (len(panels) - 1)
    height = max(p.height for p in panels)
    canvas = Image.new("RGB", (width, height), "white")
    x = 0
    for p in panels:
        canvas.paste(p, (x, 0))
        x += p.width + PAD
    return canvas


def _panel(title: str, columns: list[tuple[str, torch.Tensor]], max_rows: int) -> Image.Image:
    n = min(max_rows, columns[0][1].shape[0])
    h, w = columns[0][1].shape[-2:]
    cols = len(columns)
    canvas = Image.new("RGB", (cols * (w + PAD) - PAD, HEADER * 2 + n * (h + PAD)), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((2, 2), title, fill="black", font=font(13))
    for c, (label, batch) in enumerate(columns):
        x = c * (w + PAD)
        draw.text((x + 2, HEADER + 2), label, fill=(60, 60, 60), font=font(11))
        for r in range(n):
            canvas.paste(tensor_to_pil(batch[r]).convert("RGB"), (x, HEADER * 2 + r * (h + PAD)))
    return canvas
