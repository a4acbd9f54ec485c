"""Latent terms on the term contract: the KL of a unit-variance Gaussian code.

``kl`` is KL(N(mu, I) || N(0, I)) per latent element, for the unit-variance encoders of
UNIT (Liu et al. 2017) and ``cyclegan_vae``: the encoder outputs only the mean ``mu`` (a
latent map) and the code is ``mu + N(0, I)``, so the variance terms of the Gaussian KL
cancel and what is left is ``mean(mu**2) / 2``. (The UNIT authors' code, ``__compute_kl``
in mingyuliutw/UNIT, takes ``mean(mu**2)`` without the half, so their weight
``recon_kl_w`` 0.01 is our 0.02.) It reads ``TermInputs.mu`` alone; ``kl_gaussian``
(``bicycle_terms.py``) is the KL of an encoder with a learned variance (``mu`` and
``logvar``), summed over the code. A method that feeds no ``mu`` refuses ``kl`` in one line
when the term is built.

To add another latent term (a prior on codes, a learned-variance KL by element), subclass
:class:`~i2i.losses.terms.LossTerm` with its ``needs`` here and register it in
``i2i/losses/builtin.py``.
"""

from __future__ import annotations

import torch

from i2i.losses.terms import LossTerm, TermInputs


class GaussianKL(LossTerm):
    """``mean(mu**2) / 2``: the KL of N(mu, I) from N(0, I), per element."""

    needs = ("mu",)

    def loss(self, inputs: TermInputs) -> torch.Tensor:
        mu = inputs.mu
        # at least float32 (a bf16 code under autocast would lose the small squares' sum)
        mu = mu.to(torch.promote_types(mu.dtype, torch.float32))
        return 0.5 * mu.pow(2).mean()
