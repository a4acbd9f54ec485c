"""Run folders: naming, creating, resolving configs for ``train``, loading for ``translate``.

A run folder holds ``config.yaml``, ``checkpoints/``, ``samples/``, ``log.jsonl``,
``loss.png`` and ``index.html``. A checkpoint carries the resolved config, so a run (or a
bare checkpoint file) is all that translation needs.
"""

from __future__ import annotations

from pathlib import Path

import torch

from i2i.config import (
    METHOD_SETTINGS,
    RunConfig,
    build_config,
    check_run_name,
    from_saved,
    load_preset,
    load_yaml,
    parse_override,
    unread_settings,
)
from i2i.errors import CheckpointError, ConfigError, OutputError
from i2i.training.run_lock import LOCK_NAME


def resolve_train_config(method: str | None, preset: str | None, config_file: str | None,
                         cli_layer: dict, overrides: list[str]) -> RunConfig:
    """defaults < method defaults < preset < --config < command-line options < --set."""
    from i2i.plugins import lookup

    user = load_yaml(config_file) if config_file else {}
    preset_layer = load_preset(preset) if preset else {}
    sets = [parse_override(s) for s in overrides]
    chosen = method
    if chosen is None:
        for layer in (preset_layer, user, *sets):
            chosen = layer.get("method", chosen)
    if not chosen:
        raise ConfigError("name a method, e.g. `i2i train cyclegan --data DIR` (or set "
                          "`method:` in --config)")
    if method and any(layer.get("method", method) != method for layer in (user, *sets)):
        raise ConfigError(f"the method is given as '{method}' and also differently in "
                          "--config/--set; give it once")
    cls = lookup("methods", chosen)
    upper = [preset_layer, user, cli_layer, *sets, {"method": chosen}]
    check_method_reads(chosen, [cls.default_config(), *upper])
    base = [cls.default_config()]
    root = build_config(base + upper).data.root
    check_builtin_task(chosen, bool(getattr(cls, "paired", False)), root)
    base.append(cls.fit_data_defaults(data_defaults(root)))
    return build_config(base + upper)


# What training and evaluation write into a run folder (callbacks.LOG_FILE and SAMPLES_DIR,
# checkpoint.CHECKPOINT_DIR, the run page and its plots, the trackers' folders, the kept
# evaluation translations); anything else there is the user's.
RUN_ENTRIES = frozenset({"config.yaml", "checkpoints", "samples", "log.jsonl", "index.html",
                         "loss.png", "metrics.png", "tensorboard", "wandb", "eval",
                         LOCK_NAME})


def check_restartable(run_dir: Path) -> None:
    """A run that saved no checkpoint is started again from step 0, which empties its
    folder: refused while the folder holds anything i2i did not write there."""
    foreign = sorted(p.name for p in run_dir.iterdir()
                     if p.name not in RUN_ENTRIES and not p.name.endswith(".tmp"))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise OutputError(f"{run_dir} holds no checkpoint to resume, and files i2i did not "
                          f"write ({shown}); move them out to start it again from step 0, "
                          "or train under a new --name")


def check_method_reads(method: str, layers: list[dict]) -> None:
    """A layer that sets a method-specific setting ``method`` does not read (CycleGAN's
    ``loss.lambda_A`` on a CUT run) is refused by name, as an unknown key is."""
    unread = unread_settings(method)
    for layer in layers:
        for name in unread:
            section, _, key = name.partition(".")
            block = layer.get(section)
            if block is not None and (not key or (isinstance(block, dict) and key in block)):
                reads = [s for s in METHOD_SETTINGS if s not in unread] or ["none of them"]
                raise ConfigError(f"{method} does not read '{name}'; drop it (of the "
                                  f"method-specific settings it reads: {', '.join(reads)})")


def check_builtin_task(method: str, paired: bool, root: str) -> None:
    """A paired method on an unpaired builtin source (pix2pix on builtin:toy) is one line
    that names a source that fits, before that source's config overlay turns into an
    unknown-parameter error."""
    from i2i.data.builtin import BuiltinSource
    from i2i.data.datasets import BUILTIN_PREFIX
    from i2i.errors import DataError
    from i2i.plugins import get_registry

    if not paired or not root.startswith(BUILTIN_PREFIX):
        return  # unpaired methods read paired sources' trainA/ trainB/ too
    name = root[len(BUILTIN_PREFIX):].split("/", 1)[0]
    sources = {k: v for k, v in get_registry("datasets").items()
               if isinstance(v, BuiltinSource)}
    entry = sources.get(name)
    if entry is None or entry.task == "paired":
        return
    fits = [f"builtin:{k}" for k, v in sorted(sources.items()) if v.task == "paired"]
    instead = f"use {' or '.join(fits)}" if fits else "give a folder of paired data"
    raise DataError(f"{method} trains on paired data and builtin:{name} is {entry.task}; "
                    f"{instead}")


