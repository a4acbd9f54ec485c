"""Checkpoints: one file each, written atomically, loaded with ``weights_only=True``.

A checkpoint holds the resolved config, every net, optimiser, scheduler and GradScaler,
the method's extra state (image pools), all RNG states and the counters, so a resumed run
continues the same schedule exactly. Only tensors and plain Python values go in, which is
what lets ``weights_only=True`` load it: a checkpoint can never run code.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from i2i.errors import CheckpointError
from i2i.images import finish_atomic

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
    """torch.save to a temp file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        finish_atomic(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    """Load safely; a file that is not an i2i checkpoint is a one-line error."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # corrupt, truncated, or a pickle that needs code
        reason = str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"cannot load checkpoint {path}: {reason}") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an i2i checkpoint; pick one in a run's checkpoints/")
    return payload


def load_nets(method, payload: dict, path: Path) -> None:
    """Load net weights, turning a method/architecture mismatch into a clear error."""
    if payload["method"] != method.name:
        raise CheckpointError(
            f"{path} is a '{payload['method']}' checkpoint, not '{method.name}'"
        )
    for key, net in method.nets.items():
        if key not in payload["nets"]:
            raise CheckpointError(f"{path} has no weights for '{key}'")
        try:
            _bare(net).load_state_dict(payload["nets"][key])
        except RuntimeError as err:
            raise CheckpointError(
                f"{path} does not fit the configured architecture of '{key}' "
                "(different generator/discriminator settings); use the run's own config"
            ) from err


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Checkpoints of a run, oldest first (by global step, then epoch files after steps)."""
    folder = run_dir / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(2)), 0 if m.group(1) == "step" else 1, p))
    return [p for *_, p in sorted(found)]


def checkpoint_name(kind: str, number: int) -> str:
    return f"{kind}_{number:07d}.pt" if kind == "step" else f"{kind}_{number:04d}.pt"


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest checkpoint: the one ``latest.txt`` names, else the newest file."""
    folder = run_dir / CHECKPOINT_DIR
    try:
        named = folder / (folder / LATEST).read_text().strip()
        if _NAME.match(named.name) and named.is_file():
            return named
    except OSError:
        pass
    found = list_checkpoints(run_dir)
    return max(found, key=os.path.getmtime) if found else None


def mark_latest(path: Path) -> None:
    from i2i.images import write_bytes_atomic

    write_bytes_atomic(path.name.encode() + b"\n", path.parent / LATEST)


def prune(run_dir: Path, keep_last: int) -> None:
    """Keep the newest ``keep_last`` checkpoints (0 keeps all)."""
    if keep_last <= 0:
        return
    latest = latest_checkpoint(run_dir)
    for old in sorted(list_checkpoints(run_dir), key=os.path.getmtime)[:-keep_last]:
        if old == latest:
            continue
        old.unlink(missing_ok=True)
