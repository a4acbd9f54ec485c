"""A side-by-side figure: content, style(s), result, each scaled to one height, labelled."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

GAP = 8
LABEL_HEIGHT = 18


def make_grid(panels: list[tuple[str, Image.Image]], height: int = 256) -> Image.Image:
    """Panels (label, image) in a row on white, scaled to ``height`` px, labels below."""
    scaled = []
    for label, img in panels:
        width = max(1, round(img.width * height / img.height))
        scaled.append((label, img.convert("RGB").resize((width, height), Image.LANCZOS)))
    total_width = sum(img.width for _, img in scaled) + GAP * (len(scaled) + 1)
    canvas = Image.new("RGB", (total_width, height + 2 * GAP + LABEL_HEIGHT), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    x = GAP
    for label, img in scaled:
        canvas.paste(img, (x, GAP))
        text_width = draw.textlength(label, font=font)
        draw.text((x + (img.width - text_width) / 2, GAP + height + 3), label, fill="black",
                  font=font)
        x += img.width + GAP
    return canvas
