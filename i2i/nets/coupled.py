"""CoGAN's networks (Liu & Tuzel 2016): a generator pair that shares its first layers, a
discriminator pair that shares its last, and an encoder that inverts the first generator.

Weight sharing is the whole of CoGAN: the first layers of a generator decode high-level
content and the last render it in a domain, so two generators that share the first layers
and are fed one ``z`` draw the same content in two domains, without any pair of
corresponding images. The discriminators share their last layers (their first layers read
each domain's pixels) for the same reason read the other way round. The authors' digit
model shares everything but the generators' output layer and the discriminators' input
layer; ``private`` (default 1) is how many layers each domain keeps to itself.

Each pair is one module, so a shared layer is one set of parameters: one checkpoint entry,
one DDP wrapper and one optimiser see it once. Layers are DCGAN-style: the generator projects
``z`` to a 4x4 map and doubles it with 4x4 stride-2 transposed convolutions (norm, ReLU),
then a 3x3 convolution and tanh; the discriminator and the encoder halve with 4x4 stride-2
convolutions (LeakyReLU 0.2, no norm on the first) down to 4x4. Widths double per halving
from ``ngf``/``ndf`` at full size, capped at 32x: at 128 px and width 32 the generator is
the authors' CelebA one (1024 channels at 4x4 down to 32).

Sizes: square images whose side is a power of two from 16 px (:func:`doublings`).

To add another coupled architecture, give it the same interface (a generator's
``forward(z) -> (image_a, image_b)`` and ``render(z, domain)``; a discriminator's
``forward(x_a, x_b) -> (pred_a, pred_b)`` and ``judge(x, domain)``) and a factory with
keyword parameters, and choose it by name in ``methods/cogan.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from i2i.errors import ConfigError
from i2i.nets.blocks import conv_bias, norm_layer, require_at_least

DOMAINS = ("A", "B")
BASE = 4  # the generator's first map is BASE x BASE; discriminators end on it
MIN_DOUBLINGS = 2  # 16 px: fewer and the stacks would be a single layer
WIDTH_CAP = 32  # widths stop doubling at 32x the base width (1024 at width 32)
VALID_HINT = "16, 32, 64, 128, 256, 512, 1024, ..."


def doublings(size: int) -> int:
    """How many times the generator doubles its 4x4 map to reach ``size`` px; a one-line
    ConfigError for a size the coupled nets cannot produce."""
    n = (size // BASE).bit_length() - 1
    if size < BASE << MIN_DOUBLINGS or size != BASE << n:
        raise ConfigError(f"cogan renders square images whose side is a power of two from "
                          f"16 px, but data.crop_size is {size}; choose one of {VALID_HINT}")
    return n


def _width(base: int, level: int) -> int:
    return base * min(2**level, WIDTH_CAP)


def _check_private(private: int, layers: int, where: str) -> None:
    if not isinstance(private, int) or isinstance(private, bool) or not 1 <= private <= layers:
        raise ConfigError(f"{where}.params.private is {private!r}; at this size it must be a "
                          f"whole number from 1 to {layers} (how many layers each domain "
                          "keeps to itself)")


def _split(builders: list[Callable[[str], nn.Module]], shared_count: int, first_shared: bool):
    """(shared Sequential, {domain: private Sequential}) from per-layer builders. Each
    domain's private layers are built separately: their own weights, not shared ones."""
    shared_idx = range(shared_count) if first_shared else \
        range(len(builders) - shared_count, len(builders))
    private_idx = [i for i in range(len(builders)) if i not in shared_idx]
    shared = nn.Sequential(*[builders[i]("") for i in shared_idx])
    private = nn.ModuleDict({d: nn.Sequential(*[builders[i](d) for i in private_idx])
                             for d in DOMAINS})
    return shared, private


