"""BicycleGAN's latent terms: the VAE KL to N(0, I) and the latent L1, on the term contract."""

from __future__ import annotations

import pytest
import torch

from i2i.errors import ConfigError
from i2i.losses.bicycle_terms import KLGaussian, LatentL1, kl_to_standard_normal
from i2i.losses.terms import TermContext, TermInputs
from i2i.plugins import lookup
from i2i.runs import resolve_train_config

CPU = torch.device("cpu")


def term(cls):
    return cls(TermContext(cfg=None, device=CPU))


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 8)
    assert float(term(KLGaussian)(TermInputs(mu=zeros, logvar=zeros))) == 0.0
    for mu, logvar in ((torch.full((3, 8), 0.5), zeros), (zeros, torch.full((3, 8), -1.0))):
        assert float(term(KLGaussian)(TermInputs(mu=mu, logvar=logvar))) > 0


def test_kl_equals_torch_distributions_summed_over_dims_and_averaged_over_the_batch():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(4, 8, generator=gen), torch.randn(4, 8, generator=gen)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(4, 8), torch.ones(4, 8))
    expected = torch.distributions.kl_divergence(q, p).sum(1).mean()
    value = term(KLGaussian)(TermInputs(mu=mu, logvar=logvar))
    assert float(value) == pytest.approx(float(expected), rel=1e-5)


def test_kl_of_one_sample_is_the_reference_codes_sum():
    # the authors' code: -0.5 * sum(1 + logvar - mu^2 - exp(logvar)) over the (1, nz) batch
    mu, logvar = torch.tensor([[0.3, -1.2, 0.0]]), torch.tensor([[0.1, -0.4, 0.7]])
    reference = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    assert float(kl_to_standard_normal(mu, logvar)[0]) == pytest.approx(float(reference))


def test_latent_l1_is_the_mean_absolute_difference():
    z = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    recovered = torch.tensor([[0.0, -2.0], [0.0, 1.0]])
    loss = term(LatentL1)(TermInputs(latent=recovered, latent_target=z))
    assert float(loss) == pytest.approx((1 + 0 + 0.5 + 1) / 4)
    assert float(term(LatentL1)(TermInputs(latent=z, latent_target=z))) == 0.0


def test_terms_are_registered_under_their_names():
    assert lookup("terms", "kl_gaussian") is KLGaussian
    assert lookup("terms", "latent_l1") is LatentL1


@pytest.mark.parametrize("key", ["kl_gaussian", "latent_l1"])
def test_a_method_without_latent_codes_refuses_them_in_one_line(key):
    from i2i.methods.pix2pix import Pix2Pix

    layer = {"data": {"root": "builtin:toy_paired", "crop_size": 32, "load_size": 32}}
    cfg = resolve_train_config("pix2pix", None, None, layer, [f"loss.terms.{key}.weight=1"])
    with pytest.raises(ConfigError, match=f"loss.terms.{key} needs .* which pix2pix does "
                                          "not feed its terms") as err:
        Pix2Pix(cfg, CPU)
    assert "\n" not in str(err.value)
