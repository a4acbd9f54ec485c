"""``i2i export``: a trained run's generator as ONNX, TorchScript or safetensors, verified."""

from __future__ import annotations

from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console


def export(
    run: Path = typer.Argument(..., help="Run folder (runs/NAME), a checkpoint file, or a "
                               "downloaded model (i2i download --list-models).",
                               autocompletion=complete.run_or_model),
    fmt: str = typer.Option(..., "--format", "-f",
                            help="onnx, torchscript or safetensors.",
                            autocompletion=complete.export_formats),
    out: Path = typer.Option(..., "--out", "-o", help="The file to write."),
    direction: str = typer.Option("AtoB", "--direction", help="AtoB or BtoA."),
    dynamic: bool = typer.Option(False, "--dynamic",
                                 help="Any batch and size (ONNX: dynamic axes); also verified "
                                 "at a second batch and size."),
    size: int = typer.Option(None, "--size",
                             help="Side of the export and check images (default: the run's "
                             "training size)."),
    checkpoint: str = typer.Option(None, "--checkpoint",
                                   help="Checkpoint name in the run (default: latest)."),
    eval_mode: bool = typer.Option(False, "--eval",
                                   help="Nets in eval mode (running BN stats, no dropout), as "
                                   "`translate --eval`; needed for pix2pix."),
    tolerance: float = typer.Option(None, "--tolerance",
                                    help="Largest max |exported - PyTorch| accepted "
                                    "(default 1e-4, fp32)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
) -> None:
    """Export the generator `i2i translate` uses for a direction, then check it.

    The written file is run by its own runtime (onnxruntime, torch.jit.load, or loaded
    back into a fresh i2i generator) on a seeded noise image, and with --dynamic also at
    batch 2 and another size; if the max absolute difference to PyTorch exceeds the
    tolerance (1e-4 by default) nothing is written and the exit code is 9.

    Examples:

        i2i export runs/h2z --format onnx --out h2z.onnx

        i2i export runs/h2z --format torchscript --direction BtoA --dynamic --out h2z_b.pt

        i2i export runs/facades --format safetensors --eval --out facades.safetensors

    Multimodal and optimising methods (bicyclegan, cogan, latent_transfer) are refused.
    """
    from i2i.export.exporter import ExportRequest, export_model
    from i2i.export.verify import TOLERANCE

    request = ExportRequest(run, fmt, out, direction, dynamic, size, checkpoint, eval_mode,
                            overwrite, TOLERANCE if tolerance is None else tolerance)
    console.print(f"[bold]i2i export[/] {run} ({direction}) -> {out} as {fmt}")
    result = export_model(request)
    checked = ", ".join(f"{shape}: {diff:.2g}" for shape, diff in result.differences.items())
    console.print(f"[green]wrote {result.out}[/] from {result.checkpoint.name}, size "
                  f"{result.size}{' (dynamic)' if dynamic else ''}; max |difference| to "
                  f"PyTorch {result.max_difference:.2g} (tolerance {request.tolerance:g}; "
                  f"{checked})", soft_wrap=True)