def data_defaults(root: str) -> dict:
    """The config overlay a builtin data source asks for (empty for folders)."""
    from i2i.data.builtin import BuiltinSource
    from i2i.data.datasets import BUILTIN_PREFIX
    from i2i.plugins import get_registry

    if not root.startswith(BUILTIN_PREFIX):
        return {}
    name = root[len(BUILTIN_PREFIX):].split("/", 1)[0]
    entry = get_registry("datasets").get(name)
    return entry.defaults if isinstance(entry, BuiltinSource) else {}


def default_run_name(cfg: RunConfig) -> str:
    root = cfg.data.root.rstrip("/")
    stem = root.split(":", 1)[1] if root.startswith("builtin:") else Path(root).name
    return f"{cfg.method}_{stem or 'data'}"


def check_run_dir(cfg: RunConfig, overwrite: bool) -> tuple[Path, bool]:
    """(run folder for a new run, whether an existing run there is to be replaced).

    An existing run is an error unless ``overwrite``; a non-empty folder that is not an
    i2i run is never replaced. Nothing is deleted here: the training loop empties the
    folder only once everything it needs has been built.
    """
    from i2i.outputs import check_output_dir

    check_run_name(cfg.name)  # here, not in the config: older runs' names still load
    check_output_dir(Path(cfg.out_dir), "--out-dir")  # a file in the way, a read-only place
    run_dir = Path(cfg.out_dir) / (cfg.name or default_run_name(cfg))
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is a file, not a run folder; pick another --name")
    occupied = run_dir.is_dir() and any(p.name != LOCK_NAME for p in run_dir.iterdir())
    if occupied:
        if not overwrite:
            raise ConfigError(
                f"run folder {run_dir} already exists; continue it with `--resume {run_dir}`, "
                "pick another --name, or pass --overwrite"
            )
        if not (run_dir / "config.yaml").is_file():
            raise ConfigError(f"{run_dir} is not an i2i run folder; refusing to overwrite it")
    return run_dir, occupied


FIXED_ON_RESUME = ("crop_size", "load_size", "input_nc", "output_nc")


def load_run_config(run_dir: Path, cli_layer: dict | None = None,
                    overrides: list[str] = ()) -> RunConfig:
    """A run's saved config, with command-line options and --set applied on top."""
    path = run_dir / "config.yaml"
    if not path.is_file():
        raise CheckpointError(f"{run_dir} is not a run folder (no config.yaml)")
    saved = load_yaml(path)
    given = [cli_layer or {}, *(parse_override(s) for s in overrides)]
    # what the run saved is not checked: runs saved before METHOD_SETTINGS held every slot
    check_method_reads(str(saved.get("method", "")), given)
    cfg = build_config([saved, *given])
    before = build_config([saved]).data
    for key in FIXED_ON_RESUME:  # the nets and image pools hold tensors of these shapes
        if getattr(cfg.data, key) != getattr(before, key):
            raise ConfigError(f"{run_dir} was trained with data.{key} "
                              f"{getattr(before, key)}; a resumed run keeps it (got "
                              f"{getattr(cfg.data, key)}): drop the option, or train a new "
                              "run under another --name")
    return cfg


def find_checkpoint(run: Path, checkpoint: str | None) -> tuple[Path, dict]:
    """(path, payload) of a checkpoint from a run folder (latest, or by name), a file, or a
    downloaded catalog model's name."""
    from i2i.training.checkpoint import (
        CHECKPOINT_DIR,
        list_checkpoints,
        load_checkpoint,
        load_latest,
    )
    from i2i.zoo.model_runs import model_hint, run_for, shadowed_model

    run = run_for(run)  # a catalog model's name (i2i download --model NAME) gives its run
    if run.is_file():
        return run, load_checkpoint(run)
    if not run.is_dir():
        raise CheckpointError(f"run not found: {run}{model_hint(run)}")
    if checkpoint:
        for candidate in (Path(checkpoint), run / CHECKPOINT_DIR / checkpoint,
                          run / CHECKPOINT_DIR / f"{checkpoint}.pt"):
            if candidate.is_file():
                return candidate, load_checkpoint(candidate)
        names = ", ".join(p.name for p in list_checkpoints(run)) or "(none)"
        raise CheckpointError(f"no checkpoint '{checkpoint}' in {run}; available: {names}")
    latest = load_latest(run)
    if latest is None:
        raise CheckpointError(f"{run} has no checkpoints yet; train it first"
                              f"{shadowed_model(run)}")
    return latest


def load_for_inference(run: Path, checkpoint: str | None, device: torch.device,
                       eval_mode: bool = False):
    """(method with generators loaded, in inference mode; its config; checkpoint path).

    ``eval_mode`` forces ``net.eval()`` (running batch-norm statistics, no dropout) instead
    of the method's own test mode, like the reference code's ``--eval``.
    """
    from i2i.plugins import lookup
    from i2i.training.checkpoint import load_nets

    path, payload = find_checkpoint(run, checkpoint)
    cfg = from_saved(payload["config"])
    cfg.train.device = str(device)
    cls = lookup("methods", payload["method"])
    method = cls(cfg, device, training=False)
    load_nets(method, payload, path)
    if eval_mode:
        for net in method.nets.values():
            net.eval()
    else:
        method.inference_mode()
    return method, cfg, path
