"""A run's test split as two image folders, for every data layout training accepts.

Run-level evaluation translates the split's *source* images and scores the results against
its *target* images. Directions are the model's: ``AtoB`` is what the run learned as A -> B,
so for a run trained with ``data.direction=BtoA`` (its A side is the data's B folder) AtoB
translates the data's B images and scores them against its A images.

Layouts, detected as training detects them (``i2i.data.datasets.detect_layout``):
``unaligned`` and ``folders`` read ``testA/`` and ``testB/`` as they are (npz shards are
written out as PNG first); ``aligned`` cuts every ``test/`` (or ``val/``) A|B image into its
halves, saved as PNG under the image's name, so paired metrics match result and target.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from i2i.errors import ConfigError, DataError

DIRECTIONS = ("AtoB", "BtoA")
HINT = "(or score folders with --real/--fake)"


@dataclass
class EvalSplit:
    """Source images to translate, real target images, and (file, reason) skipped; the
    labels name where the images came from (the folders may be temporary)."""

    source: Path
    target: Path
    source_label: str
    target_label: str
    bad: list[tuple[str, str]] = field(default_factory=list)


def folder_domains(cfg, direction: str) -> tuple[str, str]:
    """(source, target) data-folder letters for a model direction."""
    if direction not in DIRECTIONS:
        raise ConfigError(f"--direction '{direction}'; choose one of: {', '.join(DIRECTIONS)}")
    source, target = ("A", "B") if direction == "AtoB" else ("B", "A")
    return (target, source) if cfg.data.direction == "BtoA" else (source, target)


def layout_of(cfg) -> tuple[Path, str]:
    """(data root, layout) of a run, as its training saw them."""
    from i2i.data.datasets import detect_layout, resolve_root
    from i2i.plugins import lookup

    root = resolve_root(cfg.data.root, cfg.data.crop_size)
    if cfg.data.layout != "auto":
        return root, cfg.data.layout
    return root, detect_layout(root, lookup("methods", cfg.method).paired)


def check_test_split(cfg, direction: str) -> None:
    """Raise the error :func:`open_test_split` would, without writing anything."""
    source, target = folder_domains(cfg, direction)
    root, layout = layout_of(cfg)
    if layout == "aligned":
        _aligned_folder(root)
        return
    for letter in (source, target):
        folder = root / f"test{letter}"
        if not folder.is_dir():
            raise DataError(f"run data {root} has no {folder.name}/ folder; run-level "
                            f"evaluation needs testA/ and testB/ {HINT}")


@contextlib.contextmanager
def open_test_split(cfg, direction: str) -> Iterator[EvalSplit]:
    """The run's test split as folders; temporary ones are removed on exit."""
    check_test_split(cfg, direction)
    source, target = folder_domains(cfg, direction)
    root, layout = layout_of(cfg)
    with tempfile.TemporaryDirectory(prefix="i2i-split-") as tmp:
        if layout == "aligned":
            folder = _aligned_folder(root)
            bad = _cut_halves(folder, Path(tmp))
            yield EvalSplit(Path(tmp) / source, Path(tmp) / target,
                            f"{folder} ({source} halves)", f"{folder} ({target} halves)", bad)
            return
        folders, bad = [root / f"test{source}", root / f"test{target}"], []
        images = [_as_images(f, Path(tmp) / f.name, bad) for f in folders]
        yield EvalSplit(images[0], images[1], str(folders[0]), str(folders[1]), bad)


def _aligned_folder(root: Path) -> Path:
    from i2i.data.aligned import split_folder

    try:
        return split_folder(root, "test")
    except DataError:
        raise DataError(f"run data {root} has no test/ (or val/) folder of A|B images; "
                        f"run-level evaluation needs one {HINT}") from None


def _cut_halves(folder: Path, out: Path) -> list[tuple[str, str]]:
    """Write each A|B image's halves as ``out/A/<name>.png`` and ``out/B/<name>.png``."""
    from i2i.images import list_images, load_rgb

    bad = []
    for path in list_images(folder):
        try:
            whole = load_rgb(path, 3)
        except DataError as err:
            bad.append((str(path), str(err)))
            continue
        w, h = whole.size
        name = path.relative_to(folder).with_suffix(".png")
        for letter, box in (("A", (0, 0, w // 2, h)), ("B", (w // 2, 0, w, h))):
            dest = out / letter / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            whole.crop(box).save(dest)
    if not any(out.glob("A/**/*.png")):
        raise DataError(f"no readable A|B image in {folder}")
    return bad


def _as_images(folder: Path, out: Path, bad: list[tuple[str, str]]) -> Path:
    """``folder`` itself, or its npz shards written out as PNG files under ``out``."""
    from i2i.data import npz

    if not npz.has_shards(folder):
        return folder
    cache, used = npz.NpzShardCache(), set()
    out.mkdir(parents=True)
    for shard in sorted(folder.glob(npz.SHARD_PATTERN)):
        for index, name in enumerate(npz.read_names(shard)):
            stem = Path(name).stem or f"{shard.stem}_{index}"
            if stem in used:
                stem = f"{stem}_{shard.stem}_{index}"
            used.add(stem)
            try:
                cache.image(shard, index).save(out / f"{stem}.png")
            except DataError as err:
                bad.append((npz.item_name((shard, index)), str(err)))
    return out
