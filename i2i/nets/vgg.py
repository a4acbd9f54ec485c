"""VGG feature extractor with named layers (``conv1_1`` ... ``conv5_4``), shared by style
transfer and the feature losses (spatially-correlative, perceptual).

A layer name means the *rectified* response of that convolution (ReLU applied), as in
Gatys et al.; ``pool1`` ... ``pool5`` name the pooling outputs. The network is cut after the
deepest layer that is asked for, so unused layers cost nothing. Input: RGB in [0, 1];
ImageNet normalisation happens inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from i2i.errors import ConfigError, WeightsError

# Convolutions per block; "M" is a pooling layer. Same order as torchvision's ``features``,
# so its state-dict indices line up.
PLANS: dict[str, tuple[int, ...]] = {
    "vgg16": (2, 2, 3, 3, 3),
    "vgg19": (2, 2, 4, 4, 4),
}
WIDTHS = (64, 128, 256, 512, 512)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _check_network(network: str) -> None:
    if network not in PLANS:
        raise ConfigError(
            f"unknown network '{network}'; choose one of: {', '.join(sorted(PLANS))}"
        )


def layer_names(network: str = "vgg19") -> list[str]:
    """Every layer a loss may use, shallow to deep."""
    _check_network(network)
    names = []
    for block, n_convs in enumerate(PLANS[network], start=1):
        names += [f"conv{block}_{i}" for i in range(1, n_convs + 1)]
        names.append(f"pool{block}")
    return names


def check_layers(network: str, layers: Iterable[str]) -> None:
    """ConfigError naming the first unknown layer and listing the valid ones."""
    valid = layer_names(network)
    for layer in layers:
        if layer not in valid:
            raise ConfigError(
                f"unknown layer '{layer}' for {network}; valid layers: {', '.join(valid)}"
            )


def min_size_for(network: str, layers: Iterable[str]) -> int:
    """Smallest image side (px) for which the deepest of ``layers`` is at least 1x1."""
    names = layer_names(network)
    deepest = max(names.index(layer) for layer in layers)
    pools_before = sum(1 for name in names[:deepest] if name.startswith("pool"))
    if names[deepest].startswith("pool"):
        pools_before += 1
    return 2**pools_before


def _pool(pooling: str) -> nn.Module:
    if pooling == "max":
        return nn.MaxPool2d(2, 2)
    if pooling == "avg":
        # Gatys et al. found average pooling gives smoother gradients and nicer images.
        return nn.AvgPool2d(2, 2)
    raise ConfigError(f"unknown pooling '{pooling}'; choose one of: avg, max")


class VGGFeatures(nn.Module):
    """VGG16/19 convolutional part returning the activations of the requested layers."""

    def __init__(self, network: str = "vgg19", pooling: str = "avg", last_layer: str | None = None):
        super().__init__()
        _check_network(network)
        self.network = network
        self.pooling = pooling
        self.layers = nn.Sequential()
        self.names: list[str] = []  # name of the output of each module that is a named layer
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        in_ch = 3
        for block, n_convs in enumerate(PLANS[network], start=1):
            for i in range(1, n_convs + 1):
                self.layers.append(nn.Conv2d(in_ch, WIDTHS[block - 1], 3, padding=1))
                self.names.append("")
                self.layers.append(nn.ReLU(inplace=False))
                self.names.append(f"conv{block}_{i}")
                in_ch = WIDTHS[block - 1]
            self.layers.append(_pool(pooling))
            self.names.append(f"pool{block}")
        if last_layer is not None:
            check_layers(network, [last_layer])
            cut = self.names.index(last_layer) + 1
            self.layers = self.layers[:cut]
            self.names = self.names[:cut]
        self.requires_grad_(False)
        self.eval()

    def load_torchvision_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load a torchvision ``vggNN`` checkpoint or a ``vggNN().features`` state dict."""
        if any(key.startswith("features.") for key in state):
            state = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        own = self.layers.state_dict()
        missing = [key for key in own if key not in state]
        if missing:
            raise WeightsError(
                f"weights do not fit {self.network}: missing {missing[0]}; "
                f"is the file for another network? (try --network vgg16 or vgg19)"
            )
        for key in own:
            if state[key].shape != own[key].shape:
                raise WeightsError(
                    f"weights do not fit {self.network}: {key} has shape "
                    f"{tuple(state[key].shape)}, expected {tuple(own[key].shape)}"
                )
        self.layers.load_state_dict({key: state[key] for key in own}, strict=True)

    def of_tanh_images(self, images: torch.Tensor,
                       wanted: Sequence[str]) -> dict[str, torch.Tensor]:
        """:meth:`forward` for images in [-1, 1] (what generators make), in fp32 whatever
        autocast is on: the losses built on these features (Gram matrices, feature
        distances) are differences of small numbers that bf16 would blur."""
        with torch.autocast(images.device.type, enabled=False):
            return self((images.float() + 1) / 2, wanted)

    def forward(self, image: torch.Tensor, wanted: Sequence[str]) -> dict[str, torch.Tensor]:
        """Activations of the layers in ``wanted`` for a batch of RGB images in [0, 1]."""
        x = (image - self.mean) / self.std
        remaining = set(wanted)
        found: dict[str, torch.Tensor] = {}
        for module, name in zip(self.layers, self.names, strict=True):
            x = module(x)
            if name in remaining:
                found[name] = x
                remaining.discard(name)
                if not remaining:
                    break
        return found


_FROZEN: dict[tuple, VGGFeatures] = {}


def frozen_vgg(network: str, last_layer: str, device: torch.device | str) -> VGGFeatures:
    """The pretrained VGG (max pooling, cut after ``last_layer``) that losses use, loaded
    once per weights file, cut and device and shared by every loss that asks for it. It is
    frozen; a loss keeps it as a plain attribute, so checkpoints never hold it."""
    from i2i.weights import resolve

    key = (str(resolve(network)), network, last_layer, str(torch.device(device)))
    if key not in _FROZEN:
        _FROZEN[key] = load_vgg(network, pooling="max", last_layer=last_layer, device=device)
    return _FROZEN[key]


def load_vgg(
    network: str = "vgg19",
    pooling: str = "avg",
    last_layer: str | None = None,
    weights_dir: str | Path | None = None,
    device: torch.device | str = "cpu",
) -> VGGFeatures:
    """A pretrained :class:`VGGFeatures` on ``device`` (weights via ``i2i.weights``)."""
    from i2i.weights import resolve

    model = VGGFeatures(network, pooling, last_layer)
    path = resolve(network, weights_dir=weights_dir)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as err:  # a truncated or foreign file
        raise WeightsError(f"cannot load {path}: {err}; delete it and download again") from err
    model.load_torchvision_state(state)
    return model.to(device)
