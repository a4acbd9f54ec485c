"""Translate image files with a trained run: inputs in, one output per input out.

Inputs are files, folders (recursive) or globs. Outputs keep the relative path and stem
under ``out_dir``, which may not lie inside an input folder (a single file's folder is not
one: only an output on an input itself is refused). An animated GIF is translated frame by
frame into an animation (:mod:`i2i.inference.animation`). Two ways to handle any input
size: ``fit="pad"`` (default) reflect-pads to the multiple the generator needs, translates at
full resolution and crops back; ``fit="resize"`` resizes to the training crop size,
translates and resizes back to the input's size; images smaller than the generator can
take (1x1, 1x3000) are padded up to its minimum first. Unreadable images (decompression
bombs included) are collected and reported; every other image is translated. A full disk
stops the batch at once (:class:`~i2i.errors.OutputError`): every later write would fail too.
A multimodal method can be given latent codes (``latents``, :mod:`i2i.inference.latent_codes`): K
random samples per input (``NAME_k``) or one reference's code.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from i2i.errors import ConfigError, DataError
from i2i.images import (
    encode_image,
    is_image_file,
    load_rgb,
    pil_to_tensor,
    protect,
    reason,
    write_bytes_atomic,
)
from i2i.images import tensor_to_pil as to_pil
from i2i.inference.animation import (
    ANIMATED_SUFFIXES,
    Frames,
    encode_frames,
    is_animated,
    read_frames,
)
from i2i.inference.latent_codes import sample_path
from i2i.inference.tiling import Tiling, translate_tiled
from i2i.outputs import disk_full, is_disk_full

FITS = ("pad", "resize")


@dataclass
class Job:
    source: Path
    dest: Path
    samples: int = 0  # K > 0: K outputs NAME_0 ... NAME_{K-1}, one per latent code

    @property
    def outputs(self) -> list[Path]:
        if not self.samples:
            return [self.dest]
        return [sample_path(self.dest, k) for k in range(self.samples)]


@dataclass
class TranslateResult:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def split_done(jobs: list[Job]) -> tuple[list[Job], list[Job]]:
    """(to do, already done): an output that exists is complete, since every output is
    written to a temp name and renamed; so a rerun after Ctrl-C continues. A job with
    samples is done when all of them are."""
    done = [job for job in jobs if all(p.is_file() for p in job.outputs)]
    finished = {id(job) for job in done}
    return [job for job in jobs if id(job) not in finished], done


def output_suffix(ext: str | None) -> str | None:
    """``--ext`` as a suffix (".png"), checked once before any work: an unknown format is
    one line up front, not one failure per image."""
    if not ext:
        return None
    suffix = ext if ext.startswith(".") else f".{ext}"
    if Image.registered_extensions().get(suffix.lower()) not in Image.SAVE:
        raise ConfigError(f"--ext '{ext}' is not an image format Pillow can write; use png, "
                          "jpg, webp, bmp, tif or gif")
    return suffix


def collect_jobs(inputs: list[str], out_dir: Path, ext: str | None) -> list[Job]:
    """Map each input image to its output path; check that outputs stay out of inputs."""
    out_dir = out_dir.resolve()
    jobs: list[Job] = []
    for raw in inputs:
        path = Path(raw).expanduser()
        if any(ch in raw for ch in "*?[") and not path.exists():
            base = Path(raw.split("*")[0].split("?")[0].split("[")[0])
            base = base if base.is_dir() else base.parent
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True))
            files = [m for m in matches if m.is_file() and _translatable(m)]
            if not files:
                raise DataError(f"no images match '{raw}'")
            if any(ch in str(Path(raw).parent) for ch in "*?["):
                _check_outside(out_dir, base)  # a folder wildcard could match a rerun's outputs
            jobs += [Job(f, out_dir / f.relative_to(base)) for f in files]
        elif path.is_dir():
            _check_outside(out_dir, path)
            files = sorted(p for p in path.glob("**/*") if p.is_file() and _translatable(p))
            if not files:
                raise DataError(f"no images in folder {path}")
            prefix = Path(path.resolve().name) if len(inputs) > 1 else Path()
            jobs += [Job(f, out_dir / prefix / f.relative_to(path)) for f in files]
        elif path.is_file():
            jobs.append(Job(path, out_dir / path.name))
        else:
            raise DataError(f"input not found: {path}")
    suffix = output_suffix(ext)
    for job in jobs:
        if suffix:
            job.dest = job.dest.with_suffix(suffix)
    # A single file's folder is not searched, so --out may lie in it (cd photos && translate
    # RUN a.jpg --out out); what matters is that no output lands on an input.
    sources = {job.source.resolve(): job.source for job in jobs}
    seen: dict[Path, Path] = {}
    for job in jobs:
        if job.dest.resolve() in sources:
            raise DataError(f"{job.source} would be written over the input "
                            f"{sources[job.dest.resolve()]}; choose another --out")
        if job.dest in seen:
            raise DataError(f"{job.source} and {seen[job.dest]} would both be written to "
                            f"{job.dest}; translate them in separate calls")
        seen[job.dest] = job.source
    return jobs


def _translatable(path: Path) -> bool:
    """Still images, and GIFs (every frame of an animated one is translated)."""
    return is_image_file(path) or (path.suffix.lower() in ANIMATED_SUFFIXES
                                   and not path.name.startswith("."))


def _check_outside(out_dir: Path, input_dir: Path) -> None:
    inp = input_dir.resolve()
    if out_dir == inp or inp in out_dir.parents:
        raise DataError(f"--out {out_dir} is inside the input folder {inp}; choose a folder "
                        "outside the inputs")


READ_AHEAD = 4  # images decoded ahead per reader thread: bounded, so memory stays flat


def _load(job: Job, channels: int) -> tuple[Job, torch.Tensor | None, str]:
    try:
        return job, pil_to_tensor(load_rgb(job.source, channels)), ""
    except DataError as err:
        return job, None, reason(err, job.source)


def _read_in_order(jobs: list[Job], channels: int, workers: int):
    """Decode images on ``workers`` threads, in input order, at most a few ahead of use
    (``Executor.map`` would decode every input up front and hold them all in memory)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.submit(_load, job, channels))
            if len(pending) >= workers * READ_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _batches(jobs: list[Job], channels: int, batch_size: int, fit: str, size: int,
             workers: int) -> Iterator[tuple[list[Job], list[tuple[int, int]], torch.Tensor] |
                                   tuple[Job, str]]:
    """Yield (jobs, their original (h, w), stacked tensor) for runs of same-shaped inputs,
    or (job, error) for unreadable ones."""
    pending: list[tuple[Job, tuple[int, int], torch.Tensor]] = []
    for job, tensor, error in _read_in_order(jobs, channels, workers):
        if tensor is None:
            yield job, error
            continue
        original = tuple(tensor.shape[-2:])
        if fit == "resize":
            tensor = F.interpolate(tensor[None], size=(size, size), mode="bicubic",
                                   align_corners=False)[0].clamp(-1, 1)
        if pending and (len(pending) >= batch_size or pending[0][2].shape != tensor.shape):
            yield _stack(pending)
            pending = []
        pending.append((job, original, tensor))
    if pending:
        yield _stack(pending)


