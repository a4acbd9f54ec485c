"""Latent-code terms on the term contract: BicycleGAN's KL and latent regression.

``kl_gaussian`` is the VAE's KL divergence of the encoder's diagonal Gaussian
N(mu, exp(logvar)) from the prior N(0, I), summed over the code's dimensions and averaged
over the batch: -1/2 * sum(1 + logvar - mu^2 - exp(logvar)). (The authors' code sums over
the batch too; at their batch of 2, split into one cVAE-GAN and one cLR-GAN pair, the two
are the same; the mean keeps the weight's meaning at any batch size.) ``latent_l1`` is the
mean absolute difference between ``latent`` (the code an encoder recovers from a
translation) and ``latent_target`` (the random code the translation was made from).

Both read only what a method with a latent code feeds (``mu``, ``logvar``, ``latent``,
``latent_target`` of :class:`~i2i.losses.terms.TermInputs`), so any other method names them
in one line as terms it cannot feed. Named ``kl_gaussian`` (not ``kl``) so a method with
another KL of its own can register that one as ``kl``.
"""

from __future__ import annotations

import torch

from i2i.losses.terms import LossTerm, TermInputs


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over dimensions: (N,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).flatten(1).sum(1)


class KLGaussian(LossTerm):
    """Batch mean of the KL of the encoder's Gaussian from the standard normal prior."""

    needs = ("mu", "logvar")

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        return kl_to_standard_normal(inputs.mu, inputs.logvar).mean()


class LatentL1(LossTerm):
    """Mean |latent - latent_target|: the generator must keep its code recoverable."""

    needs = ("latent", "latent_target")

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        return (inputs.latent - inputs.latent_target).abs().mean()
