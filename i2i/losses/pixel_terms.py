"""Pixel terms on the term contract: cycle, identity and reconstruction distances, and TV.

``cycle``, ``identity`` and ``recon`` compare ``result`` with ``target`` by a registered
reconstruction distance (``recon.l1``, ``recon.l2``, ``recon.l1_l2``; param ``distance``).
They are one class under three names so that a method's log and config say which use it
is. ``self_reg`` is the same distance between ``result`` and its ``source`` (SimGAN's
self-regularisation, the "pixel loss + GAN" baseline of the CycleGAN paper). ``tv`` is the
total-variation prior on ``result``.
"""

from __future__ import annotations

from i2i.losses.reconstruction import total_variation
from i2i.losses.terms import LossTerm, TermContext, TermInputs


class PixelDistance(LossTerm):
    """``distance(result, target)``: the mean L1 (default), L2 or mixed difference."""

    needs = ("result", "target")

    def __init__(self, ctx: TermContext, distance: str = "l1") -> None:
        super().__init__(ctx)
        from i2i.losses.criteria import recon_loss

        self.distance = recon_loss(distance)

    def loss(self, inputs: TermInputs):
        return self.distance(inputs.result, inputs.target)


class SourceDistance(PixelDistance):
    """``distance(result, source)``: keep the translation close to its input, pixel by
    pixel (Shrivastava et al. 2017)."""

    needs = ("source", "result")

    def loss(self, inputs: TermInputs):
        return self.distance(inputs.result, inputs.source)


class TotalVariation(LossTerm):
    """Mean absolute difference between neighbouring pixels of ``result``."""

    needs = ("result",)

    def loss(self, inputs: TermInputs):
        return total_variation(inputs.result)
