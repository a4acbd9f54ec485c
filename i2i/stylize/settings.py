"""Options of a style-transfer or texture run, validated into one frozen object.

To add an option: add a field with its default here, check it in ``validate``, and pass it
from ``i2i/cli/stylize.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from i2i.errors import ConfigError

DEFAULT_STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
OPTIMIZERS = ("lbfgs", "adam")
POOLINGS = ("avg", "max")
COLOR_MODES = ("luminance", "histogram")


@dataclass(frozen=True)
class StylizeSettings:
    """Everything that shapes the result; defaults: docs/commands/stylize.md."""

    network: str = "vgg19"
    pooling: str = "avg"
    content_layer: str = "conv4_2"
    style_layers: tuple[str, ...] = DEFAULT_STYLE_LAYERS
    layer_weights: tuple[float, ...] | None = None  # None: equal, summing to 1
    content_weight: float = 1.0
    style_weight: float = 1e7
    tv_weight: float = 1e-3
    style_weights: tuple[float, ...] | None = None  # per style image; None: equal
    size: int = 512  # long side of the result (texture: see texture_size)
    texture_size: tuple[int, int] | None = None  # (width, height) of a synthesised texture
    style_size: int | None = None  # long side the style images are resized to
    scales: int = 0  # coarse-to-fine levels; 0: automatic (one per halving above 512 px)
    steps: int = 300  # optimisation steps at each scale
    optimizer: str = "lbfgs"
    lr: float = 0.02  # Adam only; pixels are in [0, 1]
    init: str = "content"  # content | noise | path of an image
    seed: int = 0
    save_every: int = 0
    device: str = "auto"
    preserve_color: bool = False
    color_mode: str = "luminance"
    grid: bool = False
    weights_dir: Path | None = None
    overwrite: bool = False  # replace existing outputs (never an input)

    def with_(self, **changes) -> StylizeSettings:
        return replace(self, **changes)

    @property
    def normalised_layer_weights(self) -> dict[str, float]:
        weights = self.layer_weights or tuple(1.0 for _ in self.style_layers)
        total = sum(weights)
        return {layer: w / total for layer, w in zip(self.style_layers, weights, strict=True)}

    @property
    def all_layers(self) -> list[str]:
        return [self.content_layer, *self.style_layers]

    def validate(self, n_styles: int = 1) -> StylizeSettings:
        """Return self, or raise ConfigError (one line) for the first bad option."""
        from i2i.nets.vgg import PLANS, check_layers  # here: importing settings stays torch-free

        _choice("network", self.network, tuple(sorted(PLANS)))
        _choice("pooling", self.pooling, POOLINGS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("color mode", self.color_mode, COLOR_MODES)
        if not self.style_layers:
            raise ConfigError("--style-layers is empty; name at least one layer, e.g. conv1_1")
        check_layers(self.network, self.all_layers)
        if self.layer_weights is not None:
            _same_length("--layer-weights", self.layer_weights, "--style-layers",
                         len(self.style_layers))
            _non_negative("--layer-weights", self.layer_weights)
        if self.style_weights is not None:
            _same_length("--style-weights", self.style_weights, "style images", n_styles)
            _non_negative("--style-weights", self.style_weights)
        for name, value in (("--content-weight", self.content_weight),
                            ("--style-weight", self.style_weight),
                            ("--tv-weight", self.tv_weight), ("--lr", self.lr)):
            if not 0 <= value < math.inf:  # NaN too: it passes `< 0` and poisons the loss
                raise ConfigError(f"{name} must be a finite number >= 0, got {value}")
        if self.steps < 1:
            raise ConfigError(f"--steps must be at least 1, got {self.steps}")
        if self.size < 1:
            raise ConfigError(f"--size must be positive, got {self.size}")
        if self.scales < 0:
            raise ConfigError(f"--scales must be 0 (automatic) or more, got {self.scales}")
        if self.save_every < 0:
            raise ConfigError(f"--save-every must be 0 (off) or more, got {self.save_every}")
        return self


def _choice(what: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ConfigError(f"unknown {what} '{value}'; choose one of: {', '.join(valid)}")


def _same_length(name: str, values: tuple, other: str, expected: int) -> None:
    if len(values) != expected:
        raise ConfigError(
            f"{name} has {len(values)} value(s) but there are {expected} {other}; "
            "give one per item"
        )


def _non_negative(name: str, values: tuple[float, ...]) -> None:
    if not all(0 <= v < math.inf for v in values) or sum(values) <= 0:
        raise ConfigError(f"{name} must be finite, >= 0 and not all zero, got {values}")


def parse_floats(text: str | None, option: str) -> tuple[float, ...] | None:
    """``"0.7,0.3"`` -> (0.7, 0.3); ConfigError naming the option otherwise."""
    if text is None or text.strip() == "":
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"{option} expects comma-separated numbers, got '{text}'") from None


def parse_names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_size(text: str) -> tuple[int, tuple[int, int] | None]:
    """``"512"`` -> (512, None); ``"384x256"`` -> (384, (384, 256)) as (width, height)."""
    try:
        if "x" in text.lower():
            w, h = (int(part) for part in text.lower().split("x"))
            return max(w, h), (w, h)
        return int(text), None
    except ValueError:
        raise ConfigError(f"--size expects N or WxH (e.g. 512 or 384x256), got '{text}'") from None
