"""Write an imported run: the method's nets loaded with the reference weights, saved as an
ordinary i2i run folder, all of it or nothing.

The folder is assembled under a temporary sibling name (``.NAME.i2i<pid>.*.tmp``) and
renamed to its own name last; any failure removes the temporary folder, so no
half-written run is ever left where a run is expected.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from i2i.config import RunConfig, to_yaml
from i2i.errors import CheckpointError, ConfigError


@dataclass
class ImportedRun:
    """What an import wrote."""

    run_dir: Path
    method: str
    directions: dict[str, str]  # direction -> generator net key
    generator: str  # the architecture, in words
    options_file: Path | None


def write_run(cfg: RunConfig, gens: dict, out_dir: Path, epoch: str, imported: dict,
              description: str, options_file: Path | None) -> ImportedRun:
    """Load ``gens`` (direction -> :class:`~i2i.interop.reference_names.Generator`) into
    ``cfg.method``'s nets and write the run; nets no file provides are recorded absent."""
    from i2i.images import write_bytes_atomic
    from i2i.outputs import staging_dir, temp_prefix
    from i2i.plugins import lookup
    from i2i.training.checkpoint import (
        CHECKPOINT_DIR,
        Counters,
        build_payload,
        checkpoint_name,
        mark_latest,
        save_checkpoint,
    )

    method = lookup("methods", cfg.method)(cfg, torch.device("cpu"), training=False)
    keys = {d: method.generator_for[d] for d in gens}
    absent = sorted(set(method.nets) - set(keys.values()))
    generators = set(method.generator_for.values())
    extra = [k for k in absent if k not in generators]
    if extra:
        raise ConfigError(f"{cfg.method} translates with more than a generator ("
                          f"{', '.join(extra)}); import into cyclegan, pix2pix, cut, fastcut "
                          "or sc")
    for direction, gen in gens.items():
        try:
            method.nets[keys[direction]].load_state_dict(gen.state)  # names checked: strict
        except RuntimeError as err:  # tensors that fit no net of this method and these params
            detail = str(err).strip().splitlines()[-1].strip()[:120]
            raise CheckpointError(f"the {direction} generator's tensors do not fit an i2i "
                                  f"{cfg.method} generator ({detail}); check --from and "
                                  "--model") from None
    number = int(epoch) if epoch.isdigit() else 0
    payload = build_payload(method, {}, Counters(epoch=number), cfg.to_dict())
    for key in absent:
        del payload["nets"][key]
    payload["absent_nets"] = absent
    payload["imported"] = imported

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir(out_dir.parent, temp_prefix(out_dir), ".tmp")
    try:
        write_bytes_atomic(to_yaml(cfg).encode(), tmp / "config.yaml")
        saved = tmp / CHECKPOINT_DIR / checkpoint_name("epoch", number)
        save_checkpoint(saved, payload)
        mark_latest(saved)
        if out_dir.is_dir():
            out_dir.rmdir()  # empty (checked before any work): a rename cannot replace it
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ImportedRun(out_dir, cfg.method, keys, description, options_file)
