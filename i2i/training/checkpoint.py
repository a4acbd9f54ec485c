"""Checkpoints: one file each, written atomically, loaded with ``weights_only=True``.

A checkpoint holds the resolved config, every net, optimiser, scheduler and GradScaler,
the method's extra state (image pools), all RNG states and the counters, so a resumed run
continues the same schedule exactly. Only tensors and plain Python values go in, which is
what lets ``weights_only=True`` load it: a checkpoint can never run code.
"""

from __future__ import annotations

import os
import pickle
import random
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from i2i.errors import CheckpointError
from i2i.images import finish_atomic
from i2i.outputs import disk_full, is_disk_full, temp_prefix

FORMAT = "i2i-checkpoint/1"
CHECKPOINT_DIR = "checkpoints"
LATEST = "latest.txt"
_NAME = re.compile(r"^(epoch|step)_(\d+)\.pt$")


@dataclass
class Counters:
    """Where training stands: epochs finished, batches done in the current epoch, steps."""

    epoch: int = 0
    epoch_step: int = 0
    global_step: int = 0
    epoch_loss_sum: float = 0.0


def capture_rng() -> dict:
    np_state = np.random.get_state()
    state = {
        "python": _py_state(random.getstate()),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _py_state(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def save_checkpoint(path: Path, payload: dict) -> None:
    """torch.save to a temp file in the same folder, then rename over ``path``.

    The temp name carries the pid (:func:`i2i.outputs.temp_prefix`), so the next start
    can sweep what a killed save left. A full disk is one line with the space needed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        finish_atomic(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if _out_of_space(err, path, _payload_bytes(payload)):
            raise disk_full(path, _payload_bytes(payload),
                            "; then `i2i train --resume` continues from the last checkpoint"
                            ) from None
        raise


def _out_of_space(err: BaseException, path: Path, needed: int) -> bool:
    """ENOSPC, or torch's own writer failing (a RuntimeError, not an OSError) while the
    folder has less free space than the checkpoint needs."""
    import shutil

    if is_disk_full(err) or is_disk_full(err.__cause__ or err.__context__):
        return True
    if isinstance(err, RuntimeError) and "write" in str(err).lower():
        try:
            return shutil.disk_usage(path.parent).free < needed
        except OSError:
            return False
    return False


def _payload_bytes(payload) -> int:
    """Roughly what a checkpoint takes on disk: the bytes of its tensors."""
    if isinstance(payload, torch.Tensor):
        return payload.numel() * payload.element_size()
    if isinstance(payload, dict):
        return sum(_payload_bytes(v) for v in payload.values())
    if isinstance(payload, (list, tuple)):
        return sum(_payload_bytes(v) for v in payload)
    return 0


def build_payload(method, schedulers: dict, counters: Counters, config: dict,
                  scaler=None) -> dict:
    from i2i import __version__

    return {
        "format": FORMAT,
        "i2i_version": __version__,
        "method": method.name,
        "config": config,
        "nets": {k: _bare(v).state_dict() for k, v in method.nets.items()},
        "optimizers": {k: v.state_dict() for k, v in method.optimizers.items()},
        "schedulers": {k: v.state_dict() for k, v in schedulers.items()},
        "scaler": scaler.state_dict() if scaler is not None else {},
        "extra": method.extra_state(),
        "rng": capture_rng(),
        "counters": asdict(counters),
    }


def _bare(net):
    return getattr(net, "module", net)


def load_checkpoint(path: Path, map_location="cpu", mmap: bool = False) -> dict:
    """Load safely; a file that is not an i2i checkpoint is a one-line error."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    payload = safe_load(path, map_location, mmap)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an i2i checkpoint; pick one in a run's checkpoints/")
    return payload


def safe_load(path: Path, map_location="cpu", mmap: bool = False, what: str = "checkpoint"):
    """``torch.load(weights_only=True)`` of any file (an i2i checkpoint, a reference state
    dict); a file it refuses or cannot read is a one-line error."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as err:  # corrupt, truncated, or a pickle that needs code
        raise CheckpointError(f"cannot load {what} {path}: {_load_failure(err)}") from err


def _load_failure(err: Exception) -> str:
    """Why torch.load failed, in words a user can act on (torch's text is about pickles)."""
    text = str(err)
    if "Unsupported operand" in text:  # bytes that are no pickle torch can read at all
        return "it is not a PyTorch weights file (a text file, or a pickle not made by torch.save?)"
    if "Weights only load failed" in text or "Unsupported global" in text:
        return ("it holds Python objects, not only tensors, so it could run code when "
                "loaded; i2i refuses such files")
    if isinstance(err, EOFError) or "central directory" in text or "zip archive" in text \
            or "failed finding" in text or "truncated" in text.lower():
        return "the file is truncated or corrupt (an interrupted copy or save?)"
    if isinstance(err, (KeyError, IndexError, pickle.UnpicklingError)):
        # torch's unpickler on bytes that only start like a pickle: '101', 'pop from
        # empty list', ...
        return "it is not a PyTorch weights file (a text file, or a pickle not made by torch.save?)"
    first = text.strip().splitlines()[0][:120] if text.strip() else type(err).__name__
    return first


def load_nets(method, payload: dict, path: Path) -> None:
    """Load net weights, turning a method/architecture mismatch into a clear error.

    Nets the checkpoint lists in ``absent_nets`` (the missing generator of a one-direction
    run imported from reference code) are dropped from the method, and so are the
    directions they translate, when it translates; a training method needs them all."""
    if payload["method"] != method.name:
        raise CheckpointError(
            f"{path} is a '{payload['method']}' checkpoint, not '{method.name}'"
        )
    absent = set(payload.get("absent_nets", ()))
    if absent and not method.training:
        for key in absent:
            method.nets.pop(key, None)
        method.generator_for = {d: k for d, k in method.generator_for.items()
                                if k not in absent}
    for key, net in method.nets.items():
        if key not in payload["nets"]:
            if payload.get("imported"):
                raise CheckpointError(f"{path} was imported from reference code and holds "
                                      "generator weights only; it can translate and be "
                                      "evaluated, not resume training")
            raise CheckpointError(f"{path} has no weights for '{key}'")
        try:
            _bare(net).load_state_dict(payload["nets"][key])
        except RuntimeError as err:
            raise CheckpointError(
                f"{path} does not fit the configured architecture of '{key}' "
                "(different generator/discriminator settings); use the run's own config"
            ) from err


def _named_checkpoints(run_dir: Path) -> list[Path]:
    folder = run_dir / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if _NAME.match(p.name) and p.is_file()]


def has_checkpoints(run_dir: Path) -> bool:
    """Whether a run holds any checkpoint file at all, readable or not (a start that failed
    or was stopped before its first save holds none)."""
    return bool(_named_checkpoints(run_dir))


def checkpoint_step(path: Path) -> int | None:
    """The global step a checkpoint was saved at (read from the file), None if unreadable."""
    try:
        return int(load_checkpoint(path, mmap=True)["counters"]["global_step"])
    except (CheckpointError, KeyError, TypeError, ValueError):
        return None


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Readable checkpoints of a run, oldest first by the training step saved inside.

    Names cannot order them (``epoch_0002`` and ``step_0000400`` count different things)
    and neither can mtimes (a copy or a ``touch`` changes them), so the step is read from
    each file; an epoch file sorts after the step file of the same step.
    """
    found = []
    for p in _named_checkpoints(run_dir):
        step = checkpoint_step(p)
        if step is not None:
            found.append((step, 0 if p.name.startswith("step_") else 1, p.name, p))
    return [p for *_, p in sorted(found)]


def checkpoint_name(kind: str, number: int) -> str:
    return f"{kind}_{number:07d}.pt" if kind == "step" else f"{kind}_{number:04d}.pt"


def _named_latest(run_dir: Path) -> Path | None:
    """The file ``latest.txt`` names, only if it is a plain checkpoint name in the folder.

    An absolute path or one with ``..`` would let a resume train from, and then prune or
    overwrite, another run's checkpoints, so anything but a bare name is ignored.
    """
    folder = run_dir / CHECKPOINT_DIR
    try:
        name = (folder / LATEST).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not _NAME.match(name) or Path(name).name != name:
        return None
    candidate = folder / name
    return candidate if candidate.is_file() and not candidate.is_symlink() else None


def load_latest(run_dir: Path, map_location="cpu") -> tuple[Path, dict] | None:
    """(path, payload) of the newest loadable checkpoint of a run, None if it has none.

    The newest is the one ``latest.txt`` names, else the one of the highest training step.
    A checkpoint that cannot be read is named with the reason in a warning and passed over,
    so a corrupt newest file falls back to the previous good one; when none can be read the
    error names one of them and why.
    """
    from i2i.console import warn

    readable = list_checkpoints(run_dir)
    broken = [p for p in _named_checkpoints(run_dir) if p not in readable]
    for path in broken:
        try:
            load_checkpoint(path, mmap=True)
        except CheckpointError as err:
            if readable:
                warn(f"{err}; skipping it")
                continue
            raise
    if not readable:
        return None
    path = _newest(run_dir, readable)
    return path, load_checkpoint(path, map_location=map_location)


def _newest(run_dir: Path, readable: list[Path]) -> Path:
    named = _named_latest(run_dir)
    return named if named in readable else readable[-1]


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The path :func:`load_latest` would load, without loading it (None: no checkpoint)."""
    readable = list_checkpoints(run_dir)
    return _newest(run_dir, readable) if readable else None


def mark_latest(path: Path) -> None:
    from i2i.images import write_bytes_atomic

    write_bytes_atomic(path.name.encode() + b"\n", path.parent / LATEST)


def prune(run_dir: Path, keep_last: int, current: Path) -> None:
    """Keep the ``keep_last`` checkpoints of the highest steps (0 keeps all).

    ``current`` (the one just saved) is always kept. Order comes from the steps inside the
    files, never from mtimes, so touching an old file cannot get a newer one deleted.
    """
    if keep_last <= 0:
        return
    for old in list_checkpoints(run_dir)[:-keep_last]:
        if old != current:
            old.unlink(missing_ok=True)
