"""The pretrained networks the metrics run on, and the files they load from.

The files are listed in :mod:`i2i.metrics.weights_entries` (``WEIGHTS``, torch-free),
which :mod:`i2i.metrics.builtin` registers, so ``i2i download --weights NAME`` and
``--weights-dir`` work for them like for any network.
Loaded networks are kept per (file, device) so scoring many folders loads each once.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import torch

from i2i.errors import WeightsError
from i2i.metrics.inception_net import FIDInception, from_torchscript_state, pytorch_fid_to_ours
from i2i.metrics.weights_entries import INCEPTION, PYTORCH_FID_FILE, VGG16
from i2i.weights import resolve


def _device_key(device: torch.device) -> str:
    return str(device)


def load_inception(
    weights_dir: str | Path | None, device: torch.device, need_head: bool = False
) -> tuple[FIDInception, Path]:
    """The FID Inception on ``device`` (eval mode) and the file it came from.

    ``need_head``: the caller needs the 1008-class logits (Inception Score); a WeightsError
    says so when only the TorchScript form (no head) is available.
    """
    path = resolve(INCEPTION, weights_dir)
    if need_head and path.name != PYTORCH_FID_FILE:
        raise WeightsError(
            f"the Inception Score needs the 1008-class head, which {path.name} lacks; put "
            f"{PYTORCH_FID_FILE} in --weights-dir or run `i2i download --weights {INCEPTION}`"
        )
    return _load_inception(str(path), _device_key(device)), path


@functools.lru_cache(maxsize=4)
def _load_inception(path: str, device: str) -> FIDInception:
    if path.endswith(".pth"):
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = pytorch_fid_to_ours(state)
    else:
        with warnings.catch_warnings():  # torch.jit.load is deprecated; the file is TorchScript
            warnings.simplefilter("ignore")
            scripted = torch.jit.load(path, map_location="cpu")  # checksum-verified file
        state = from_torchscript_state(scripted.state_dict())
    net = FIDInception(with_head="fc.weight" in state)
    net.load_state_dict(state, strict=True)
    return net.eval().requires_grad_(False).to(device)


def vgg16_features_state(weights_dir: str | Path | None) -> dict[str, torch.Tensor]:
    """State dict for ``torchvision.models.vgg16().features`` from either accepted file."""
    path = resolve(VGG16, weights_dir)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if any(k.startswith("features.") for k in state):
        state = {k.removeprefix("features."): v for k, v in state.items()
                 if k.startswith("features.")}
    return state
