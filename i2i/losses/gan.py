"""Adversarial objectives: vanilla (BCE), LSGAN, WGAN-GP and hinge.

Each objective says what the discriminator and the generator minimise, given the
discriminator's raw outputs (logits, any shape).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class GANLoss:
    """Base: ``discriminator_loss(real, fake)`` and ``generator_loss(fake)``."""

    needs_gradient_penalty = False
    #: whether ``discriminator_loss`` is the mean of a real and a fake term (vanilla, LSGAN)
    #: rather than their sum; a method whose authors sum them doubles it
    #: (``Method.d_loss_halved``)
    halves_discriminator_loss = False

    def discriminator_loss(self, pred_real: torch.Tensor, pred_fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, pred_fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class VanillaGAN(GANLoss):
    """The original minimax GAN with the non-saturating generator loss (BCE on logits).

    The discriminator loss is halved, as in the reference code, to slow D relative to G.
    """

    halves_discriminator_loss = True

    def discriminator_loss(self, pred_real, pred_fake):
        real = F.binary_cross_entropy_with_logits(pred_real, torch.ones_like(pred_real))
        fake = F.binary_cross_entropy_with_logits(pred_fake, torch.zeros_like(pred_fake))
        return 0.5 * (real + fake)

    def generator_loss(self, pred_fake):
        return F.binary_cross_entropy_with_logits(pred_fake, torch.ones_like(pred_fake))


class LSGAN(GANLoss):
    """Least-squares GAN (Mao et al. 2017): targets 1 for real, 0 for fake; CycleGAN default.
    The discriminator loss is halved, as vanilla's."""

    halves_discriminator_loss = True

    def discriminator_loss(self, pred_real, pred_fake):
        return 0.5 * (((pred_real - 1) ** 2).mean() + (pred_fake**2).mean())

    def generator_loss(self, pred_fake):
        return ((pred_fake - 1) ** 2).mean()


class WGANGP(GANLoss):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017); the penalty is added
    by the method through :func:`gradient_penalty`."""

    needs_gradient_penalty = True

    def discriminator_loss(self, pred_real, pred_fake):
        return pred_fake.mean() - pred_real.mean()

    def generator_loss(self, pred_fake):
        return -pred_fake.mean()


class HingeGAN(GANLoss):
    """Hinge loss (Lim & Ye 2017; used by SAGAN/BigGAN)."""

    def discriminator_loss(self, pred_real, pred_fake):
        return F.relu(1 - pred_real).mean() + F.relu(1 + pred_fake).mean()

    def generator_loss(self, pred_fake):
        return -pred_fake.mean()


def gradient_penalty(discriminator, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(||grad D(x_hat)||_2 - 1)^2] on random interpolates of real and fake."""
    alpha = torch.rand(real.size(0), 1, 1, 1, device=real.device, dtype=real.dtype)
    mixed = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = discriminator(mixed)
    (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