def _stack(items):
    return [j for j, _, _ in items], [hw for _, hw, _ in items], torch.stack([t for *_, t in items])


MIN_SIDE = 16  # the ResNet's inner reflection pads need >= 2 px after two halvings


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, int, int]:
    """Pad the bottom and right edges up to a multiple of ``multiple`` and at least
    ``MIN_SIDE``, so a 1x1 or 1x3000 image goes through the generator like any other."""
    h, w = x.shape[-2:]
    floor = -(-max(multiple, MIN_SIDE) // multiple) * multiple
    ph, pw = max(floor - h, (-h) % multiple), max(floor - w, (-w) % multiple)
    if ph == 0 and pw == 0:
        return x, h, w
    mode = "reflect" if ph < h and pw < w else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode), h, w


def size_multiple(method, direction: str) -> int:
    """What the sides of an input of ``direction`` must be a multiple of: the generator's
    ``size_multiple`` (16 when it does not say)."""
    generator = method.nets.get(method.generator_for.get(direction, ""))
    return getattr(generator, "size_multiple", 16)


def translate_files(method, jobs: list[Job], direction: str, batch_size: int = 1,
                    fit: str = "pad", workers: int = 2, progress=None,
                    latents=None, tiling: Tiling | None = None) -> TranslateResult:
    """Translate ``jobs`` with ``method``; ``progress(n)`` is called per image handled.

    ``tiling``: images it :meth:`~i2i.inference.tiling.Tiling.applies` to go through in tiles
    (:mod:`i2i.inference.tiling`), in memory bounded by the tile instead of the image.

    ``latents`` (a multimodal method's, :mod:`i2i.inference.latent_codes`): its ``codes(method,
    batch_jobs)`` gives one code batch per output of each job (``Job.outputs``)."""
    cfg = method.cfg
    channels = cfg.data.input_nc if direction == "AtoB" else cfg.data.output_nc
    multiple = size_multiple(method, direction)
    result = TranslateResult()
    protected = protect([*(j.source for j in jobs), *(latents.inputs if latents else ())])
    animated = [job for job in jobs if is_animated(job.source)]
    if animated:
        moving = {id(job) for job in animated}
        jobs = [job for job in jobs if id(job) not in moving]
        for job in animated:
            _translate_animation(method, job, direction, batch_size, fit, latents, tiling,
                                 protected, result)
            if progress:
                progress(1)
    handled = 0
    with torch.inference_mode():
        for item in _batches(jobs, channels, batch_size, fit, cfg.data.crop_size, workers):
            if isinstance(item[0], Job):
                job, error = item
                result.failed.append((job.source, error))
                handled += 1
                if progress:
                    progress(1)
                continue
            batch_jobs, originals, x = item
            x, h, w = pad_to_multiple(x.to(method.device), multiple)
            codes = latents.codes(method, batch_jobs) if latents is not None else [None]
            tiled = tiling is not None and tiling.applies(*x.shape[-2:])
            outputs = [_translate(method, x, direction, z, tiling if tiled else None,
                                  multiple)[..., :h, :w].float().cpu()
                       for z in codes]
            for i, (job, (orig_h, orig_w)) in enumerate(zip(batch_jobs, originals,
                                                            strict=True)):
                remaining = (len(jobs) - handled) * len(codes)
                try:
                    for dest, y in zip(job.outputs, outputs, strict=True):
                        img = to_pil(y[i])
                        if img.size != (orig_w, orig_h):  # --fit resize: back to input size
                            img = img.resize((orig_w, orig_h), Image.Resampling.BICUBIC)
                        _save(img, dest, protected, remaining)
                        result.written.append(dest)
                except (DataError, OSError) as err:
                    result.failed.append((job.source, str(err)))
                handled += 1
            if progress:
                progress(len(batch_jobs))
    return result


