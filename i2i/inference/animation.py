"""Animated images (GIF) for ``i2i translate``: read every frame, write them back animated.

A still image is one tensor; an animation is its frames, translated one by one and written
as an animation again, with each frame's duration and the loop count kept. GIF, WebP and
PNG (APNG) outputs can hold an animation; any other output format is refused per file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from i2i.errors import DataError
from i2i.images import to_mode

ANIMATED_SUFFIXES = (".gif",)  # translate also reads these (a still GIF is one frame)
ANIMATED_FORMATS = ("GIF", "WEBP", "PNG")  # output formats PIL writes with every frame


@dataclass
class Frames:
    """The frames of one animation, as RGB/L images, and how to play them back."""

    images: list[Image.Image]
    durations: list[int] = field(default_factory=list)  # ms per frame
    loop: int = 0


def is_animated(path: Path) -> bool:
    """Whether ``path`` is an animation of several frames (only GIF files are looked into)."""
    if Path(path).suffix.lower() not in ANIMATED_SUFFIXES:
        return False
    try:
        with Image.open(path) as img:
            return bool(getattr(img, "is_animated", False))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False  # the still-image reader reports it as unreadable


def read_frames(path: Path, channels: int = 3) -> Frames:
    """Every frame of an animation, converted like a still image (DataError if unreadable)."""
    mode = "L" if channels == 1 else "RGB"
    try:
        with Image.open(path) as img:
            loop = int(img.info.get("loop", 0))
            images, durations = [], []
            for frame in ImageSequence.Iterator(img):
                durations.append(int(frame.info.get("duration", 100)))
                images.append(to_mode(frame.copy(), mode))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as err:
        raise DataError(f"cannot read image {path}: {err}") from err
    return Frames(images, durations, loop)


def encode_frames(frames: Frames, dest: Path) -> bytes:
    """The frames encoded as one animation in ``dest``'s format."""
    fmt = Image.registered_extensions().get(Path(dest).suffix.lower())
    if fmt not in ANIMATED_FORMATS:
        raise DataError(f"{dest.name}: an animation cannot be written as "
                        f"'{Path(dest).suffix}'; use --ext gif, webp or png")
    buf = io.BytesIO()
    first, *rest = frames.images
    first.save(buf, format=fmt, save_all=True, append_images=rest,
               duration=frames.durations, loop=frames.loop)
    return buf.getvalue()

