"""``i2i import``: reference-code generators (and their ``train_opt.txt``) -> an i2i run.

The run is an ordinary run folder: ``config.yaml`` and one checkpoint in the format of
:mod:`i2i.training.checkpoint` (config, the generators' weights, empty optimiser state),
written into a temporary sibling folder that is renamed into place only when complete, so
a failed import leaves no run folder behind. ``i2i translate`` and ``i2i evaluate`` load it
like any run.

A run from one generator file (a pix2pix or CUT generator, the official pretrained
CycleGAN models, a reference ``--model test`` experiment) is one-directional. Such a
CycleGAN run keeps the method ``cyclegan`` and lists its missing generator in the
checkpoint's ``absent_nets``; loading drops that net and its direction
(:func:`i2i.training.checkpoint.load_nets`), so translating the other way is a one-line
error, while the run's method, config and inference behaviour stay CycleGAN's. (A separate
one-generator method would duplicate CycleGAN's inference and hide where the run came
from.) An imported run holds no optimiser state, so it translates and evaluates but does
not resume training.

To accept one more reference code base, add it to :data:`SOURCES` (see the package
docstring).
"""

from __future__ import annotations

from pathlib import Path

from i2i.errors import CheckpointError, ConfigError, OutputError
from i2i.interop.reference_names import Generator, read_generator
from i2i.interop.reference_options import options_overlay, read_options
from i2i.interop.run_writer import ImportedRun, write_run

#: --from name -> the i2i method of its generators (None: told by train_opt.txt/tensors)
SOURCES: dict[str, str | None] = {"junyanz": None, "cut": "cut", "fastcut": "fastcut",
                                  "sc": "sc"}
REFERENCE_MODELS = {"cycle_gan": "cyclegan", "pix2pix": "pix2pix", "test": "cyclegan",
                    "cut": "cut", "sc": "sc"}
OPTIONS_FILES = ("train_opt.txt", "opt.txt")
#: the net key each reference file name stands for
FILE_KEYS = ("G_A", "G_B", "G")


def import_generator_file(path: Path, source: str, out_dir: Path, *, method: str | None = None,
                          direction: str | None = None, options_file: Path | None = None,
                          hints: dict | None = None) -> ImportedRun:
    """One reference generator file -> a one-direction run at ``out_dir``.

    Args:
        path: a ``.pth`` state dict (``latest_net_G.pth``, ``horse2zebra.pth``, ...).
        source: a key of :data:`SOURCES` (``junyanz``, ``cut``, ``fastcut``, ``sc``).
        out_dir: the run folder to create; it must not exist or be empty.
        method: the i2i method (default: from ``source``, ``train_opt.txt`` or the tensors:
            a U-Net is pix2pix, a ResNet CycleGAN).
        direction: which way the generator translates in the run, "AtoB" or "BtoA" (only
            CycleGAN has both); default BtoA for a ``*net_G_B.pth`` file, else AtoB.
        options_file: the experiment's ``train_opt.txt`` (default: one next to ``path``).
        hints: what neither tensors nor options tell: ``dropout`` (bool: a U-Net's
            dropout), ``data`` (the dataset folder, for ``i2i evaluate``).
    """
    check_source(source)
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"generator file not found: {path}")
    key = _file_key(path)
    if direction is None:
        direction = "BtoA" if key == "G_B" else "AtoB"
    if direction not in ("AtoB", "BtoA"):
        raise ConfigError(f"--direction is '{direction}'; choose AtoB or BtoA")
    if options_file is None:
        options_file = _options_next_to(path.parent)
    return _import({direction: path}, source, Path(out_dir), method, options_file,
                   hints or {})


def import_experiment(folder: Path, source: str, out_dir: Path, *, epoch: str = "latest",
                      method: str | None = None, hints: dict | None = None) -> ImportedRun:
    """A reference experiment folder (``checkpoints/NAME``) -> a run at ``out_dir``: both
    directions from ``{epoch}_net_G_A.pth`` and ``{epoch}_net_G_B.pth``, else the one
    ``{epoch}_net_G.pth`` (or a lone G_A/G_B); ``train_opt.txt`` when present."""
    check_source(source)
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"experiment folder not found: {folder}")
    if not (epoch == "latest" or epoch.isdigit()):
        raise ConfigError(f"--epoch is '{epoch}'; give latest or an epoch number")
    found = {k: folder / f"{epoch}_net_{k}.pth" for k in FILE_KEYS}
    found = {k: p for k, p in found.items() if p.is_file()}
    if "G_A" in found or "G_B" in found:
        files = {("AtoB" if k == "G_A" else "BtoA"): p for k, p in found.items() if k != "G"}
    elif "G" in found:
        files = {"AtoB": found["G"]}
    else:
        epochs = sorted({p.name.split("_net_")[0] for p in folder.glob("*_net_G*.pth")})
        have = f"; epochs there: {', '.join(epochs)}" if epochs else \
            " (no *_net_G*.pth files at all)"
        raise CheckpointError(f"{folder} has no {epoch}_net_G_A.pth, {epoch}_net_G_B.pth or "
                              f"{epoch}_net_G.pth{have}")
    return _import(files, source, Path(out_dir), method, _options_next_to(folder),
                   hints or {}, epoch)


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise ConfigError(f"unknown --from '{source}'; choose one of: {', '.join(SOURCES)}")


def check_out_dir(out_dir: Path) -> None:
    """Refuse an existing file or non-empty folder (nothing of the user's is replaced)."""
    from i2i.outputs import check_output_dir

    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is a file; give a new run folder")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise OutputError(f"--out {out_dir} already exists and is not empty; give a new run "
                          "folder")
    check_output_dir(out_dir)