def _translate_animation(method, job: Job, direction: str, batch_size: int, fit: str,
                         latents, tiling: Tiling | None, protected: frozenset[Path],
                         result: TranslateResult) -> None:
    """Translate every frame of an animated input, ``batch_size`` frames a pass, and write
    each output as an animation with the input's frame durations and loop count. Every
    frame of one output gets the same latent code, so a sample does not flicker."""
    cfg = method.cfg
    channels = cfg.data.input_nc if direction == "AtoB" else cfg.data.output_nc
    multiple = size_multiple(method, direction)
    try:
        frames = read_frames(job.source, channels)
    except DataError as err:
        result.failed.append((job.source, reason(err, job.source)))
        return
    codes = latents.codes(method, [job]) if latents is not None else [None]
    outputs: list[list[Image.Image]] = [[] for _ in codes]
    with torch.inference_mode():
        for start in range(0, len(frames.images), batch_size):
            chunk = frames.images[start:start + batch_size]
            x = torch.stack([pil_to_tensor(img) for img in chunk])
            orig_h, orig_w = x.shape[-2:]
            if fit == "resize":
                size = cfg.data.crop_size
                x = F.interpolate(x, size=(size, size), mode="bicubic",
                                  align_corners=False).clamp(-1, 1)
            x, h, w = pad_to_multiple(x.to(method.device), multiple)
            tiled = tiling is not None and tiling.applies(*x.shape[-2:])
            for k, z in enumerate(codes):
                z = None if z is None else z.expand(len(chunk), -1).to(method.device)
                y = _translate(method, x, direction, z, tiling if tiled else None,
                               multiple)[..., :h, :w].float().cpu()
                for row in y:
                    img = to_pil(row)
                    if img.size != (orig_w, orig_h):
                        img = img.resize((orig_w, orig_h), Image.Resampling.BICUBIC)
                    outputs[k].append(img)
    try:
        for dest, images in zip(job.outputs, outputs, strict=True):
            if dest.resolve() in protected:
                raise DataError(f"refusing to overwrite input file {dest}; choose another --out")
            data = encode_frames(Frames(images, frames.durations, frames.loop), dest)
            try:
                write_bytes_atomic(data, dest)
            except OSError as err:
                if is_disk_full(err):
                    raise disk_full(dest, len(data), " (finished outputs are kept and "
                                    "skipped)", up_to=True) from None
                raise
            result.written.append(dest)
    except (DataError, OSError) as err:
        result.failed.append((job.source, str(err)))


def _translate(method, x: torch.Tensor, direction: str, z: torch.Tensor | None,
               tiling: Tiling | None = None, multiple: int = 16):
    """A method without latent codes is called as it always was (no ``z`` argument)."""
    def run(part: torch.Tensor) -> torch.Tensor:
        return method.translate(part, direction) if z is None else method.translate(
            part, direction, z=z)

    if tiling is None:
        return run(x)
    return translate_tiled(run, list(method.nets.values()), x, tiling, multiple)


def _save(img: Image.Image, dest: Path, protected: frozenset[Path], remaining: int) -> None:
    """Write one output; a full disk is an OutputError naming the space the rest needs."""
    if dest.resolve() in protected:
        raise DataError(f"refusing to overwrite input file {dest}; choose another --out")
    data = encode_image(img, dest)
    try:
        write_bytes_atomic(data, dest)
    except OSError as err:
        if is_disk_full(err):
            raise disk_full(dest, len(data) * remaining,
                            " (finished outputs are kept and skipped)") from None
        raise
