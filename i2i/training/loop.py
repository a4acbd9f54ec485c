"""The single training loop: devices, precision, DDP, schedules, checkpoints, resume.

``train(cfg, run_dir)`` runs any registered method. It never prints except through its
callbacks, and it saves a checkpoint on Ctrl-C before raising ``Interrupted``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from i2i.config import RunConfig, to_yaml
from i2i.data.datasets import build_dataset
from i2i.data.sampler import EpochSampler
from i2i.errors import ConfigError, Interrupted
from i2i.images import write_bytes_atomic
from i2i.outputs import remove_stale_temps
from i2i.plugins import lookup
from i2i.training import checkpoint as ckpt
from i2i.training.callbacks import Callback, TrainContext, default_callbacks
from i2i.training.device import cpu_has_native_bf16, select_device
from i2i.training.distributed import (
    DistInfo,
    any_rank,
    barrier,
    gather_rank_state,
    init_distributed,
    shutdown,
)
from i2i.training.interrupt import DeferredInterrupt
from i2i.training.schedulers import build_scheduler, step_scheduler
from i2i.training.trackers.selected import tracker_callbacks


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def method_class(name: str):
    return lookup("methods", name)


def make_loader(dataset, cfg: RunConfig, sampler: EpochSampler, device: torch.device):
    return DataLoader(
        dataset,
        batch_size=cfg.data.batch_size,
        sampler=sampler,
        num_workers=cfg.data.num_workers,
        pin_memory=cfg.data.pin_memory and device.type == "cuda",
        drop_last=False,
        persistent_workers=False,
        # Own generator: the loader must not draw from the global RNG, or a resumed
        # run's random stream would differ from an uninterrupted one.
        generator=torch.Generator().manual_seed(cfg.train.seed),
    )


def _precision(cfg: RunConfig, device: torch.device, warn_here: bool = True):
    """(autocast factory, GradScaler or None) for the configured precision.

    bf16 works on CUDA and on CPUs (fast where they have AMX/AVX512-BF16); fp16 needs CUDA
    and a GradScaler, since its range is too small for unscaled gradients.
    """
    p = cfg.train.precision
    if p == "fp32":
        return contextlib.nullcontext, None
    if p == "fp16" and device.type != "cuda":
        raise ConfigError(f"--precision fp16 needs a CUDA GPU; use bf16 or fp32 on {device.type}")
    if device.type not in ("cuda", "cpu"):
        raise ConfigError(f"--precision {p} is not supported on {device.type}; use fp32")
    if p == "bf16" and device.type == "cpu" and warn_here and cpu_has_native_bf16() is False:
        from i2i.console import warn

        warn("this CPU has no native bf16 (no AMX or AVX512-BF16): --precision bf16 runs "
             "many times slower than fp32 here; use --precision fp32")
    dtype = torch.bfloat16 if p == "bf16" else torch.float16
    autocast = functools.partial(torch.autocast, device_type=device.type, dtype=dtype)
    scaler = torch.amp.GradScaler("cuda") if p == "fp16" else None
    return autocast, scaler


def _wrap_ddp(method, info: DistInfo, device: torch.device) -> None:
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [device.index] if device.type == "cuda" else None
    for key, net in method.nets.items():
        if any(p.requires_grad for p in net.parameters()):
            # buffers are broadcast from rank 0 by default; naming the flag is deprecated
            method.train_nets[key] = DDP(net, device_ids=ids)


def _compile_nets(method) -> None:
    """``torch.compile`` each net in place (``Module.compile``: its state-dict names, and so
    checkpoints, stay as they are); DDP-wrapped ones through their wrapper, as torch
    advises. Compilation itself happens at each net's first call."""
    import shutil

    if method.device.type == "cpu" and not (os.environ.get("CXX") or shutil.which("c++")
                                            or shutil.which("g++")):
        from i2i.errors import ConfigError

        raise ConfigError("train.compile on a CPU needs a C++ compiler (g++), and none is "
                          "on PATH; install one or drop train.compile")
    for key, net in method.nets.items():
        method.train_nets.get(key, net).compile()


def first_batch(dataset, count: int = 4) -> dict:
    """A fixed, un-augmented batch for sample grids (the first ``count`` items)."""
    items = [dataset[(i, i)] for i in range(min(count, len(dataset)))]
    return torch.utils.data.default_collate(items)