def _file_key(path: Path) -> str:
    stem = path.stem
    return next((k for k in ("G_A", "G_B") if stem.endswith(f"net_{k}")), "G")


def _options_next_to(folder: Path) -> Path | None:
    return next((folder / n for n in OPTIONS_FILES if (folder / n).is_file()), None)


def _import(files: dict[str, Path], source: str, out_dir: Path, method: str | None,
            options_file: Path | None, hints: dict, epoch: str = "latest") -> ImportedRun:
    check_out_dir(out_dir)
    options = read_options(options_file) if options_file else {}
    gens = {d: read_generator(_load(p), str(p)) for d, p in files.items()}
    first = next(iter(gens.values()))
    method = _method(source, method, options, first, len(gens))
    if method != "cyclegan" and "BtoA" in gens:
        raise ConfigError(f"{method} has one generator, which translates AtoB; import the "
                          "file without --direction BtoA")
    dropout = _dropout(first, options, hints, files)
    for d, gen in gens.items():
        _check_agrees(gen, options, dropout, files[d])
    _check_pair(gens, files)
    cfg = _config(method, first, gens, dropout, options, hints, out_dir)
    return write_run(cfg, gens, out_dir, epoch, {
        "source": source, "files": [str(p) for p in files.values()],
        "options_file": str(options_file) if options_file else None},
        first.describe(), options_file)


def _load(path: Path):
    from i2i.training.checkpoint import safe_load

    return safe_load(path, what="generator file")


def _method(source: str, method: str | None, options: dict, gen: Generator, n: int) -> str:
    """The i2i method: --model, else the source's, else train_opt.txt's, else by tensors."""
    from i2i.plugins import lookup

    if method:
        lookup("methods", method)  # an unknown name lists the valid ones
        return method
    model = options.get("model")
    if SOURCES[source] is not None:
        if source in ("cut", "fastcut") and options.get("CUT_mode"):
            return "fastcut" if options["CUT_mode"].lower() == "fastcut" else "cut"
        return SOURCES[source]
    if model is not None:
        if model not in REFERENCE_MODELS:
            raise ConfigError(f"train_opt.txt names --model {model}, which i2i cannot import; "
                              "pass --model with the i2i method to use")
        return REFERENCE_MODELS[model]
    return "pix2pix" if gen.name == "unet" and n == 1 else "cyclegan"


def _dropout(gen: Generator, options: dict, hints: dict, files: dict) -> bool:
    if "dropout" not in gen.unknown:
        return gen.params["dropout"]
    if hints.get("dropout") is not None:
        return bool(hints["dropout"])
    if "no_dropout" in options:
        return options["no_dropout"].lower() != "true"
    name = next(iter(files.values())).name
    raise ConfigError(f"{name} is a U-Net, whose dropout its tensors do not show, and there "
                      "is no train_opt.txt; pass --dropout (pix2pix's default) or --no-dropout")


def _check_agrees(gen: Generator, options: dict, dropout: bool, path: Path) -> None:
    """What train_opt.txt says of the generator must be what the file holds."""
    said = {"ngf": options.get("ngf"), "norm": options.get("normG", options.get("norm"))}
    net = options.get("netG", "")
    if net.startswith("resnet_") and net.endswith("blocks"):
        said["n_blocks"], kind = net[len("resnet_"):-len("blocks")], "resnet"
    elif net in ("unet_128", "unet_256"):
        said["num_downs"], kind = ("7" if net == "unet_128" else "8"), "unet"
    else:
        kind = gen.name
    mismatch = kind != gen.name or any(
        value is not None and str(gen.params.get(k)) != value for k, value in said.items())
    if "no_dropout" in options and gen.name == "resnet":
        mismatch |= (options["no_dropout"].lower() == "true") == dropout
    if mismatch:
        raise ConfigError(f"train_opt.txt describes another generator (--netG {net or '?'}, "
                          f"--ngf {said['ngf']}, --norm {said['norm']}) than {path.name} holds "
                          f"({gen.describe()}); is it from another experiment?")


def _check_pair(gens: dict, files: dict) -> None:
    if len(gens) < 2:
        return
    a, b = gens["AtoB"], gens["BtoA"]
    if a.name != b.name or a.params != b.params or (a.input_nc, a.output_nc) != (
            b.output_nc, b.input_nc):
        raise CheckpointError(f"{files['AtoB'].name} ({a.describe()}) and "
                              f"{files['BtoA'].name} ({b.describe()}) are not a CycleGAN pair")


def _config(method: str, first: Generator, gens: dict, dropout: bool, options: dict,
            hints: dict, out_dir: Path):
    from i2i.config import build_config
    from i2i.plugins import lookup

    in_nc, out_nc = (first.input_nc, first.output_nc) if "AtoB" in gens else \
        (first.output_nc, first.input_nc)
    overlay = options_overlay(options, method)
    if hints.get("data"):
        # absolute, like train's: evaluate then finds it from any working folder
        given = str(hints["data"])
        overlay.setdefault("data", {})["root"] = (
            given if given.startswith("builtin:") else str(Path(given).expanduser().resolve()))
    elif "root" not in overlay.get("data", {}):
        # no dataset known: a root that names the fix, so `i2i evaluate` says what to do
        overlay.setdefault("data", {})["root"] = "(unknown: import again with --data DIR)"
    top = {"method": method, "name": out_dir.name, "out_dir": str(out_dir.parent),
           "data": {"input_nc": in_nc, "output_nc": out_nc},
           "generator": {"name": first.name, "params": {**first.params, "dropout": dropout}}}
    try:
        return build_config([lookup("methods", method).default_config(), overlay, top])
    except ConfigError as err:
        raise ConfigError(f"train_opt.txt does not fit {method}: {err}") from None
