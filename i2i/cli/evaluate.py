"""``i2i evaluate``: FID, KID, IS, precision/recall, LPIPS, PSNR, SSIM of image folders."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console, out


def evaluate(
    runs: list[Path] = typer.Argument(
        None, help="Run folders (runs/NAME): translate their test split and score it."),
    metric: str = typer.Option("fid,kid", "--metric", "-m",
                               help="Comma-separated: fid, kid, is, pr, lpips, psnr, ssim, "
                               "lpips-diversity.", autocompletion=complete.metrics),
    real: Path = typer.Option(None, "--real", help="Folder of real (reference) images "
                              "(not needed by is and lpips-diversity), or a .npz of their "
                              "statistics (mu, sigma: FID) or features (pool)."),
    fake: list[Path] = typer.Option(None, "--fake",
                                    help="Folder of generated images; repeat for a table."),
    json_out: str = typer.Option(None, "--json", help="Write results as JSON ('-' = stdout)."),
    csv_out: Path = typer.Option(None, "--csv", help="Write results as CSV."),
    plot_out: Path = typer.Option(
        None, "--plot", help="Write a bar chart PNG (metric vs epoch with --all-checkpoints)."),
    weights_dir: Path = typer.Option(None, "--weights-dir", envvar="I2I_WEIGHTS_DIR",
                                     help="Folder with pretrained network files."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    batch_size: int = typer.Option(50, "--batch-size", min=1, help="Images per forward pass."),
    kid_subsets: int = typer.Option(
        100, "--kid-subsets", min=1, help="KID: number of random subsets averaged."
    ),
    kid_subset_size: int = typer.Option(
        1000, "--kid-subset-size", min=2,
        help="KID: images per subset (capped at the smaller set's size).",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the KID subset draws."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Do not read or write the real set's feature cache."),
    all_checkpoints: bool = typer.Option(False, "--all-checkpoints",
                                         help="Runs: score every saved checkpoint."),
    checkpoint: str = typer.Option(None, "--checkpoint",
                                   help="Runs: this checkpoint instead of the latest."),
    direction: str = typer.Option("AtoB", "--direction",
                                  help="Runs: AtoB (the way the run was trained, also "
                                       "with data.direction=BtoA) translates the test "
                                       "split's inputs and scores them against its targets; "
                                       "BtoA the reverse (CycleGAN)."),
    data: Path = typer.Option(None, "--data",
                              help="Runs: the dataset folder, when it moved since training "
                              "(default: the one each run recorded)."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Replace existing --json/--csv/--plot files (never "
                                        "an input)."),
) -> None:
    """Score generated images against real ones.

    Examples:

        i2i evaluate --metric fid,kid --real ./horse2zebra/testB --fake ./out/zebras

        i2i evaluate -m fid,kid --real testB --fake out/a --fake out/b --csv t.csv --plot t.png

        i2i evaluate --metric psnr,ssim,lpips --real ./facades/testB --fake ./out --json -

        i2i evaluate runs/h2z --metric fid,kid --all-checkpoints --plot fid_curve.png

        i2i evaluate runs/* --metric fid,kid --csv table.csv --plot table.png

        i2i evaluate --metric lpips-diversity --fake ./shoes   # NAME_k samples, no --real
    """
    from i2i.errors import ConfigError, PartialFailure
    from i2i.metrics import report
    from i2i.metrics.evaluate import evaluate_folders
    from i2i.metrics.job import EvalOptions

    if runs and (real is not None or fake):
        raise ConfigError("give run folders or --real/--fake folders, not both")
    if not runs and not fake:
        raise ConfigError("give at least one --fake DIR, and --real DIR unless every metric "
                          "reads the fake set alone (or give run folders)")
    if (all_checkpoints or checkpoint or data) and not runs:
        raise ConfigError("--all-checkpoints, --checkpoint and --data apply to run folders "
                          "only")
    from i2i.outputs import check_output_file

    inputs = [*(runs or []), *(fake or []), *([real] if real else []),
              *([weights_dir] if weights_dir else [])]
    for option, dest in (("--json", None if json_out == "-" else json_out),
                         ("--csv", csv_out), ("--plot", plot_out)):
        if dest:  # before any feature is extracted, and never making folders
            check_output_file(Path(dest), option, inputs, overwrite)
    options = EvalOptions(
        metrics=tuple(m.strip().lower() for m in metric.split(",") if m.strip()),
        weights_dir=weights_dir, device=device, batch_size=batch_size,
        kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, seed=seed,
        cache=not no_cache)
    if runs:
        from i2i.metrics.runs import evaluate_runs

        result = evaluate_runs(list(runs), options, direction, all_checkpoints, checkpoint,
                               data=data)
    else:
        result = evaluate_folders(real, list(fake), options)
    shown = console if json_out == "-" else out
    shown.print(report.table(result))
    for line in report.summary_lines(result):
        shown.print(line)
    if json_out == "-":  # plain text: rich would wrap long values inside their strings
        sys.stdout.write(report.to_json(result))
        sys.stdout.flush()
    elif json_out:
        report.write_json(result, Path(json_out))
    if csv_out:
        report.write_csv(result, csv_out)
    if plot_out:
        report.plot(result, plot_out, x_key="epoch" if all_checkpoints else None)
    for page in result.pages:
        console.print(f"translations scored, inputs beside outputs: {page}", soft_wrap=True)
    for file, reason in result.bad:
        console.print(f"[red]skipped[/] {file}: {reason}", soft_wrap=True)
    for name, metric_name, reason in result.failed:
        console.print(f"[red]failed[/] {metric_name} of {name}: {reason}", soft_wrap=True)
    if result.failed:
        metrics = ", ".join(dict.fromkeys(m for _, m, _ in result.failed))
        raise PartialFailure(f"{metrics} could not be computed (reasons above); the other "
                             "scores are shown and written")
    if result.bad:
        raise PartialFailure(f"{len(result.bad)} unreadable image(s) skipped (listed above); "
                             "the scores use the rest")
