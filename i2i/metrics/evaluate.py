"""``evaluate_folders``: score one or more fake folders against one real folder.

This is the library function behind ``i2i evaluate --real DIR --fake DIR``. The real set's
features are extracted once (and cached on disk) however many fake folders are scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from i2i.console import console
from i2i.errors import ConfigError, DataError, I2IError
from i2i.images import reason
from i2i.metrics.base import Metric, PairedMetric, SetMetric
from i2i.metrics.job import EvalJob, EvalOptions, ImageSet
from i2i.metrics.pairing import load_pair, match_pairs
from i2i.training.device import select_device


@dataclass
class EvalResult:
    """One row per fake set (name, counts, one key per metric column) and skipped files."""

    rows: list[dict] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    lower_is_better: dict[str, bool] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)  # e.g. best/last checkpoint per run
    #: (row name, metric, reason) of metrics that failed; the other columns are kept
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)  # pages of kept translations (runs)


def metric_objects(names: tuple[str, ...] | list[str]) -> list[Metric]:
    """Registered metrics by name, all checked before any work starts."""
    from i2i.plugins import lookup

    if not names:
        raise ConfigError("no metric given; pass --metric fid,kid (see `i2i plugins -v`)")
    seen, metrics = set(), []
    for name in names:
        if name not in seen:
            seen.add(name)
            metrics.append(lookup("metrics", name))
    return metrics  # type: ignore[return-value]


def evaluate_folders(real: Path | None, fakes: list[Path], options: EvalOptions,
                     names: list[str] | None = None, warned: set[str] | None = None
                     ) -> EvalResult:
    """Score every folder in ``fakes`` against ``real`` with ``options.metrics``.

    ``real`` may be None when no metric needs it (``Metric.needs_real``: IS, LPIPS
    diversity). ``warned``: warnings already shown (shared by callers that score in
    several calls).
    """
    warned = set() if warned is None else warned
    metrics = metric_objects(options.metrics)
    if real is None:
        wanting = [m.name for m in metrics if m.needs_real]
        if wanting:
            raise ConfigError(f"--metric {','.join(wanting)} compares with real images; "
                              "give --real DIR")
    device = select_device(options.device)
    real_set = None if real is None else ImageSet.from_folder(real, "--real", cacheable=True)
    fake_sets = [ImageSet.from_folder(f, "--fake") for f in fakes]
    result = EvalResult(columns=[c for m in metrics for c in m.columns],
                        lower_is_better={c: m.lower_is_better for m in metrics
                                         for c in m.columns})
    bad: dict[str, str] = {}
    for i, fake_set in enumerate(fake_sets):
        job = EvalJob(real_set, fake_set, options, device, warned)
        row: dict = {"name": names[i] if names else fake_set.root.name,
                     "fake": str(fake_set.root)}
        if real_set is not None:
            row["real"] = str(real_set.root)
        paired = [m for m in metrics if isinstance(m, PairedMetric)]
        n_pairs = 0
        errors: list[tuple[str, I2IError]] = []
        if paired:
            try:
                scores, n_pairs = _paired_scores(job, paired, bad)
                row.update(scores)
            except I2IError as err:
                errors += [(m.name, err) for m in paired]
                paired = []
        for metric in metrics:
            if isinstance(metric, SetMetric):
                try:  # one metric that cannot be computed keeps the others' numbers
                    row.update(metric.compute(job))
                except I2IError as err:
                    errors.append((metric.name, err))
        if len(errors) == len(metrics) and len(fake_sets) == 1:
            raise errors[0][1]  # nothing to show: the error itself, as before
        result.failed += [(row["name"], name, str(err)) for name, err in errors]
        bad.update(job.bad_files)
        row.update(_counts_used(job, n_pairs if paired else None))
        result.rows.append(row)
    result.bad = sorted(bad.items())
    return result


def _counts_used(job: EvalJob, n_pairs: int | None) -> dict:
    """The numbers of images the scores used (unreadable ones left out): the images whose
    features were extracted, or the pairs scored when only paired metrics ran; with both
    kinds, ``n_pairs`` as well."""
    counts: dict = {}
    for key, image_set in (("n_real", job.real), ("n_fake", job.fake)):
        if image_set is None or image_set.statistics_only:
            continue  # no --real, or only its statistics: no image count to give
        if image_set.feats is not None:
            counts[key] = len(image_set.feats)
        elif n_pairs is not None:
            counts[key] = n_pairs
        else:  # not read at all (the real set of an Inception Score alone)
            counts[key] = len(image_set.files)
    if n_pairs is not None and job.fake.feats is not None:
        counts["n_pairs"] = n_pairs
    return counts


def _paired_scores(job: EvalJob, metrics: list[PairedMetric], bad: dict[str, str]
                   ) -> tuple[dict, int]:
    """One pass over the name-matched pairs, every paired metric on each, then the means
    and the number of pairs scored."""
    if not job.real.files:
        raise DataError(f"paired metrics compare image with image; {job.real.root} holds "
                        "statistics, not images: give the image folder")
    pairs = match_pairs(job.real.root, job.real.files, job.fake.root, job.fake.files)
    for metric in metrics:
        metric.prepare(job)
    sums = {m.name: 0.0 for m in metrics}
    done = resized = 0
    bar = Progress(TextColumn("[bold]pairs"), BarColumn(), MofNCompleteColumn(),
                   console=console, transient=True)
    with bar:
        task = bar.add_task("pairs", total=len(pairs))
        for _name, real_file, fake_file in pairs:
            try:
                real_arr, fake_arr, was_resized = load_pair(real_file, fake_file)
            except DataError as err:
                culprit = real_file if str(real_file) in str(err) else fake_file
                bad[str(culprit)] = reason(err, culprit)
                bar.advance(task)
                continue
            resized += was_resized
            for metric in metrics:
                sums[metric.name] += metric.score_pair(real_arr, fake_arr)
            done += 1
            bar.advance(task)
    if resized:
        job.warn_once("paired-resize", f"{resized} fake images differ in size from their real "
                      "pair and were resized (bicubic) to it")
    if done == 0:
        raise DataError("no readable image pairs for the paired metrics")
    return {name: total / done for name, total in sums.items()}, done
