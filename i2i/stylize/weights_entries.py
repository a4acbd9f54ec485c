"""Where the VGG weights used by style transfer come from (``register_weights``).

torchvision's file names embed the first hex digits of the file's sha256
(``vgg19-dcbb9e9d.pth``), which the full digests below start with.
"""

from __future__ import annotations

from i2i import hookimpl
from i2i.weights import WeightsEntry, WeightsFile

_TORCHVISION = "https://download.pytorch.org/models/"

VGG19 = WeightsEntry(
    name="vgg19",
    description="VGG19 ImageNet classifier (torchvision); style transfer uses its features",
    files=(
        WeightsFile(
            filename="vgg19-dcbb9e9d.pth",
            sha256="dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44",
            urls=(_TORCHVISION + "vgg19-dcbb9e9d.pth",),
            note="full torchvision checkpoint, 548 MiB; only features.* is used",
        ),
    ),
    licence="torchvision model weights (BSD-3-Clause code; ImageNet terms)",
)

VGG16 = WeightsEntry(
    name="vgg16",
    description="VGG16 ImageNet classifier (torchvision); style transfer uses its features",
    files=(
        WeightsFile(
            filename="vgg16-397923af.pth",
            sha256="397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
            urls=(_TORCHVISION + "vgg16-397923af.pth",),
            note="full torchvision checkpoint, 528 MiB; only features.* is used",
        ),
        WeightsFile(
            filename="vgg16-features.pth",
            sha256="fd74f319b20ab41f6394602d203f0298306aefa24846d9190db698c63099a845",
            note="state dict of torchvision.models.vgg16().features only (local copy)",
        ),
    ),
    licence="torchvision model weights (BSD-3-Clause code; ImageNet terms)",
)


@hookimpl
def register_weights() -> dict:
    return {"vgg19": VGG19, "vgg16": VGG16}
