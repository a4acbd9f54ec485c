"""The ``kl`` term: the KL of a unit-variance Gaussian code from N(0, I), per element.

For N(mu, I) against N(0, I) the KL is sum(mu**2) / 2; the term takes the mean over
elements, so it is zero exactly at mu = 0, positive elsewhere, and its gradient is
mu / numel. It reads ``TermInputs.mu`` alone, so a method that feeds no latent mean refuses it
in one line.
"""

from __future__ import annotations

import pytest
import torch

from i2i.errors import ConfigError
from i2i.losses.terms import TermContext, TermInputs, build_terms
from i2i.runs import resolve_train_config


def kl_term(weight: float = 1.0):
    cfg = resolve_train_config("cyclegan", None, None, {}, [])
    built = build_terms({"kl": {"weight": weight}}, TermContext(cfg, torch.device("cpu")),
                        ("mu",))
    return built[0].term


def test_kl_is_zero_at_the_prior_mean():
    assert kl_term()(TermInputs(mu=torch.zeros(2, 4, 3, 3))).item() == 0.0


def test_kl_is_positive_elsewhere_and_matches_the_closed_form():
    torch.manual_seed(0)
    mu = torch.randn(2, 4, 3, 3)
    value = kl_term()(TermInputs(mu=mu))
    assert value.item() > 0
    # KL(N(mu, 1) || N(0, 1)) = (mu^2 + sigma^2 - 1 - log sigma^2) / 2 with sigma = 1
    p = torch.distributions.Normal(mu, torch.ones_like(mu))
    q = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert torch.allclose(value, torch.distributions.kl_divergence(p, q).mean())
    # a single shifted element is positive too: the term cannot cancel signs
    one = torch.zeros(1, 1, 2, 2)
    one[0, 0, 0, 0] = -3.0
    assert kl_term()(TermInputs(mu=one)).item() == pytest.approx(9.0 / 2 / 4)


def test_kl_gradient_is_mu_over_the_element_count():
    torch.manual_seed(1)
    mu = torch.randn(3, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    kl_term()(TermInputs(mu=mu)).backward()
    assert torch.allclose(mu.grad, mu.detach() / mu.numel())
    assert torch.autograd.gradcheck(lambda m: kl_term()(TermInputs(mu=m)), (mu,))


def test_kl_needs_a_latent_mean_which_cyclegan_does_not_feed():
    cfg = resolve_train_config("cyclegan", None, None, {}, [])
    with pytest.raises(ConfigError, match="needs mu, which cyclegan does not feed"):
        build_terms({"kl": {"weight": 1.0}}, TermContext(cfg, torch.device("cpu")),
                    ("source", "result", "generator"))
