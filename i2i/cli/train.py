"""``i2i train``: build the run config from the options and call ``training.loop.train``."""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer

from i2i.cli import completion as complete
from i2i.console import console


def train(
    method: str = typer.Argument(None, help="Training method, e.g. cyclegan (see i2i plugins).",
                                autocompletion=complete.methods),
    data: str = typer.Option(None, "--data", "-d",
                             help="Dataset folder (trainA/ trainB/ testA/ testB) or builtin:toy.",
                             autocompletion=complete.train_data),
    size: int = typer.Option(None, "--size", help="Crop size in px (load size scales with it)."),
    epochs: int = typer.Option(None, "--epochs",
                               help="Total epochs: half at constant lr, half decaying."),
    batch_size: int = typer.Option(None, "--batch-size", "-b", help="Images per batch."),
    name: str = typer.Option(None, "--name", "-n", help="Run name: the folder under --out-dir."),
    out_dir: str = typer.Option(None, "--out-dir", help="Where run folders go (default runs/)."),
    config: str = typer.Option(None, "--config", "-c", help="YAML config file."),
    preset: str = typer.Option(None, "--preset", help="A preset from i2i/configs."),
    set_: list[str] = typer.Option(None, "--set", "-s", help="Override: key.path=value."),
    gpus: int = typer.Option(None, "--gpus",
                             help="Processes/GPUs on this machine (N>1 launches torchrun)."),
    device: str = typer.Option(None, "--device", help="auto, cpu, cuda, cuda:N or mps."),
    precision: str = typer.Option(None, "--precision",
                                  help="fp32, bf16 (CUDA or CPU) or fp16 (CUDA)."),
    channels_last: bool = typer.Option(None, "--channels-last/--no-channels-last",
                                       help="channels_last memory format on CUDA."),
    direction: str = typer.Option(None, "--direction",
                                  help="AtoB or BtoA: which folder is the input domain."),
    eval_every: int = typer.Option(None, "--eval-every",
                                   help="Score FID/KID on the test split every N epochs."),
    seed: int = typer.Option(None, "--seed", help="Random seed."),
    workers: int = typer.Option(None, "--workers", help="DataLoader worker processes."),
    threads: int = typer.Option(None, "--threads", help="CPU threads for torch (0: all)."),
    max_steps: int = typer.Option(None, "--max-steps", help="Stop (and save) after N steps."),
    resume: Path = typer.Option(None, "--resume", help="Continue this run folder exactly."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    log: str = typer.Option(None, "--log",
                            help="Trackers besides the run page: tensorboard, wandb, a "
                                 "plugin's (comma list), or none.",
                            autocompletion=complete.trackers),
) -> None:
    """Train a translation model; everything lands in runs/NAME/.

    Examples:

        i2i train cyclegan --data ./horse2zebra --gpus 1

        i2i train cyclegan --data builtin:toy --size 64 --epochs 3

        i2i train pix2pix --data ./facades --direction BtoA

        i2i train cut --data ./horse2zebra

        i2i train cyclegan --data ./selfie2anime --set loss.terms.scl.weight=10

        i2i train cyclegan --data ./horse2zebra --eval-every 5

        i2i train cyclegan --data ./horse2zebra --log tensorboard,wandb

        i2i train cyclegan --data ./maps --set loss.cycle=l2 --set generator.params.n_blocks=6

        i2i train --resume runs/horse2zebra
    """
    from i2i.data.datasets import check_root, stored_root
    from i2i.errors import DataError, RunComplete
    from i2i.metrics.eval_callback import eval_callbacks
    from i2i.runs import (
        check_restartable,
        check_run_dir,
        load_run_config,
        resolve_train_config,
    )
    from i2i.training.callbacks import default_callbacks
    from i2i.training.checkpoint import has_checkpoints
    from i2i.training.distributed import DistInfo, launch_local, under_torchrun
    from i2i.training.loop import train as run_training
    from i2i.training.run_lock import RunLock
    from i2i.training.trackers.selected import tracker_callbacks

    layer = _cli_layer(data, size, epochs, batch_size, name, out_dir, gpus, device, precision,
                       channels_last, seed, workers, max_steps, direction, eval_every, threads,
                       log)
    main_process = DistInfo.from_env().is_main
    if resume is not None:
        cfg = load_run_config(resume, layer, set_ or [])
        _check_resumed_method(method, cfg.method, resume)
        run_dir, replace = resume, False
    else:
        cfg = resolve_train_config(method, preset, config, layer, set_ or [])
        run_dir, replace = check_run_dir(cfg, overwrite and main_process)
    _check_method_options(cfg)
    cfg.data.root = stored_root(cfg.data.root)  # so --resume and evaluate work from anywhere
    try:
        check_root(cfg.data.root)  # a missing folder fails before work; nothing made yet
    except DataError as err:
        if resume is None or data is not None:
            raise
        raise DataError(f"{err}, which {resume / 'config.yaml'} records; if the data moved, "
                        f"give its new place: i2i train --resume {resume} --data DIR") from err
    # rank 0 holds the lock (or inherits the launcher's); other ranks never lock
    with RunLock(run_dir) if main_process else contextlib.nullcontext():
        if resume is None and main_process:  # again inside the lock: nothing slipped in
            run_dir, replace = check_run_dir(cfg, overwrite)
        if cfg.train.gpus > 1 and not under_torchrun():
            _launch(cfg, launch_local)
            return
        # a run whose start failed or was stopped before its first save: begin it again
        restart = resume is not None and not has_checkpoints(run_dir)
        if restart:
            check_restartable(run_dir)
        if main_process and resume is not None and not restart:
            console.print(f"[bold]i2i train[/] resuming {run_dir} ({cfg.method} on "
                          f"{cfg.data.root}) from its latest checkpoint")
        elif main_process:
            console.print(f"[bold]i2i train[/] {cfg.method} on {cfg.data.root} -> {run_dir}")
            if restart:
                console.print(f"{run_dir} holds no checkpoint yet: starting it from step 0")
        try:
            extra = [*eval_callbacks(cfg), *tracker_callbacks(cfg)]  # trackers see eval rows
            callbacks = default_callbacks(not quiet, extra=extra)
            ctx = run_training(cfg, run_dir, resume=resume is not None and not restart,
                               callbacks=callbacks, show_progress=not quiet,
                               replace=replace or restart)
        except RunComplete as done:
            if main_process:
                console.print(f"[green]nothing to do[/]: {done}")
            return
    if main_process:  # one "done" for the run, not one per DDP rank
        c = ctx.counters
        console.print(f"[green]done[/]: {c.global_step} steps, {c.epoch} epochs; "
                      f"open {run_dir / 'index.html'}")


def _cli_layer(data, size, epochs, batch_size, name, out_dir, gpus, device, precision,
               channels_last, seed, workers, max_steps, direction=None, eval_every=None,
               threads=None, log=None) -> dict:
    """Command-line options as a config layer (only the ones given)."""
    layer: dict = {"data": {}, "train": {}, "schedule": {}}
    if data is not None:
        layer["data"]["root"] = data
    if size is not None:
        layer["data"]["crop_size"] = size
        layer["data"]["load_size"] = size * 286 // 256
    if batch_size is not None:
        layer["data"]["batch_size"] = batch_size
    if workers is not None:
        layer["data"]["num_workers"] = workers
    if direction is not None:
        layer["data"]["direction"] = direction
    if epochs is not None:
        from i2i.errors import ConfigError

        if epochs < 1:
            raise ConfigError(f"--epochs must be at least 1, got {epochs}")
        layer["schedule"].update(n_epochs=epochs - epochs // 2, n_epochs_decay=epochs // 2)
    for key, value in (("gpus", gpus), ("device", device), ("precision", precision),
                       ("channels_last", channels_last), ("seed", seed),
                       ("max_steps", max_steps), ("eval_every", eval_every),
                       ("threads", threads)):
        if value is not None:
            layer["train"][key] = value
    if log is not None:
        layer["train"]["log"] = parse_log_option(log)
    if name is not None:
        layer["name"] = name
    if out_dir is not None:
        layer["out_dir"] = out_dir
    return {k: v for k, v in layer.items() if v != {}}


def parse_log_option(text: str) -> list[str]:
    """``--log tensorboard,wandb`` -> the names; ``none`` -> no trackers."""
    from i2i.errors import ConfigError

    names = [part.strip() for part in text.split(",") if part.strip()]
    if names == ["none"]:
        return []
    if "none" in names:
        raise ConfigError(f"--log {text}: 'none' means no trackers; give it alone")
    return names


def _check_resumed_method(method: str | None, saved: str, run: Path) -> None:
    """``train pix2pix --resume RUN`` of a cyclegan run would train cyclegan regardless."""
    from i2i.errors import ConfigError

    if method is not None and method != saved:
        raise ConfigError(f"{run} is a {saved} run; --resume continues it as {saved} (drop "
                          f"'{method}', or train {method} as a new run)")


def _check_method_options(cfg) -> None:
    from i2i.errors import ConfigError

    d = cfg.data
    if d.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {d.batch_size}")
    if d.crop_size < 16:
        raise ConfigError(f"--size must be at least 16 px, got {d.crop_size}")
    if d.preprocess == "resize_and_crop" and d.load_size < d.crop_size:
        raise ConfigError(f"data.load_size ({d.load_size}) is smaller than data.crop_size "
                          f"({d.crop_size}); raise load_size or lower --size")


def _launch(cfg, launch_local) -> None:
    """Re-run this very command under torchrun with ``cfg.train.gpus`` processes.

    The workers get the same arguments (so a resume keeps its --epochs, --set, ...) and see
    that they run under torchrun, so they train instead of launching again. This process
    holds the run's lock until torchrun and its workers have exited.
    """
    import sys

    import torch

    from i2i.errors import ConfigError, I2IError

    nproc = cfg.train.gpus
    if cfg.train.device != "cpu" and torch.cuda.device_count() < nproc:
        raise ConfigError(f"--gpus {nproc} asked for, but {torch.cuda.device_count()} CUDA "
                          "GPU(s) are visible; use --device cpu for CPU processes")
    argv = sys.argv[1:]
    console.print(f"[bold]i2i train[/]: launching {nproc} processes with torchrun")
    code = launch_local(nproc, argv)
    if code != 0:
        if code in (130, -2):  # the workers stopped on Ctrl-C and said so themselves
            raise typer.Exit(130)
        err = I2IError(f"distributed training exited with code {code}; see the output above")
        err.exit_code = code if 0 < code < 256 else 1
        raise err