def train(cfg: RunConfig, run_dir: Path, resume: bool = False,
          callbacks: list[Callback] | None = None, show_progress: bool = True,
          replace: bool = False) -> TrainContext:
    """Train ``cfg.method`` into ``run_dir``; with ``resume`` continue its latest checkpoint.

    ``replace`` empties an existing run folder, but only once the config, networks, data
    and callbacks have all been built: a start that fails leaves the old run as it was.

    ``callbacks`` default to ``default_callbacks(show_progress)`` with the trackers
    ``train.log`` names (``tracker_callbacks(cfg)``). ``train.eval_every`` is honoured by
    whoever builds the callbacks (training stands below metrics): ``i2i train`` passes
    ``default_callbacks(extra=[*eval_callbacks(cfg), *tracker_callbacks(cfg)])`` (from
    :mod:`i2i.metrics.eval_callback`); do the same to evaluate during a run from Python.
    """
    device = select_device(cfg.train.device, _local_rank())
    info = init_distributed(device.type)
    try:
        return _train(cfg, run_dir, resume, callbacks, show_progress, device, info, replace)
    finally:
        shutdown()


def _local_rank() -> int:
    import os

    return int(os.environ.get("LOCAL_RANK", 0))


def _train(cfg, run_dir, resume, callbacks, show_progress, device, info: DistInfo, replace):
    seed_everything(cfg.train.seed + info.rank)
    if cfg.train.threads > 0:  # small nets or a shared machine: fewer threads can be faster
        torch.set_num_threads(cfg.train.threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed crop sizes: let cuDNN pick kernels once
    cls = method_class(cfg.method)
    autocast, scaler = _precision(cfg, device, warn_here=info.is_main)
    method = cls(cfg, device, training=True)
    method.autocast, method.scaler = autocast, scaler
    method.check_image_sides()  # before the dataset is built (builtin data is made for it)
    schedulers = {k: build_scheduler(o, cfg.schedule) for k, o in method.optimizers.items()}

    dataset = build_dataset(cfg.data, "train", cls.paired, train=True)
    sampler = EpochSampler(len(dataset), cfg.train.seed, shuffle=not cfg.data.serial_batches,
                           rank=info.rank, world_size=info.world_size)
    loader = make_loader(dataset, cfg, sampler, device)
    steps_per_epoch = len(loader)
    counters = ckpt.Counters()
    if resume:
        found = ckpt.load_latest(run_dir, map_location=device)
        if found is None:
            from i2i.errors import CheckpointError

            raise CheckpointError(f"{run_dir} has no checkpoint to resume from")
        path, payload = found
        _restore(method, schedulers, scaler, payload, path)
        counters = ckpt.Counters(**payload["counters"])
        _restore_rank_state(method, payload, info)
        _refuse_if_complete(cfg, counters, run_dir)
    if info.enabled:
        _wrap_ddp(method, info, device)
    if cfg.train.compile:
        _compile_nets(method)
    method.train_mode()

    ctx = TrainContext(cfg, run_dir, method, counters, cfg.total_epochs, steps_per_epoch)
    method.check_run(ctx.total_steps)
    if callbacks is None:
        callbacks = default_callbacks(show_progress, extra=tracker_callbacks(cfg))
    callbacks = callbacks if info.is_main else []
    for cb in callbacks:
        cb.check(ctx)
    if info.is_main:
        if replace:
            clear_run_folder(run_dir)
        remove_stale_temps(run_dir)  # what saves killed mid-write (kill -9) left behind
        run_dir.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(to_yaml(cfg).encode(), run_dir / "config.yaml")
        ctx.sample_batch = _sample_batch(cfg, cls)
    for cb in callbacks:
        cb.on_start(ctx)

    saved_at = {"step": None}  # a step saved once is not saved again in the same stop

    def save(kind: str, number: int) -> None:
        if kind == "step" and saved_at["step"] == counters.global_step:
            return
        if kind == "step":
            saved_at["step"] = counters.global_step
        ranks = gather_rank_state(info, {"rng": ckpt.capture_rng(),
                                         "extra": method.extra_state()})
        if info.is_main:
            path = run_dir / ckpt.CHECKPOINT_DIR / ckpt.checkpoint_name(kind, number)
            payload = ckpt.build_payload(method, schedulers, counters, cfg.to_dict(), scaler)
            if info.enabled:
                payload["ranks"] = ranks
            ckpt.save_checkpoint(path, payload)
            ckpt.mark_latest(path)
            ckpt.prune(run_dir, cfg.train.keep_last, path)
            for cb in callbacks:
                cb.on_checkpoint(ctx, path)
        barrier(info)

    max_steps = cfg.train.max_steps
    total_steps = ctx.total_steps
    stopped_early = False
    with DeferredInterrupt() as interrupt:
        try:
            while counters.epoch < cfg.total_epochs and not stopped_early:
                sampler.set_epoch(counters.epoch, counters.epoch_step * cfg.data.batch_size)
                for batch in loader:
                    method.progress = counters.global_step / max(1, total_steps)
                    method.step = counters.global_step  # staged methods derive their stage
                    losses = method.training_step(batch)
                    if scaler is not None:
                        scaler.update()
                    counters.epoch_step += 1
                    counters.global_step += 1
                    counters.epoch_loss_sum += sum(losses.values())
                    for cb in callbacks:
                        cb.on_step(ctx, losses)
                    every = cfg.train.checkpoint_every
                    if every > 0 and counters.global_step % every == 0:
                        save("step", counters.global_step)
                    if any_rank(info, interrupt.requested):
                        raise _StepBoundaryStop
                    if max_steps is not None and counters.global_step >= max_steps:
                        stopped_early = True
                        break
                if stopped_early and counters.epoch_step < steps_per_epoch:
                    save("step", counters.global_step)
                    break
                mean_loss = counters.epoch_loss_sum / max(1, counters.epoch_step)
                for scheduler in schedulers.values():
                    step_scheduler(scheduler, mean_loss)
                counters.epoch += 1
                counters.epoch_step, counters.epoch_loss_sum = 0, 0.0
                save("epoch", counters.epoch)
                for cb in callbacks:
                    cb.on_epoch_end(ctx)
        except _StepBoundaryStop:
            try:
                save("step", counters.global_step)
            finally:  # even if a second Ctrl-C lands in the save: stop the progress bar
                for cb in callbacks:
                    cb.on_end(ctx)
            raise Interrupted(
                f"interrupted at step {counters.global_step}; checkpoint saved, continue with "
                f"`i2i train --resume {run_dir}`"
            ) from None
        except KeyboardInterrupt:
            # A second Ctrl-C (or one outside the main thread) lands mid-step: saving now
            # would checkpoint half a step, so the last whole checkpoint stays the newest.
            for cb in callbacks:
                cb.on_end(ctx)
            if not ckpt.has_checkpoints(run_dir):  # stopped before the first save
                raise Interrupted(
                    f"interrupted during step {counters.global_step + 1}, before the first "
                    f"checkpoint: nothing was saved; `i2i train --resume {run_dir}` starts "
                    "it again from step 0") from None
            raise Interrupted(
                f"interrupted during step {counters.global_step + 1}; not saved mid-step, "
                f"`i2i train --resume {run_dir}` continues from the last checkpoint"
            ) from None
        # still deferred: a Ctrl-C while the last page and plots are written changes nothing
        for cb in callbacks:
            cb.on_end(ctx)
        # no rank tears the process group down while another still works (a gloo rank
        # that did so first was seen to abort at exit: "terminate called without an
        # active exception")
        barrier(info)
    return ctx


class _StepBoundaryStop(Exception):
    """Internal: a deferred Ctrl-C reached the end of a whole step."""


def _refuse_if_complete(cfg: RunConfig, counters: ckpt.Counters, run_dir: Path) -> None:
    """Resuming a finished run must not train one step more each time it is asked."""
    from i2i.errors import RunComplete

    limit = cfg.train.max_steps
    if limit is not None and counters.global_step >= limit:
        raise RunComplete(f"{run_dir} is complete: step {counters.global_step} of "
                          f"--max-steps {limit}; raise --max-steps to train further")
    if counters.epoch >= cfg.total_epochs:
        raise RunComplete(f"{run_dir} is complete: epoch {counters.epoch} of "
                          f"{cfg.total_epochs}; raise --epochs to train further")


def clear_run_folder(run_dir: Path) -> None:
    """Empty an existing run folder for ``--overwrite`` (its lock file stays)."""
    import shutil

    from i2i.training.run_lock import LOCK_NAME

    if not run_dir.is_dir():
        return
    for entry in run_dir.iterdir():
        if entry.name == LOCK_NAME:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _restore_rank_state(method, payload: dict, info: DistInfo) -> None:
    """Each rank takes back its own RNG and image pools (each rank draws its own noise and
    keeps its own pool); a checkpoint from another world size gives every rank rank 0's."""
    ranks = payload.get("ranks")
    if info.enabled and ranks and len(ranks) == info.world_size:
        ckpt.restore_rng(ranks[info.rank]["rng"])
        method.load_extra_state(ranks[info.rank]["extra"])
        return
    if info.enabled and info.is_main:
        from i2i.console import warn

        warn(f"this checkpoint was not saved by {info.world_size} ranks: every rank "
             "continues from rank 0's random state, so the run will not match an "
             "uninterrupted one exactly")
    ckpt.restore_rng(payload["rng"])


def _restore(method, schedulers, scaler, payload: dict, path: Path) -> None:
    ckpt.load_nets(method, payload, path)
    for key, opt in method.optimizers.items():
        opt.load_state_dict(payload["optimizers"][key])
    for key, scheduler in schedulers.items():
        scheduler.load_state_dict(payload["schedulers"][key])
    if scaler is not None and payload.get("scaler"):
        scaler.load_state_dict(payload["scaler"])
    method.load_extra_state(payload.get("extra", {}))


def _sample_batch(cfg: RunConfig, cls) -> dict | None:
    """Fixed images for the sample grids: the test split if there is one, else train."""
    from i2i.errors import DataError

    for split in ("test", "train"):
        try:
            dataset = build_dataset(cfg.data, split, cls.paired, train=False)
        except DataError:
            continue
        return first_batch(dataset)
    return None
