"""Configuration: dataclass defaults < method defaults < preset YAML < --config < --set.

Every layer is a nested dict merged into the one below; the result is validated into a
:class:`RunConfig`. Unknown keys and wrong types are one-line ``ConfigError``s that list the
valid choices. To add a setting, add a typed field (with ``choices`` metadata where the
values are a fixed set) to the section dataclass; the merge, the ``--set`` parser, the
validation and the saved ``config.yaml`` pick it up with no further code.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from i2i.errors import ConfigError

PRESET_DIR = Path(__file__).parent / "configs"


def _choices(*values: str, default: Any) -> Any:
    return field(default=default, metadata={"choices": values})


def _at_least(low: float, default: Any, *, above: bool = False, high: float | None = None) -> Any:
    """A number field checked against its range: ``>= low`` (``> low`` with ``above``)."""
    return field(default=default, metadata={"min": low, "above": above, "max": high})


@dataclass
class ComponentConfig:
    """A registered factory by name, with keyword parameters for it."""

    name: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class DiscriminatorConfig(ComponentConfig):
    """The discriminator, and PacGAN packing (Lin et al. 2018): with ``pack`` = m, the
    discriminator judges m samples of one kind (all real or all fake) concatenated along
    channels; its first layer is m times as wide and nothing else changes."""

    pack: int = _at_least(1, 1)


@dataclass
class EncoderConfig(ComponentConfig):
    """The image encoder of a multimodal method (BicycleGAN's E): a registered encoder
    (``register_encoders``) that maps an image to a Gaussian over ``latent_size`` numbers.
    Methods without a latent code build no encoder and ignore this block."""

    latent_size: int = _at_least(1, 8)


@dataclass
class DataConfig:
    root: str = "builtin:toy"
    load_size: int = _at_least(1, 286)
    crop_size: int = _at_least(16, 256)
    preprocess: str = _choices(
        "resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none",
        default="resize_and_crop",
    )
    flip: bool = True
    max_dataset_size: int | None = _at_least(1, None)
    serial_batches: bool = False
    batch_size: int = _at_least(1, 1)
    num_workers: int = _at_least(0, 2)
    pin_memory: bool = True
    direction: str = _choices("AtoB", "BtoA", default="AtoB")
    input_nc: int = _at_least(1, 3)
    output_nc: int = _at_least(1, 3)
    layout: str = _choices("auto", "unaligned", "aligned", "folders", default="auto")


@dataclass
class LossConfig:
    gan: str = "lsgan"
    gan_weight: float = _at_least(0, 1.0)
    cycle: str = "l1"
    lambda_A: float = _at_least(0, 10.0)
    lambda_B: float = _at_least(0, 10.0)
    identity: float = _at_least(0, 0.5)
    forward_cycle: bool = True
    backward_cycle: bool = True
    recon: str = "l1"
    lambda_recon: float = _at_least(0, 100.0)
    tv_weight: float = _at_least(0, 0.0)
    d_noise_std: float = _at_least(0, 0.0)
    gp_weight: float = _at_least(0, 10.0)
    flip_equivariance: bool = False  # one-sided methods (FastCUT): G must commute with flips
    # translation loss terms any method adds: {key: {weight, name, params}} (losses.terms)
    terms: dict = field(default_factory=dict)


@dataclass
class OptimConfig:
    lr: float = _at_least(0, 2e-4, above=True)
    beta1: float = _at_least(0, 0.5, high=0.9999)
    beta2: float = _at_least(0, 0.999, high=0.9999)
    fused: bool | None = None  # None: fused Adam where the device supports it


@dataclass
class ScheduleConfig:
    policy: str = _choices("linear", "step", "plateau", "cosine", default="linear")
    n_epochs: int = _at_least(0, 100)
    n_epochs_decay: int = _at_least(0, 100)
    step_size: int = _at_least(1, 50)
    gamma: float = _at_least(0, 0.1, above=True)


@dataclass
class TrainConfig:
    seed: int = 0
    pool_size: int = _at_least(0, 50)
    init: str = _choices("normal", "xavier", "kaiming", "orthogonal", default="normal")
    init_gain: float = _at_least(0, 0.02, above=True)
    device: str = "auto"
    gpus: int = _at_least(0, 0)
    precision: str = _choices("fp32", "bf16", "fp16", default="fp32")
    channels_last: bool = False
    # torch.compile every trained net (inductor: fused kernels; on a CPU it needs a C++
    # compiler). The step gets faster, the start slower by the compile (tens of seconds).
    compile: bool = False
    max_steps: int | None = _at_least(1, None)
    threads: int = _at_least(0, 0)  # CPU threads for torch; 0 keeps torch's default (all cores)
    log_every: int = _at_least(0, 10)
    sample_every: int = _at_least(0, 200)
    checkpoint_every: int = _at_least(0, 0)
    keep_last: int = _at_least(0, 3)
    eval_every: int = _at_least(0, 0)
    # trackers besides the run page (which is always written): names of registered
    # callbacks (``register_callbacks``), e.g. [tensorboard, wandb]; checked by name
    log: list = field(default_factory=list, metadata={"registry": "callbacks"})
    wandb_project: str = "i2i"
    wandb_name: str = ""  # empty: the run folder's name


# Settings only some methods read. A method lists the ones it reads in ``Method.reads``;
# the rest are left out of its saved config (``RunConfig.to_dict``) and refused when a layer
# sets them (``i2i.runs.check_method_reads``), as an unknown key is. To add one more
# method-specific setting: a field above, its dotted name here, and the name in the
# ``reads`` of every method that reads it (tests/test_method_settings.py checks them).
METHOD_SETTINGS = ("encoder", "loss.cycle", "loss.lambda_A", "loss.lambda_B", "loss.identity",
                   "loss.forward_cycle", "loss.backward_cycle", "loss.recon",
                   "loss.lambda_recon", "loss.tv_weight", "loss.flip_equivariance")


def unread_settings(method: str) -> list[str]:
    """The entries of METHOD_SETTINGS that ``method`` does not read (none for a method that
    declares no ``reads``, such as an older plugin's: its config keeps every setting)."""
    from i2i.plugins import get_registry

    reads = getattr(get_registry("methods").get(method), "reads", None)
    return [] if reads is None else [name for name in METHOD_SETTINGS if name not in reads]


@dataclass
class RunConfig:
    """Everything a run needs; saved as ``config.yaml`` and inside every checkpoint."""

    method: str = "cyclegan"
    name: str = ""
    out_dir: str = "runs"
    data: DataConfig = field(default_factory=DataConfig)
    generator: ComponentConfig = field(default_factory=lambda: ComponentConfig("resnet"))
    discriminator: DiscriminatorConfig = field(
        default_factory=lambda: DiscriminatorConfig("patchgan"))
    encoder: EncoderConfig = field(default_factory=lambda: EncoderConfig("resnet"))
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    # settings of the method itself (CoGAN's translate_steps, ...): each method declares
    # its own in ``Method.options`` with defaults; unknown keys are refused by name
    options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The settings as saved (``config.yaml``, checkpoints): everything but the
        method-specific settings this run's method does not read."""
        data = dataclasses.asdict(self)
        for name in unread_settings(self.method):
            section, _, key = name.partition(".")
            if key:
                data[section].pop(key, None)
            else:
                data.pop(section, None)
        return data

    @property
    def total_epochs(self) -> int:
        return self.schedule.n_epochs + self.schedule.n_epochs_decay


# ----------------------------------------------------------------------------- layers


def load_yaml(path: str | Path) -> dict:
    """A YAML mapping from a file, or a one-line error."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as err:
        raise ConfigError(f"{p} is not UTF-8 text (byte {err.start}); save it as UTF-8") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{p} is not valid YAML{where}; fix the syntax") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{p} must hold a mapping of settings, not {type(data).__name__}")
    return data


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_preset(name: str) -> dict:
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown preset '{name}'; choose one of: {', '.join(preset_names())}")
    return load_yaml(path)


def parse_override(text: str) -> dict:
    """``a.b.c=value`` -> ``{"a": {"b": {"c": value}}}``; the value is parsed as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects key.path=value, got '{text}'")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    out: dict = {}
    node = out
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def merge(base: dict, layer: dict) -> dict:
    """Deep-merge ``layer`` into a copy of ``base``.

    A component block (one with ``name`` and ``params``) whose name the layer changes starts
    from empty params, since the old factory's parameters mean nothing to the new one.
    """
    out = copy.deepcopy(base)
    for key, value in layer.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            if _is_component(old) and "name" in value and value["name"] != old.get("name"):
                old = {**old, "params": {}}
            out[key] = merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_component(d: dict) -> bool:
    return {"name", "params"} <= set(d)  # the discriminator block also has ``pack``


# ----------------------------------------------------------------------------- validation


def from_dict(cls: type, data: dict, where: str = "") -> Any:
    """Build dataclass ``cls`` from ``data``, checking keys, types and choices."""
    if not isinstance(data, dict):
        raise ConfigError(f"'{where or 'config'}' must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        path = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(f"unknown setting '{path}'; valid keys here: {', '.join(fields)}")
    kwargs = {}
    for name, value in data.items():
        path = f"{where}.{name}" if where else name
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = from_dict(hint, value, path)
            continue
        kwargs[name] = _check_type(value, hint, path)
        choices = fields[name].metadata.get("choices")
        if choices and kwargs[name] not in choices:
            raise ConfigError(f"'{path}' is {value!r}; choose one of: {', '.join(choices)}")
        _check_range(kwargs[name], fields[name].metadata, path)
    return cls(**kwargs)


def check_finite(value: Any, path: str = "") -> None:
    """No number anywhere in ``value`` (nested dicts and lists: sections, component params,
    method options, loss terms) is NaN or infinite. YAML reads ``.nan`` and ``.inf`` as
    floats, which pass every range check (NaN compares false) and then train NaNs."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_finite(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"'{path}' is {value!r}; give a finite number")


def _check_range(value: Any, meta: Any, path: str) -> None:
    if value is None or "min" not in meta:
        return
    low, high = meta["min"], meta["max"]
    too_low = value <= low if meta["above"] else value < low
    if too_low or (high is not None and value > high):
        want = f"> {low}" if meta["above"] else f">= {low}"
        want += f" and <= {high}" if high is not None else ""
        raise ConfigError(f"'{path}' is {value!r}; it must be {want}")


def check_run_name(name: str) -> None:
    """A run name is one folder name: it may not climb out of, or nest inside, --out-dir."""
    if not name:
        return
    bad = ("/" in name or "\\" in name or name in (".", "..") or "\0" in name
           or Path(name).is_absolute() or name.startswith("~"))
    if bad:
        raise ConfigError(f"run name '{name}' must be a single folder name (no '/', '..' or "
                          "absolute path); put the parent folder in --out-dir instead")


def _check_type(value: Any, hint: Any, path: str) -> Any:
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    if value is None and type(None) in options:
        return None
    for option in options:
        if option is type(None):
            continue
        origin = typing.get_origin(option) or option
        if origin is bool and isinstance(value, bool):
            return value
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if origin is str and isinstance(value, str):
            return value
        if origin is dict and isinstance(value, dict):
            return value
        if origin in (list, tuple) and isinstance(value, (list, tuple)):
            return list(value)
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    raise ConfigError(f"'{path}' must be {names}, got {value!r}")


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def check_factory_params(factory: Any, params: dict, where: str, skip: int = 0) -> None:
    """Check ``params`` against the factory's keyword parameters.

    ``skip`` positional parameters (like ``input_nc``) are supplied by i2i, not the user.
    """
    sig = inspect.signature(factory)
    accepted = list(sig.parameters.values())[skip:]
    if any(p.kind is p.VAR_KEYWORD for p in accepted):
        return
    valid = {p.name: p for p in accepted}
    for key, value in params.items():
        if key not in valid:
            names = ", ".join(valid) or "(none)"
            raise ConfigError(f"unknown parameter '{where}.params.{key}'; valid: {names}")
        default = valid[key].default
        if default is not inspect.Parameter.empty and default is not None and value is not None:
            _check_type(value, type(default), f"{where}.params.{key}")


def build_config(layers: list[dict], check_names: bool = True) -> RunConfig:
    """Merge the layers (lowest first) onto the dataclass defaults and validate.

    ``check_names`` also checks settings that name registered plugins (``train.log``).
    """
    merged = dataclasses.asdict(RunConfig())  # every field: the layers go on top
    for layer in layers:
        merged = merge(merged, layer)
    check_finite(merged)
    cfg = from_dict(RunConfig, merged)
    if check_names:
        check_registered_names(cfg)
    return cfg


def check_registered_names(cfg: RunConfig) -> None:
    """Every field with ``registry`` metadata holds a list of names registered of that kind.

    Duplicates are dropped (first kept); an unknown name lists the valid ones.
    """
    from i2i.plugins import get_registry

    for section in dataclasses.fields(cfg):
        block = getattr(cfg, section.name)
        if not dataclasses.is_dataclass(block):
            continue
        for f in dataclasses.fields(block):
            kind = f.metadata.get("registry")
            if kind is None:
                continue
            names = getattr(block, f.name)
            valid = get_registry(kind)
            for name in names:
                if not isinstance(name, str) or name not in valid:
                    choices = ", ".join(sorted(valid)) or "(none)"
                    raise ConfigError(f"'{section.name}.{f.name}' names {name!r}, which is not "
                                      f"a registered {kind[:-1]}; choose from: {choices}")
            setattr(block, f.name, list(dict.fromkeys(names)))


def to_yaml(cfg: RunConfig) -> str:
    return yaml.safe_dump(cfg.to_dict(), sort_keys=False)


def from_saved(data: dict) -> RunConfig:
    """A RunConfig from a saved ``config.yaml``/checkpoint dict (validated), for using a
    trained run: plugin names only training needs (``train.log``) are not checked, so a
    logger plugin uninstalled since does not stop ``translate``."""
    return build_config([data], check_names=False)
