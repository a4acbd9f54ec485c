"""Run-level evaluation: translate a run's test split with its checkpoint(s), then score it.

Protocol, as CycleGAN/CUT papers report: for direction ``AtoB`` the test split's A images
are translated (at full size, ``fit="pad"``) and scored against its B images; ``BtoA`` the
other way round. Directions are the model's, so a run trained with ``data.direction=BtoA``
is scored in the direction it learned; any layout training accepts works (see
``i2i.metrics.eval_split``). ``all_checkpoints`` scores every saved checkpoint and reports
the best and the last, since published numbers are often best-epoch. The real test set's
features are cached on disk, so many runs and checkpoints on one dataset extract it once.

Built on the training side's public helpers: ``i2i.runs.load_for_inference`` and
``i2i.inference.files.translate_files``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from i2i.data.datasets import stored_root
from i2i.errors import CheckpointError, ConfigError, DataError
from i2i.metrics.eval_split import open_test_split
from i2i.metrics.evaluate import EvalResult, evaluate_folders, metric_objects
from i2i.metrics.job import EvalOptions
from i2i.metrics.kept_translations import KeptTranslations
from i2i.training.device import select_device

_CKPT = re.compile(r"^(epoch|step)_(\d+)\.pt$")


def translate_split(method, source: Path, out_dir: Path, direction: str,
                    batch_size: int = 1) -> tuple[list[tuple[str, str]], list[tuple[Path, Path]]]:
    """Translate every image of ``source`` into ``out_dir`` as PNG; returns the failures
    as (file, reason), which the caller reports like unreadable images, and every
    (input, output) pair."""
    from i2i.inference.files import collect_jobs, translate_files

    jobs = collect_jobs([str(source)], out_dir, ".png")
    result = translate_files(method, jobs, direction, batch_size=batch_size)
    if not result.written:
        raise DataError(f"no image of {source} could be translated")
    return ([(str(path), reason) for path, reason in result.failed],
            [(job.source, job.dest) for job in jobs])


def checkpoint_position(path: Path) -> dict:
    """``{"epoch": n}`` or ``{"step": n}`` from a checkpoint file name."""
    m = _CKPT.match(path.name)
    return {m.group(1): int(m.group(2))} if m else {}


def score_method(method, cfg, options: EvalOptions, direction: str = "AtoB",
                 label: str = "", warned: set[str] | None = None,
                 keep: tuple[Path, str] | None = None) -> EvalResult:
    """Translate the test split with an in-memory method and score it (used in training).

    ``keep``: (run folder, name): the translations stay in ``RUN/eval/NAME/`` with a page
    of inputs beside outputs (:mod:`i2i.metrics.kept_translations`); else they go."""
    if direction not in method.generator_for:
        raise ConfigError(f"{method.name} runs translate {', '.join(method.generator_for)} "
                          f"only, not --direction {direction}")
    run, name = keep if keep is not None else (None, "")
    with open_test_split(cfg, direction) as split, KeptTranslations(run, name) as kept:
        failed, jobs = translate_split(method, split.source, kept.fake_dir, direction)
        result = evaluate_folders(split.target, [kept.fake_dir], options,
                                  names=[label or direction], warned=warned)
        summary = {"source": split.source_label, "real": split.target_label,
                   **{k: str(v) for k, v in result.rows[0].items()
                      if k in result.columns or k.startswith("n_")}}
        page = kept.finish(jobs, split.source, split.target, label or direction, summary)
    for row in result.rows:
        row.update({"source": split.source_label, "real": split.target_label})
        if page is not None:
            row["fake"] = str(page.parent / "fake")
            result.pages.append(page)
        else:
            row.pop("fake", None)  # a temporary folder, gone by now
    result.bad = sorted(set(result.bad) | set(failed) | set(split.bad))
    return result


def evaluate_runs(runs: list[Path], options: EvalOptions, direction: str = "AtoB",
                  all_checkpoints: bool = False, checkpoint: str | None = None,
                  batch_size: int = 1, data: Path | None = None) -> EvalResult:
    """One row per run (its latest or named checkpoint), or per checkpoint with
    ``all_checkpoints``; ``result.summary`` names the best and last when several.

    ``data``: the dataset folder, instead of the one each run recorded (a moved run)."""
    from i2i.runs import load_for_inference
    from i2i.training.checkpoint import list_checkpoints

    metric_objects(options.metrics)  # unknown names fail before any translation
    device = select_device(options.device)
    options = replace(options, device=str(device))
    merged = EvalResult()
    warned: set[str] = set()  # each warning once for all runs and checkpoints
    for run in runs:
        run = Path(run)
        if all_checkpoints:
            ckpts = [p.name for p in list_checkpoints(run)]
            if not ckpts:
                raise CheckpointError(f"{run} has no checkpoints yet; train it first")
        else:
            ckpts = [checkpoint]
        for name in ckpts:
            method, cfg, path = load_for_inference(run, name, device)
            if data is not None:
                cfg.data.root = stored_root(str(data))
            label = f"{run.name}:{path.stem}" if all_checkpoints else run.name
            keep = (run, f"{path.stem}_{direction}") if run.is_dir() else None
            try:
                result = score_method(method, cfg, options, direction, label, warned, keep)
            except DataError as err:
                if data is None and str(err).startswith("data folder not found"):
                    raise DataError(f"{err}, which run {run} records; if the data moved, "
                                    "give its new place with --data DIR") from err
                raise
            for row in result.rows:
                row.update({"run": str(run), "checkpoint": path.name, "direction": direction,
                            **checkpoint_position(path)})
            _merge(merged, result)
    if all_checkpoints:
        merged.summary = best_and_last(merged)
    return merged


def _merge(into: EvalResult, part: EvalResult) -> None:
    into.rows += part.rows
    into.pages += part.pages
    into.failed += part.failed
    into.bad += [b for b in part.bad if b not in into.bad]
    into.columns = into.columns or part.columns
    into.lower_is_better.update(part.lower_is_better)


def best_and_last(result: EvalResult) -> dict:
    """Per run and headline metric: the best checkpoint and the last one."""
    summary: dict = {}
    for run in dict.fromkeys(r["run"] for r in result.rows):
        rows = [r for r in result.rows if r["run"] == run]
        entry = {}
        for col in result.columns:
            if col.endswith("_std"):
                continue
            pick = min if result.lower_is_better.get(col, True) else max
            best = pick(rows, key=lambda r, c=col: r[c])
            entry[col] = {"best": best[col], "best_checkpoint": best["checkpoint"],
                          "last": rows[-1][col], "last_checkpoint": rows[-1]["checkpoint"]}
        summary[run] = entry
    return summary