class CoupledGenerator(nn.Module):
    """``z`` (N, latent_dim) -> (image of domain A, image of domain B), both ``size`` px."""

    size_multiple = 1  # translation resizes to the training size itself: no padding wanted

    def __init__(self, nc_a: int, nc_b: int, size: int, latent_dim: int = 100,
                 ngf: int = 32, norm: str = "batch", private: int = 1):
        super().__init__()
        require_at_least("generator", 1, latent_dim=latent_dim, ngf=ngf)
        n = doublings(size)
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        self.latent_dim, self.ngf, self.norm, self.size = latent_dim, ngf, norm, size
        channels = {"A": nc_a, "B": nc_b}
        top = _width(ngf, n)

        def project(_):
            return nn.Sequential(nn.Linear(latent_dim, top * BASE * BASE, bias=bias),
                                 nn.Unflatten(1, (top, BASE, BASE)), make_norm(top),
                                 nn.ReLU(True))

        def double(level):
            def build(_):
                c_in, c_out = _width(ngf, level), _width(ngf, level - 1)
                return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias),
                                     make_norm(c_out), nn.ReLU(True))
            return build

        def output(domain):
            return nn.Sequential(nn.Conv2d(ngf, channels[domain], 3, 1, 1), nn.Tanh())

        builders = [project, *[double(level) for level in range(n, 0, -1)], output]
        _check_private(private, len(builders), "generator")
        self.shared, self.private = _split(builders, len(builders) - private, True)

    def render(self, z: torch.Tensor, domain: str) -> torch.Tensor:
        """The image of one domain for ``z`` (skips the other domain's layers)."""
        return self.private[domain](self.shared(z))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.shared(z)
        return self.private["A"](h), self.private["B"](h)


def _down_builders(nc_of: Callable[[str], int], n: int, width: Callable[[int], int],
                   norm: str) -> list[Callable[[str], nn.Module]]:
    """Builders of ``n`` stride-2 4x4 convolutions; the first reads ``nc_of(domain)``
    channels, convolution j writes ``width(j + 1)``."""
    make_norm, bias = norm_layer(norm), conv_bias(norm)

    def halve(j):
        def build(domain):
            first = j == 0  # DCGAN: no norm on the layer that reads pixels
            c_in = nc_of(domain) if first else width(j)
            return nn.Sequential(nn.Conv2d(c_in, width(j + 1), 4, 2, 1, bias=first or bias),
                                 nn.Identity() if first else make_norm(width(j + 1)),
                                 nn.LeakyReLU(0.2, True))
        return build

    return [halve(j) for j in range(n)]


class CoupledDiscriminator(nn.Module):
    """(x_a, x_b) -> (one logit per image of A, one per image of B), shape (N, 1, 1, 1).

    ``nc_a``/``nc_b`` are the input channels as the method feeds them (with PacGAN's
    packing, m samples' channels)."""

    def __init__(self, nc_a: int, nc_b: int, size: int, ndf: int = 32, norm: str = "batch",
                 private: int = 1):
        super().__init__()
        require_at_least("discriminator", 1, ndf=ndf)
        n = doublings(size)
        channels = {"A": nc_a, "B": nc_b}

        def width(j):
            return _width(ndf, j - 1)

        def verdict(_):  # 4x4 -> 1x1: one verdict per image
            return nn.Conv2d(width(n), 1, BASE)

        # the first layer is always private (private >= 1), so only it reads a domain's width
        builders = [*_down_builders(channels.__getitem__, n, width, norm), verdict]
        _check_private(private, len(builders), "discriminator")
        self.shared, self.private = _split(builders, len(builders) - private, False)

    def judge(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        return self.shared(self.private[domain](x))

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.judge(x_a, "A"), self.judge(x_b, "B")


class LatentEncoder(nn.Module):
    """An image of one domain -> the ``z`` a coupled generator would render it from: the
    generator's mirror (same widths and norm), then a linear layer to ``latent_dim``."""

    def __init__(self, nc: int, size: int, latent_dim: int, ngf: int, norm: str):
        super().__init__()
        n = doublings(size)

        def width(j):
            return _width(ngf, j)

        top = width(n)
        self.net = nn.Sequential(*[b("") for b in _down_builders(lambda _: nc, n, width, norm)],
                                 nn.Flatten(), nn.Linear(top * BASE * BASE, latent_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def coupled_generator(nc_a: int, nc_b: int, size: int, latent_dim: int = 100, ngf: int = 32,
                      norm: str = "batch", private: int = 1) -> CoupledGenerator:
    """CoGAN's generator pair; ``generator.params`` are its keywords."""
    return CoupledGenerator(nc_a, nc_b, size, latent_dim, ngf, norm, private)


def coupled_discriminator(nc_a: int, nc_b: int, size: int, ndf: int = 32, norm: str = "batch",
                          private: int = 1) -> CoupledDiscriminator:
    """CoGAN's discriminator pair; ``discriminator.params`` are its keywords."""
    return CoupledDiscriminator(nc_a, nc_b, size, ndf, norm, private)
