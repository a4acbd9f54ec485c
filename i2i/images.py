"""Reading and writing image files safely.

Reading converts every mode users meet (grayscale, RGBA, 16-bit, CMYK, palette) to RGB
instead of rejecting it; writing goes to a temporary name and renames, so a crash never
leaves half an image, and refuses to write over a file it was asked to read.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from i2i.errors import DataError
from i2i.outputs import temp_prefix

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def list_images(folder: Path, recursive: bool = True) -> list[Path]:
    """Image files under ``folder`` (sorted, so every run sees the same order)."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern) if p.is_file() and is_image_file(p))


def load_rgb(path: Path, channels: int = 3) -> Image.Image:
    """Open an image as RGB (or L when ``channels == 1``); DataError if unreadable."""
    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            return to_mode(img, "L" if channels == 1 else "RGB")
    # DecompressionBombError (a header claiming gigapixels) is no OSError: name it too
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as err:
        raise DataError(f"cannot read image {path}: {_short(err)}") from err


def to_mode(img: Image.Image, mode: str) -> Image.Image:
    """Convert any PIL mode to ``mode``: 16-bit is scaled down, alpha composited on white."""
    if img.mode == mode:
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 else 255.0
        img = Image.fromarray(np.clip(arr / peak * 255.0, 0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        span = max(arr.max() - arr.min(), 1e-12)
        img = Image.fromarray(((arr - arr.min()) / span * 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return img.convert(mode)


def reason(err: BaseException, path: Path) -> str:
    """``str(err)`` for a line that already names ``path``: "cannot read image PATH: why"
    becomes "unreadable: why", so a listed failure does not name its file twice."""
    text = str(err)
    prefix = f"cannot read image {path}: "
    return "unreadable: " + text[len(prefix):] if text.startswith(prefix) else text


def _short(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:160]


def _default_mode() -> int:
    """The mode a plainly created file gets (0666 less the umask); mkstemp uses 0600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def finish_atomic(tmp: str | Path, dest: Path) -> None:
    """Give a finished temp file normal permissions and rename it over ``dest``."""
    os.chmod(tmp, _default_mode())
    os.replace(tmp, dest)


def protect(paths: Iterable[Path]) -> frozenset[Path]:
    """The inputs a batch must never overwrite, resolved once (pass to save_image_atomic)."""
    return frozenset(Path(p).resolve() for p in paths)


def encode_image(img: Image.Image, dest: Path) -> bytes:
    """``img`` encoded in the format of ``dest``'s extension (JPEG at quality 95)."""
    fmt = Image.registered_extensions().get(Path(dest).suffix.lower())
    if fmt is None:
        raise DataError(f"unknown image extension '{Path(dest).suffix}' for {dest}; use .png "
                        "or .jpg")
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


def save_image_atomic(img: Image.Image, dest: Path, protected: frozenset[Path] = frozenset()
                      ) -> None:
    """Write ``img`` to ``dest`` via a temp file + rename; never over a ``protect()``-ed input."""
    dest = Path(dest)
    if dest.resolve() in protected:
        raise DataError(f"refusing to overwrite input file {dest}; choose another --out")
    write_bytes_atomic(encode_image(img, dest), dest)


def _write_all(fh, data: bytes) -> None:
    """The one place atomic writes put bytes on disk (tests make it raise ENOSPC)."""
    fh.write(data)


def write_bytes_atomic(data: bytes, dest: Path) -> None:
    """Write bytes via temp file + rename (images, JSON, HTML, YAML outputs)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(dest), suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
        finish_atomic(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pil_to_tensor(img: Image.Image):
    """PIL image -> float tensor (C, H, W) in [-1, 1]."""
    import torch

    arr = np.asarray(img, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    t = torch.from_numpy(arr.copy()).permute(2, 0, 1)
    return t.div_(127.5).sub_(1.0)


def tensor_to_pil(t) -> Image.Image:
    """Tensor (C, H, W) in [-1, 1] -> PIL image (RGB or L)."""
    arr = ((t.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte()
    arr = arr.permute(1, 2, 0).numpy()
    if arr.shape[2] == 1:
        return Image.fromarray(arr[:, :, 0], "L")
    return Image.fromarray(arr, "RGB")
