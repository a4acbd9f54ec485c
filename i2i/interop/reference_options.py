"""The reference code's ``train_opt.txt``: parsed, and turned into i2i config settings.

The reference's ``BaseOptions.print_options`` writes one ``name: value`` line per option
between ``----------------- Options ---------------`` and ``----------------- End
-------------------``, with ``[default: x]`` after values that differ from the default.
:data:`OPTION_KEYS` says which i2i key each option becomes; options with no i2i meaning
(display ports, visdom, ...) are ignored. To carry one more option over, add its line
there (or a case to :func:`options_overlay` when its value needs more than a conversion);
the table in docs/reference-code.md lists them for users.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from i2i.errors import ConfigError

HEADER = re.compile(r"^-+ Options -+$")
_DEFAULT = re.compile(r"\s*\[default: .*\]\s*$")


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise ValueError(text)


def _not(text: str) -> bool:
    return not _bool(text)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


# F-LSeSim's VGG16 outputs in the order its --attn_layers count them (models/losses.py)
_SC_RELUS = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
             "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"]


def _attn_layers(text: str) -> list[str]:
    try:
        return [_SC_RELUS[i] for i in _ints(text)]
    except IndexError as err:
        raise ValueError(text) from err


def _patch_nums(text: str) -> int:
    return max(0, int(float(text)))  # theirs is a float; -1 (every position) is i2i's 0


# reference option -> (i2i config key, conversion). Older reference versions call
# n_epochs/n_epochs_decay niter/niter_decay; both are read.
OPTION_KEYS: dict[str, tuple[str, Callable]] = {
    "dataroot": ("data.root", str),
    "direction": ("data.direction", str),
    "load_size": ("data.load_size", int),
    "crop_size": ("data.crop_size", int),
    "preprocess": ("data.preprocess", str),
    "no_flip": ("data.flip", _not),
    "batch_size": ("data.batch_size", int),
    "serial_batches": ("data.serial_batches", _bool),
    "num_threads": ("data.num_workers", int),
    "lr": ("optim.lr", float),
    "beta1": ("optim.beta1", float),
    "beta2": ("optim.beta2", float),
    "n_epochs": ("schedule.n_epochs", int),
    "niter": ("schedule.n_epochs", int),
    "n_epochs_decay": ("schedule.n_epochs_decay", int),
    "niter_decay": ("schedule.n_epochs_decay", int),
    "lr_decay_iters": ("schedule.step_size", int),
    "gan_mode": ("loss.gan", str),
    "pool_size": ("train.pool_size", int),
    "init_type": ("train.init", str),
    "init_gain": ("train.init_gain", float),
    "lambda_A": ("loss.lambda_A", float),
    "lambda_B": ("loss.lambda_B", float),
    "lambda_identity": ("loss.identity", float),
    "lambda_L1": ("loss.lambda_recon", float),
    "lambda_GAN": ("loss.gan_weight", float),
    "flip_equivariance": ("loss.flip_equivariance", _bool),
    "ndf": ("discriminator.params.ndf", int),
    "n_layers_D": ("discriminator.params.n_layers", int),
    "lambda_NCE": ("loss.terms.patchnce.weight", float),
    "nce_layers": ("loss.terms.patchnce.params.layers", _ints),
    "num_patches": ("loss.terms.patchnce.params.num_patches", int),
    "nce_T": ("loss.terms.patchnce.params.temperature", float),
    "netF_nc": ("loss.terms.patchnce.params.mlp_channels", int),
    "lambda_spatial": ("loss.terms.scl.weight", float),
    "attn_layers": ("loss.terms.scl.params.layers", _attn_layers),
    "patch_nums": ("loss.terms.scl.params.num_patches", _patch_nums),
    "patch_size": ("loss.terms.scl.params.patch_size", int),
    "loss_mode": ("loss.terms.scl.params.mode", str),
    "use_norm": ("loss.terms.scl.params.use_norm", _bool),
    "learned_attn": ("loss.terms.scl.params.learned", _bool),
    "augment": ("loss.terms.scl.params.augment", _bool),
    "T": ("loss.terms.scl.params.temperature", float),
}
LR_POLICIES = {"lambda": "linear", "linear": "linear", "step": "step", "plateau": "plateau",
               "cosine": "cosine"}
NET_D = {"basic": "patchgan", "n_layers": "patchgan", "pixel": "pixel"}


def read_options(path: Path) -> dict[str, str]:
    """Option name -> value as written (a string) of a reference ``*_opt.txt``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err
    if not any(HEADER.match(line.strip()) for line in lines):
        raise ConfigError(f"{path} is not a reference options file (no '----- Options -----' "
                          "line); pass the train_opt.txt of the experiment, or remove it")
    options = {}
    for line in lines:
        name, sep, value = line.strip().partition(":")
        if sep and not name.startswith("-") and re.fullmatch(r"\w+", name):
            options[name] = _DEFAULT.sub("", value).strip()
    return options


def options_overlay(options: dict[str, str], method: str) -> dict:
    """The i2i config layer (nested dict) the reference options of a run amount to.

    Only options that i2i has and that the method reads go in; ``max_dataset_size`` of
    ``inf`` (the reference default) is no limit, which is i2i's default too."""
    flat: dict[str, object] = {}
    for name, (key, convert) in OPTION_KEYS.items():
        if name not in options or not _applies(key, method):
            continue
        try:
            flat[key] = convert(options[name])
        except ValueError as err:
            raise ConfigError(f"train_opt.txt: {name} is '{options[name]}', which i2i cannot "
                              f"read as {key}") from err
    if "lr_policy" in options:
        flat["schedule.policy"] = LR_POLICIES.get(options["lr_policy"], options["lr_policy"])
    if options.get("netD") in NET_D:
        flat["discriminator.name"] = NET_D[options["netD"]]
        if options["netD"] == "basic":
            flat["discriminator.params.n_layers"] = 3
        if options["netD"] == "pixel":
            flat.pop("discriminator.params.n_layers", None)
    if method in ("cut", "fastcut") and "nce_idt" in options:  # each NCE pass weighs 0.5
        flat["loss.identity"] = 0.5 if _bool(options["nce_idt"]) else 0.0
    size = options.get("max_dataset_size", "inf")
    if size.isdigit():
        flat["data.max_dataset_size"] = int(size)
    return _nest(flat)


def _applies(key: str, method: str) -> bool:
    """Method-specific loss settings go only to the method that reads them."""
    own = {"loss.lambda_A": "cyclegan", "loss.lambda_B": "cyclegan",
           "loss.lambda_recon": "pix2pix"}
    if key == "loss.identity":
        return method == "cyclegan"
    if key.startswith("loss.terms.patchnce") or key == "loss.flip_equivariance":
        return method in ("cut", "fastcut")
    if key.startswith("loss.terms.scl"):
        return method == "sc"
    return own.get(key, method) == method


def _nest(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out
