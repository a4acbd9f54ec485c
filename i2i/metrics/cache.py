"""On-disk cache of a reference set's Inception features, keyed by content and settings.

The key hashes every file's bytes (not its name or date) together with the protocol and the
network file, so scoring many runs against one test set extracts it once, and a changed
image or another network misses the cache. Entries live in ``$I2I_HOME/metrics/``; delete
that folder to clear it.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from i2i.data.download import sha256_file as sha256_of
from i2i.metrics.features import PROTOCOL, FeatureSet
from i2i.weights import home_dir

CACHE_VERSION = 1


def cache_dir() -> Path:
    return home_dir() / "metrics"


def feature_key(paths: list[Path], network_file: Path, with_logits: bool) -> str:
    """Digest of the files' contents (order-free) plus everything that changes features."""
    contents = sorted(sha256_of(p) for p in paths)
    meta = {"v": CACHE_VERSION, "protocol": PROTOCOL, "network": network_file.name,
            "network_size": network_file.stat().st_size, "logits": with_logits,
            "files": contents}
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()


def load(key: str) -> FeatureSet | None:
    path = cache_dir() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            logits = data["logits"] if data["logits"].size else None
            bad = [tuple(x) for x in data["bad"].tolist()] if data["bad"].size else []
            return FeatureSet(data["pool"], logits, data["names"].tolist(), bad)
    except (OSError, KeyError, ValueError):
        return None  # a damaged entry is recomputed, not fatal


def save(key: str, feats: FeatureSet) -> None:
    from i2i.images import write_bytes_atomic

    buf = io.BytesIO()
    np.savez(buf, pool=feats.pool,
             logits=feats.logits if feats.logits is not None else np.zeros(0),
             names=np.array(feats.names, dtype=str),
             bad=np.array(feats.bad, dtype=str).reshape(-1, 2) if feats.bad else np.zeros(0))
    write_bytes_atomic(buf.getvalue(), cache_dir() / f"{key}.npz")
