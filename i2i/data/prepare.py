"""``i2i prepare``: turn folders of arbitrary images into a training layout.

Three jobs share one runner:

- :func:`prepare_unaligned`: one or two folders -> ``trainA/ testA/ (trainB/ testB/)``,
  resized, cropped, split by a seeded fraction, duplicates (same bytes), tiny, corrupt and
  (on request) grayscale images dropped; as image files or ``.npz`` shards (see
  ``i2i.data.npz``).
- :func:`prepare_pairs`: folders A and B matched by file name -> ``train/ test/`` of
  side-by-side A|B images (the pix2pix layout).
- :func:`split_pairs`: side-by-side images -> ``<split>A/ <split>B/``.

Work runs in a process pool; outputs are written atomically, and a rerun skips every
output already there (the options are stamped in the output folder so a rerun with other
options is refused). The report (counts per split, every dropped file with its reason) is
returned and written to ``OUT/prepare_report.json``.

To add a job (the catalog recipes in :mod:`i2i.data.prepare_recipes` are such jobs), use
the runner's three public steps: :func:`start_output` (check and stamp the output folder),
:func:`run_tasks` (the :class:`~i2i.data.prepare_ops.Task` lists per split) and
:func:`finish_report`. ``i2i prepare`` itself dispatches through
:func:`i2i.data.prepare_front.prepare_job`, which stands above the catalog.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import asdict, dataclass, field
from itertools import repeat
from pathlib import Path

from i2i.data import npz
from i2i.data.prepare_ops import CROP_MODES, RESIZE_MODES, ImageOps, Task, run_task
from i2i.data.prepare_pool import ImageBar, worker_pool
from i2i.errors import ConfigError, DataError
from i2i.images import list_images, write_bytes_atomic
from i2i.outputs import (
    available_ram,
    check_output_dir,
    disk_full,
    human_bytes,
    is_disk_full,
    remove_stale_temps,
)

MAX_SIZE = 8192  # px: one 8192^2 RGB image is 200 MB; --size 100000 would be 30 GB
WORKER_COPIES = 4  # copies of an output-sized image a worker holds (resize, crop, encode)
REPORT_NAME = "prepare_report.json"
STAMP_NAME = ".i2i-prepare.json"
FORMATS = ("png", "jpg", "npz")
SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class PrepareOptions:
    size: int | None = 256
    resize: str = "shorter"  # shorter side to size, exact size x size, or none
    crop: str = "center"  # center, random or none (keep the aspect ratio)
    test_fraction: float = 0.1
    seed: int = 0
    drop_grayscale: bool = False
    min_side: int = 32
    format: str = "png"
    shard_size: int = 1000
    workers: int = 1

    def image_ops(self) -> ImageOps:
        return ImageOps(self.size, self.resize, self.crop, self.min_side,
                        self.drop_grayscale, self.seed)

    def check(self) -> None:
        """Every option in range, before any work (ConfigError: exit 2, a bad option)."""
        if self.resize not in RESIZE_MODES:
            raise ConfigError(f"--resize must be one of {', '.join(RESIZE_MODES)}")
        if self.crop not in CROP_MODES:
            raise ConfigError(f"--crop must be one of {', '.join(CROP_MODES)}")
        if self.format not in FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FORMATS)}")
        if not 0.0 <= self.test_fraction < 1.0:
            raise ConfigError("--test-fraction must be in [0, 1), e.g. 0.1")
        if self.size is not None and not 1 <= self.size <= MAX_SIZE:
            raise ConfigError(f"--size must be 1 to {MAX_SIZE} pixels (0 keeps the size), got "
                            f"{self.size}")
        if self.shard_size < 1:
            raise ConfigError(f"--shard-size must be at least 1 image, got {self.shard_size}")
        if self.min_side < 0:
            raise ConfigError(f"--min-side must be 0 or more pixels, got {self.min_side}")
        if self.format == "npz" and not (self.size and (self.crop != "none"
                                                        or self.resize == "exact")):
            raise ConfigError("--format npz needs images of one size: give --size and keep a "
                            "crop (or --resize exact)")
        if self.format == "npz":
            self._check_shard_memory()

    def _check_shard_memory(self) -> None:
        """A shard is held in memory twice (the images, then the stacked array) before
        it is compressed: refuse one that cannot fit, naming a --shard-size that does."""
        per_image = 3 * (self.size or 0) ** 2
        available = available_ram()
        if available and 2 * per_image * self.shard_size > available // 2:
            fits = max(1, available // 4 // per_image)
            raise ConfigError(f"an npz shard of {self.shard_size} images at {self.size} px needs "
                            f"{human_bytes(2 * per_image * self.shard_size)} of memory "
                            f"({human_bytes(available)} available); use --shard-size {fits} "
                            "or less")

    def fitted_workers(self) -> int:
        """``workers``, lowered (with a warning) so that their images fit in memory."""
        per_worker = WORKER_COPIES * 3 * (self.size or 0) ** 2
        available = available_ram()
        if not per_worker or not available or self.workers * per_worker <= available // 2:
            return self.workers
        fits = max(1, available // 2 // per_worker)
        if fits < self.workers:
            from i2i.console import warn

            warn(f"--size {self.size}: using {fits} worker(s) instead of {self.workers} so "
                 f"their images fit in the {human_bytes(available)} of memory available")
        return min(fits, self.workers)


@dataclass
class PrepareReport:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)  # images per output folder
    already_done: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def unreadable(self) -> list[tuple[str, str]]:
        return [d for d in self.dropped if d[1].startswith("unreadable")]

    def to_dict(self) -> dict:
        return {
            "out": str(self.out),
            "counts": self.counts,
            "already_done": self.already_done,
            "dropped": [{"file": f, "reason": r} for f, r in self.dropped],
        }


def prepare_unaligned(folders: list[Path], out: Path, opts: PrepareOptions,
                      progress: bool = True) -> PrepareReport:
    """One folder -> trainA/testA; two folders -> trainA/testA/trainB/testB."""
    if not 1 <= len(folders) <= 2:
        raise DataError("give one or two image folders (domain A, then domain B)")
    opts.check()
    listed = [_images_of(folder) for folder in folders]  # before anything is written
    out = start_output(out, folders, opts, "unaligned")
    report = PrepareReport(out)
    tasks: dict[str, list[Task]] = {}
    for domain, folder, found in zip("AB", folders, listed, strict=False):
        paths = _unique(found, report)
        test = set(_split_indices(len(paths), opts.test_fraction, f"{opts.seed}:{domain}"))
        splits = [f"{'test' if i in test else 'train'}{domain}" for i in range(len(paths))]
        for split, task in zip(splits, _single_tasks(folder, paths, out, splits, opts),
                               strict=True):
            tasks.setdefault(split, []).append(task)
    run_tasks(tasks, out, opts, report, progress)
    return finish_report(report)


def prepare_presplit(splits: dict[str, Path], out: Path, opts: PrepareOptions,
                     progress: bool = True) -> PrepareReport:
    """Folders already split (``{"trainA": dir, "testA": dir, ...}``) -> the same output
    folders, resized and cleaned; ``test_fraction`` is not used."""
    opts.check()
    listed = {split: _images_of(folder) for split, folder in splits.items()}
    out = start_output(out, list(splits.values()), opts, "presplit")
    report = PrepareReport(out)
    tasks: dict[str, list[Task]] = {}
    for split, folder in splits.items():
        paths = _unique(listed[split], report)
        tasks[split] = _single_tasks(folder, paths, out, [split] * len(paths), opts)
    run_tasks(tasks, out, opts, report, progress)
    return finish_report(report)


def _single_tasks(folder: Path, paths: list[Path], out: Path, splits: list[str],
                  opts: PrepareOptions) -> list[Task]:
    """One task per image, written to ``out/<split>/<name>`` (npz tasks keep bare names)."""
    write = opts.format != "npz"
    names = _output_names(folder, paths, opts.format)
    return [Task("single", (str(p),), (str(out / split / n) if write else n,), write)
            for p, n, split in zip(paths, names, splits, strict=True)]


def prepare_pairs(folder_a: Path, folder_b: Path, out: Path, opts: PrepareOptions,
                  progress: bool = True) -> PrepareReport:
    """Match A and B by file name (without extension) into side-by-side A|B images."""
    opts.check()
    if opts.format == "npz":
        raise DataError("--pair writes image files; drop --format npz")
    paths_a, paths_b = _images_of(folder_a), _images_of(folder_b)
    by_stem_b = {_stem(folder_b, p): p for p in paths_b}
    pairs, dropped = [], []
    for path in paths_a:
        partner = by_stem_b.pop(_stem(folder_a, path), None)
        if partner is None:
            dropped.append((str(path), f"no file of the same name in {folder_b}"))
        else:
            pairs.append((path, partner))
    dropped.extend((str(p), f"no file of the same name in {folder_a}")
                   for p in by_stem_b.values())
    if not pairs:  # before --out is made: a failed pairing leaves no folder behind
        raise DataError(
            f"no file names in {folder_a} match names in {folder_b} (e.g. "
            f"'{paths_a[0].name}'); --pair matches files by name without extension"
        )
    out = start_output(out, [folder_a, folder_b], opts, "pairs")
    report = PrepareReport(out)
    report.dropped.extend(dropped)
    test = set(_split_indices(len(pairs), opts.test_fraction, f"{opts.seed}:pairs"))
    names = _output_names(folder_a, [a for a, _ in pairs], opts.format)
    tasks: dict[str, list[Task]] = {}
    for i, ((a, b), name) in enumerate(zip(pairs, names, strict=True)):
        split = "test" if i in test else "train"
        tasks.setdefault(split, []).append(
            Task("pair", (str(a), str(b)), (str(out / split / name),), True))
    run_tasks(tasks, out, opts, report, progress)
    return finish_report(report)


def split_pairs(folder: Path, out: Path, opts: PrepareOptions,
                progress: bool = True) -> PrepareReport:
    """Side-by-side A|B images -> ``<split>A/ <split>B/`` (``A/ B/`` without splits)."""
    opts.check()
    if opts.format == "npz":
        raise DataError("--split-pairs writes image files; drop --format npz")
    splits = [s for s in SPLIT_NAMES if (Path(folder) / s).is_dir()]
    sources = [(s, Path(folder) / s) for s in splits] or [("", Path(folder))]
    listed = [_images_of(src) for _, src in sources]
    out = start_output(out, [folder], opts, "split")
    report = PrepareReport(out)
    tasks: dict[str, list[Task]] = {}
    for (split, src), paths in zip(sources, listed, strict=True):
        for path, name in zip(paths, _output_names(src, paths, opts.format), strict=True):
            dests = (str(out / f"{split}A" / name), str(out / f"{split}B" / name))
            tasks.setdefault(f"{split}A", []).append(Task("split", (str(path),), dests, True))
    run_tasks(tasks, out, opts, report, progress)
    for key in [k for k in report.counts if k.endswith("A")]:
        report.counts[key[:-1] + "B"] = report.counts[key]  # each task wrote one A and one B
    return finish_report(report)


# -- helpers (start_output, run_tasks and finish_report are public: recipes use them) ----

def _images_of(folder: Path) -> list[Path]:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"input folder not found: {folder}")
    paths = list_images(folder)
    if not paths:
        raise DataError(f"no images (jpg/png/webp/bmp/tif) in {folder}")
    return paths


def start_output(out: Path, inputs: list[Path], opts: PrepareOptions, job: str) -> Path:
    """Check ``out`` is not an input, and that a rerun uses the same options; stamp it.
    ``job`` names the job in the stamp. Returns ``out`` with ``~`` expanded."""
    out = Path(out).expanduser()
    resolved = out.resolve()
    for folder in inputs:
        src = Path(folder).expanduser().resolve()
        if resolved == src or src in resolved.parents:
            raise DataError(f"--out {out} is inside the input folder {folder}; choose "
                            "another --out (inputs are never written to)")
    check_output_dir(out)
    stamp = {"job": job, "inputs": [str(Path(f).resolve()) for f in inputs], **asdict(opts)}
    stamp.pop("workers")
    stamp_file = out / STAMP_NAME
    if stamp_file.is_file():
        try:
            old = json.loads(stamp_file.read_text())
        except ValueError:
            old = None
        if old != stamp and _holds_outputs(out):  # a stamp alone blocks nothing
            raise DataError(f"{out} was prepared from other inputs or options; use another "
                            "--out (or delete it) to prepare with these")
    elif out.exists() and any(out.iterdir()):
        raise DataError(f"--out {out} exists and is not an i2i prepare folder; choose an "
                        "empty or new folder")
    remove_stale_temps(out)
    _write_small(json.dumps(stamp, indent=1).encode(), stamp_file)
    return out


def _write_small(data: bytes, dest: Path) -> None:
    """The stamp and the report: a full disk is one line here too."""
    try:
        write_bytes_atomic(data, dest)
    except OSError as err:
        if is_disk_full(err):
            raise disk_full(dest, len(data)) from None
        raise


def _holds_outputs(out: Path) -> bool:
    """Whether ``out`` holds anything but the stamp, the report and empty folders."""
    return any(p.is_file() and p.name not in (STAMP_NAME, REPORT_NAME) for p in out.rglob("*"))


def _unique(paths: list[Path], report: PrepareReport) -> list[Path]:
    """Drop exact duplicates (same bytes), keeping the first in sorted order."""
    seen: dict[str, Path] = {}
    kept = []
    for path in paths:
        try:
            digest = _file_digest(path)
        except OSError as err:
            report.dropped.append((str(path), f"unreadable ({err.strerror or err})"))
            continue
        if digest in seen:
            report.dropped.append((str(path), f"duplicate of {seen[digest]}"))
            continue
        seen[digest] = path
        kept.append(path)
    return kept


def _file_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _split_indices(n: int, fraction: float, seed: str) -> list[int]:
    """Indices that go to the test split: a seeded sample of round(n * fraction)."""
    n_test = round(n * fraction)
    if fraction > 0 and n >= 2:
        n_test = min(max(n_test, 1), n - 1)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order[:n_test]


def _stem(folder: Path, path: Path) -> str:
    return str(path.relative_to(folder).with_suffix(""))


def _output_names(folder: Path, paths: list[Path], fmt: str) -> list[str]:
    """Flat, unique output names from paths under ``folder`` (sub/x.jpg -> sub__x.png)."""
    ext = ".jpg" if fmt == "jpg" else ".png"
    names, taken = [], set()
    for path in paths:
        base = _stem(folder, path).replace(os.sep, "__")
        name = base + ext
        if name in taken:  # x.jpg and x.png in one folder
            name = f"{base}_{path.suffix.lstrip('.').lower()}{ext}"
        taken.add(name)
        names.append(name)
    return names


def run_tasks(tasks: dict[str, list[Task]], out: Path, opts: PrepareOptions,
              report: PrepareReport, progress: bool) -> None:
    """Run each split's tasks in the worker pool, skipping outputs already there; counts
    and dropped files go into ``report``."""
    pending: list[tuple[str, list[Task], Path | None]] = []  # (split, tasks, npz shard)
    for split, items in tasks.items():
        report.counts.setdefault(split, 0)
        if opts.format == "npz":
            for k in range(0, len(items), opts.shard_size):
                chunk = items[k:k + opts.shard_size]
                shard = npz.shard_path(out / split, k // opts.shard_size)
                if shard.is_file():
                    done = len(npz.read_names(shard))
                    report.counts[split] += done
                    report.already_done += done
                else:
                    pending.append((split, chunk, shard))
        else:
            todo = []
            for task in items:
                if all(Path(p).is_file() for p in task.outputs):
                    report.counts[split] += 1
                    report.already_done += 1
                else:
                    todo.append(task)
            if todo:
                pending.append((split, todo, None))
    total = sum(len(chunk) for _, chunk, _ in pending)
    if not total:
        return
    ops = opts.image_ops()
    with ImageBar(progress, total) as bar, worker_pool(opts.fitted_workers()) as pool:
        for left, (split, chunk, shard) in enumerate(pending):
            results = pool.map(run_task, chunk, repeat(ops), chunksize=8) if pool else (
                run_task(t, ops) for t in chunk)
            arrays, names = [], []
            for task, (result, reason) in zip(chunk, results, strict=True):
                bar.advance()
                if reason is not None:
                    report.dropped.append((task.sources[0], reason))
                    continue
                report.counts[split] += 1
                if shard is not None:
                    arrays.append(result[0])
                    names.append(Path(task.sources[0]).name)
            if shard is not None:
                _write_shard(shard, arrays, names, opts, len(pending) - left)


def _write_shard(shard: Path, arrays: list, names: list[str], opts: PrepareOptions,
                 shards_left: int) -> None:
    """One shard; a full disk stops the prepare with the space the rest needs at most."""
    try:
        npz.write_shard(shard, arrays, names, (opts.size, opts.size))
    except OSError as err:
        if not is_disk_full(err):
            raise
        per_shard = 3 * opts.size ** 2 * max(len(arrays), 1)  # uncompressed: an upper bound
        raise disk_full(shard, per_shard * shards_left, " (finished shards are kept; the "
                        "rerun continues)", up_to=True) from None




def finish_report(report: PrepareReport) -> PrepareReport:
    """Write ``report`` to ``OUT/prepare_report.json`` and return it."""
    data = json.dumps(report.to_dict(), indent=1).encode()
    _write_small(data, report.out / REPORT_NAME)
    return report
