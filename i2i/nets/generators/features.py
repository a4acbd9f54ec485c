"""Intermediate activations of a generator, for feature-level losses (PatchNCE, ...).

A generator that offers them mixes in :class:`FeatureLayers`, sets ``feature_widths`` (the
channel count of every layer a loss may ask for, by index) and implements
``forward(x, feature_layers)`` (output and features from one pass) and
``encode(x, feature_layers)`` (features only, running no further than the deepest one).
"""

from __future__ import annotations

from collections.abc import Sequence

from i2i.errors import ConfigError


class FeatureLayers:
    """Layer bookkeeping shared by generators with features; holds no parameters."""

    #: channels of layer i at index i; len() is how many layers exist
    feature_widths: tuple[int, ...] = ()
    #: what an index counts, for error messages ("outputs of the modules of .model")
    feature_meaning: str = "layers"

    @property
    def num_feature_layers(self) -> int:
        return len(self.feature_widths)

    def check_feature_layers(self, layers: Sequence[int],
                             where: str = "feature_layers") -> list[int]:
        """``layers`` as a list, or a one-line ConfigError naming the valid index range."""
        if isinstance(layers, (int, str)):
            raise ConfigError(f"{where} must be a list of layer indices, got {layers!r}")
        last = self.num_feature_layers - 1
        for i in layers:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= last:
                raise ConfigError(
                    f"{where}: {i!r} is not a layer of this {type(self).__name__}; valid "
                    f"layer indices are 0..{last} ({self.feature_meaning})")
        return list(layers)

    def feature_channels(self, layers: Sequence[int], where: str = "feature_layers") -> list[int]:
        """The channel count of each requested layer, in the order asked (checked first)."""
        return [self.feature_widths[i] for i in self.check_feature_layers(layers, where)]
